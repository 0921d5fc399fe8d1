"""Assistant de déclaration d'un bris de porte dans un vrai navigateur : saisie, enregistrement automatique,
rechargement, erreurs, documents, envoi, invitation de l'usager, déclaration figée, deux onglets.

Chaque page et chaque état visité passe axe-core (WCAG 2.1 AA) et la console ne relève aucun refus CSP.
"""

import datetime
import importlib
import io
import re
import time

import pytest
from django.conf import settings as reglages
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from declarations.enums import StatutDeclaration
from declarations.models import Declaration, PieceJointeDeclaration
from portail.enums import StatutEmail
from portail.models import EmailSortant
from tests import fichiers_exemples
from tests.e2e.outils import SCRIPT_ECOUTE_CSP, verifier_page
from tests.fabriques import UtilisateurFactory

pytestmark = pytest.mark.e2e

STATUT_ENREGISTRE = re.compile(r"^Brouillon enregistré à \d{2}:\d{2}$")
ETAPE = re.compile(r"/declarations/(\d+)/etape/([\w-]+)/")
# Valeur confidentielle de l'étape 2 : elle ne doit jamais figurer dans le courriel adressé à l'usager.
PROCEDURE_SENTINELLE = "PROC-SENTINELLE-2026-0042"


@pytest.fixture
def fichiers_temporaires(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def _purger_declarations_envoyees(transactional_db):
    """Fin de test : sous SQLite, le vidage de la base (DELETE, pas TRUNCATE) heurterait les déclencheurs qui
    rendent une déclaration envoyée immuable. On les lève le temps de retirer ces lignes, puis on les repose."""
    yield
    if connection.vendor != "sqlite":
        return  # PostgreSQL vide par TRUNCATE, qui ne déclenche pas les déclencheurs par ligne.
    immuabilite = importlib.import_module("declarations.migrations.0005_anonymisation_rgpd")
    with connection.cursor() as curseur:
        for sql in immuabilite.SQLITE_RETOUR:
            curseur.execute(sql)
        try:
            curseur.execute(
                "DELETE FROM declarations_piecejointedeclaration WHERE declaration_id IN "
                "(SELECT id FROM declarations_declaration WHERE statut = 'envoyee')"
            )
            curseur.execute("DELETE FROM declarations_declaration WHERE statut = 'envoyee'")
        finally:
            for sql in immuabilite.SQLITE:
                curseur.execute(sql)


def _connecter_policier(page, fournisseur):
    """Connexion ProConnect par la persona « Policier » du fournisseur local (comme le parcours de connexion)."""
    page.goto("/connexion/")
    page.get_by_role("link", name=re.compile("S’identifier avec\\s*ProConnect")).click()
    expect(page).to_have_url(re.compile("^" + re.escape(fournisseur.emetteur("proconnect") + "/authorize")))
    page.get_by_role("button", name=re.compile("Policier \\(Police nationale\\)")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Espace forces de l’ordre")


def _connecter_par_cookie(contexte, utilisateur, live_server):
    """Session ouverte côté serveur (force_login) puis cookie posé dans le navigateur : plus rapide que l'OIDC."""
    client = Client()
    client.force_login(utilisateur)
    contexte.add_cookies(
        [
            {
                "name": reglages.SESSION_COOKIE_NAME,
                "value": client.cookies[reglages.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def _ouvrir_menu(page, rubrique, lien):
    navigation = page.get_by_role("navigation", name=re.compile("principal", re.IGNORECASE))
    navigation.get_by_role("button", name=rubrique).click()
    navigation.get_by_role("link", name=lien, exact=True).click()


def _attendre_enregistrement(page):
    expect(page.locator("#brouillon-statut")).to_have_text(STATUT_ENREGISTRE)


def _attendre_en_base(pk, **attendu):
    """L'enregistrement automatique est arrivé en base (le statut s'affiche dès la première réponse)."""
    limite = time.monotonic() + 10
    while True:
        valeurs = Declaration.objects.filter(pk=pk).values(*attendu).get()
        if valeurs == attendu or time.monotonic() > limite:
            break
        time.sleep(0.1)
    assert valeurs == attendu


def _cocher(bouton_radio):
    """Bouton radio DSFR : l'input est masqué sous son libellé, l'agent clique sur le libellé."""
    identifiant = bouton_radio.get_attribute("id")
    bouton_radio.page.locator(f"label[for='{identifiant}']").click()
    expect(bouton_radio).to_be_checked()


def _continuer(page):
    page.get_by_role("button", name="Continuer", exact=True).click()


def _verifier_erreurs_reliees(page, attendues):
    """Résumé des erreurs annoncé, chaque lien du résumé mène à un champ existant, et chaque champ en erreur
    est relié à son message (aria-describedby) et marqué aria-invalid."""
    resume = page.locator("#resume-erreurs")
    expect(resume).to_be_visible()
    expect(resume).to_have_attribute("role", "alert")
    # Envoi refusé : le focus est sur le résumé des erreurs (static/js/portail.js).
    expect(resume).to_be_focused()
    expect(page).to_have_title(re.compile("^Erreur :"))
    for message in attendues:
        expect(resume).to_contain_text(message)
    liens = resume.get_by_role("link")
    assert liens.count() == len(attendues), resume.inner_text()
    for i in range(liens.count()):
        lien = liens.nth(i)
        cible = lien.get_attribute("href")
        assert cible.startswith("#"), cible
        champ = page.locator(f"[id='{cible[1:]}']")
        expect(champ, f"Le lien « {lien.inner_text()} » ne mène à aucun élément").to_have_count(1)
        # Le lien du résumé place le curseur dans le champ (ou sur le premier bouton radio).
        lien.click()
        expect(champ).to_be_focused()
        assert champ.get_attribute("aria-invalid") == "true", cible
        decrit_par = champ.get_attribute("aria-describedby") or ""
        messages = " ".join(page.locator(f"[id='{ident}']").inner_text() for ident in decrit_par.split())
        texte_lien = lien.inner_text()
        assert messages and messages.strip() in texte_lien, (cible, decrit_par, messages, texte_lien)


def test_parcours_complet_de_declaration(
    page, journal_navigateur, live_server, fournisseur_oidc_live, fichiers_temporaires, _purger_declarations_envoyees
):
    _connecter_policier(page, fournisseur_oidc_live)
    verifier_page(page, journal_navigateur)

    # « Quand faire une déclaration en ligne ? » avant toute déclaration.
    _ouvrir_menu(page, "Déclaration d’un bris de porte", "Nouvelle déclaration")
    expect(page.get_by_role("heading", level=2, name="Quand faire une déclaration en ligne ?")).to_be_visible()
    verifier_page(page, journal_navigateur)
    page.get_by_role("button", name="Commencer la déclaration").click()

    # Étape 1 — vide.
    expect(page).to_have_url(ETAPE)
    pk = int(ETAPE.search(page.url).group(1))
    url_etape_1 = page.url
    expect(page.get_by_text("Étape 1 sur 3")).to_be_visible()
    expect(page.locator(".fr-stepper__details")).to_contain_text("Étape suivante : Éléments relatifs au service")
    # L'alerte de l'enregistrement automatique reste masquée tant qu'il n'y a rien à signaler.
    expect(page.locator("#brouillon-alerte")).to_be_hidden()
    verifier_page(page, journal_navigateur)

    # « Continuer » sans rien remplir : l'état d'erreur, chaque erreur reliée à son champ.
    _continuer(page)
    _verifier_erreurs_reliees(
        page,
        [
            "Indiquez s’il s’agissait d’une erreur opérationnelle.",
            "Indiquez la date de l’opération.",
            "Indiquez le numéro de voie et la rue du logement.",
            "Indiquez le code postal du logement.",
            "Indiquez la ville du logement.",
        ],
    )
    verifier_page(page, journal_navigateur)

    # Saisie champ par champ : l'enregistrement automatique suit, sans bouton.
    _cocher(page.get_by_label(re.compile(r"^\s*Oui")))
    page.get_by_label("Décrivez l’opération").fill("1 porte et 1 portail cassés, aucun numéro sur la porte")
    page.get_by_label(re.compile(r"^\s*Date de l’opération")).fill("2026-11-02")
    page.get_by_label("Numéro de voie, rue").fill("12 rue des Lilas")
    page.get_by_label(re.compile(r"^\s*Complément d’adresse")).fill("3e étage, escalier B")
    page.get_by_label(re.compile(r"^\s*Code postal")).fill("69003")
    page.get_by_label("Ville").fill("Lyon")
    _attendre_enregistrement(page)
    verifier_page(page, journal_navigateur)
    _attendre_en_base(
        pk,
        erreur_operationnelle="oui",
        date_operation=datetime.date(2026, 11, 2),
        adresse_voie="12 rue des Lilas",
        adresse_complement="3e étage, escalier B",
        adresse_code_postal="69003",
        adresse_ville="Lyon",
    )

    # Rechargement en cours d'étape : la saisie est là.
    page.goto(url_etape_1)
    expect(page.get_by_label(re.compile(r"^\s*Oui"))).to_be_checked()
    expect(page.get_by_label("Décrivez l’opération")).to_have_value(
        "1 porte et 1 portail cassés, aucun numéro sur la porte"
    )
    expect(page.get_by_label(re.compile(r"^\s*Date de l’opération"))).to_have_value("2026-11-02")
    expect(page.get_by_label("Numéro de voie, rue")).to_have_value("12 rue des Lilas")
    expect(page.get_by_label(re.compile(r"^\s*Complément d’adresse"))).to_have_value("3e étage, escalier B")
    expect(page.get_by_label(re.compile(r"^\s*Code postal"))).to_have_value("69003")
    expect(page.get_by_label("Ville")).to_have_value("Lyon")
    expect(page.locator("#resume-erreurs")).to_have_count(0)
    verifier_page(page, journal_navigateur)

    # Date dans le futur et ville effacée : erreurs à « Continuer », la saisie partielle reste.
    demain = timezone.localdate() + datetime.timedelta(days=10)
    page.get_by_label(re.compile(r"^\s*Date de l’opération")).fill(demain.isoformat())
    page.get_by_label("Ville").fill("")
    _continuer(page)
    _verifier_erreurs_reliees(
        page, ["La date de l’opération ne peut pas être dans le futur.", "Indiquez la ville du logement."]
    )
    expect(page.get_by_label("Numéro de voie, rue")).to_have_value("12 rue des Lilas")
    verifier_page(page, journal_navigateur)
    page.get_by_label(re.compile(r"^\s*Date de l’opération")).fill("2026-11-02")
    page.get_by_label("Ville").fill("Lyon")
    _continuer(page)

    # Étape 2 — service enquêteur (confidentiel), courriel prérempli depuis ProConnect.
    expect(page).to_have_url(re.compile(r"/etape/service-enqueteur/$"))
    expect(page.get_by_text("Étape 2 sur 3")).to_be_visible()
    expect(page.get_by_label(re.compile(r"^\s*Courriel de l’agent"))).to_have_value("paul.martin@interieur.gouv.fr")
    verifier_page(page, journal_navigateur)

    # Un faux JPEG (du HTML) est refusé : état d'erreur des documents.
    page.get_by_label(re.compile(r"^\s*Ajouter des pièces justificatives")).set_input_files(
        [{"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": fichiers_exemples.HTML}]
    )
    page.get_by_role("button", name="Ajouter les fichiers").click()
    expect(page.locator("#resume-erreurs")).to_contain_text("Documents justificatifs")
    champ_pieces = page.locator("#pieces")
    expect(champ_pieces).to_have_attribute("aria-describedby", re.compile("pieces-desc-error"))
    verifier_page(page, journal_navigateur)
    assert not PieceJointeDeclaration.objects.filter(declaration_id=pk).exists()

    # Un vrai PDF et une photo JPEG avec coordonnées GPS.
    page.get_by_label(re.compile(r"^\s*Ajouter des pièces justificatives")).set_input_files(
        [
            {"name": "pv-intervention.pdf", "mimeType": "application/pdf", "buffer": fichiers_exemples.pdf_simple()},
            {
                "name": "porte-fracturee.jpg",
                "mimeType": "image/jpeg",
                "buffer": fichiers_exemples.jpeg(gps=True),
            },
        ]
    )
    page.get_by_role("button", name="Ajouter les fichiers").click()
    expect(page.get_by_text("2 documents ajoutés.")).to_be_visible()
    expect(page.get_by_role("link", name="pv-intervention.pdf")).to_be_visible()
    expect(page.get_by_role("link", name="porte-fracturee.jpg")).to_be_visible()
    verifier_page(page, journal_navigateur)
    photo = PieceJointeDeclaration.objects.get(declaration_id=pk, nom_original="porte-fracturee.jpg")
    with photo.fichier.open("rb") as flux:
        image = Image.open(io.BytesIO(flux.read()))
        assert not image.getexif().get_ifd(0x8825), "Les coordonnées GPS ont survécu au dépôt"

    # « Continuer » sans les champs obligatoires de l'étape 2.
    _continuer(page)
    _verifier_erreurs_reliees(
        page,
        [
            "Indiquez le service enquêteur.",
            "Indiquez le téléphone du service ou de l’agent.",
            "Indiquez le numéro de procédure.",
        ],
    )
    verifier_page(page, journal_navigateur)
    page.get_by_label("Service enquêteur").fill("Commissariat de Lyon 3e")
    page.get_by_label("Téléphone du service ou de l’agent").fill("04 00 00 00 00")
    page.get_by_label("Numéro de procédure").fill(PROCEDURE_SENTINELLE)
    page.get_by_label("Juridiction / parquet (le cas échéant)").fill("Parquet de Lyon")
    page.get_by_label("Nom du magistrat (le cas échéant)").fill("Mme Juge")
    _continuer(page)

    # Étape 3 — l'usager : les coordonnées n'apparaissent qu'avec « Oui ».
    expect(page).to_have_url(re.compile(r"/etape/usager/$"))
    expect(page.get_by_text("Étape 3 sur 3")).to_be_visible()
    expect(
        page.get_by_text("Une fois la déclaration envoyée, il n’est plus possible de la modifier.").first
    ).to_be_visible()
    verifier_page(page, journal_navigateur)
    coordonnees = page.locator("#coordonnees-usager")
    _cocher(page.get_by_role("radio", name="Non", exact=True))
    expect(coordonnees).to_be_hidden()
    _cocher(page.get_by_role("radio", name="Oui", exact=True))
    expect(coordonnees).to_be_visible()
    expect(page.get_by_role("textbox", name=re.compile(r"^Nom\b"))).to_be_visible()
    verifier_page(page, journal_navigateur)

    # « Oui » sans les coordonnées : erreurs reliées aux champs.
    page.get_by_role("button", name="Envoyer").click()
    _verifier_erreurs_reliees(
        page,
        [
            "Indiquez le nom.",
            "Indiquez le prénom.",
            "Indiquez le téléphone de l’usager.",
            "Indiquez l’adresse électronique de l’usager : elle sert à l’inviter à faire sa demande.",
        ],
    )
    expect(coordonnees).to_be_visible()
    verifier_page(page, journal_navigateur)
    _cocher(page.get_by_role("radio", name="Monsieur"))
    page.get_by_label(re.compile(r"^\s*Nom")).fill("DUPONT")
    page.get_by_label(re.compile(r"^\s*Prénom")).fill("Martin")
    page.get_by_label(re.compile(r"^\s*Téléphone")).fill("06 00 00 00 00")
    page.get_by_label(re.compile(r"^\s*Courriel")).fill("martin.dupont@courriel.fr")
    page.get_by_label(re.compile(r"^\s*Précisions concernant l’usager")).fill("Locataire et épouse du mis en cause")
    _attendre_enregistrement(page)
    _attendre_en_base(pk, usager_nom="DUPONT", usager_precisions="Locataire et épouse du mis en cause")

    # Un second onglet resté sur l'étape 3 : il servira à vérifier le refus après l'envoi.
    onglet_ancien = page.context.new_page()
    journal_navigateur.brancher(onglet_ancien)
    onglet_ancien.goto(page.url)
    expect(onglet_ancien.get_by_label(re.compile(r"^\s*Nom"))).to_have_value("DUPONT")

    # Le récapitulatif des étapes 1 et 2, documents joints compris, est sur l'étape 3, au-dessus de
    # l'avertissement et du bouton : « Envoyer » termine la déclaration (guide), sans page de relecture.
    recapitulatif = page.locator("#recapitulatif")
    expect(recapitulatif).to_contain_text("12 rue des Lilas")
    expect(recapitulatif).to_contain_text("Commissariat de Lyon 3e")
    expect(recapitulatif.get_by_role("link", name="pv-intervention.pdf")).to_be_visible()
    expect(page.get_by_text("Envoyez pour terminer votre déclaration")).to_be_visible()
    verifier_page(page, journal_navigateur)
    assert not mail.outbox
    page.get_by_role("button", name="Envoyer").click()

    # Page de la déclaration envoyée.
    declaration = Declaration.objects.get(pk=pk)
    assert declaration.statut == StatutDeclaration.ENVOYEE
    assert declaration.reference
    expect(page).to_have_url(re.compile(rf"/declarations/{pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Déclaration {declaration.reference}")
    expect(page.get_by_text(f"Votre déclaration {declaration.reference} a été envoyée.")).to_be_visible()
    expect(page.get_by_text("Une déclaration envoyée ne peut plus être modifiée.")).to_be_visible()
    verifier_page(page, journal_navigateur)
    assert declaration.numero_procedure == PROCEDURE_SENTINELLE
    assert declaration.usager_courriel == "martin.dupont@courriel.fr"
    assert declaration.dossier.date_operation == datetime.date(2026, 11, 2)

    # L'invitation : une ligne dans la boîte d'envoi, un courriel envoyé, rien de confidentiel.
    sortant = EmailSortant.objects.get(gabarit="invitation_usager")
    assert sortant.destinataire == "martin.dupont@courriel.fr"
    assert sortant.statut == StatutEmail.ENVOYE
    assert len(mail.outbox) == 1
    courriel = mail.outbox[0]
    assert courriel.to == ["martin.dupont@courriel.fr"]
    assert "indemnisation" in courriel.subject
    assert "/invitation/" in courriel.body
    contenus = [courriel.body] + [alt.content for alt in getattr(courriel, "alternatives", [])]
    for contenu in contenus:
        for confidentiel in (PROCEDURE_SENTINELLE, "Commissariat de Lyon 3e", "04 00 00 00 00", "Mme Juge"):
            assert confidentiel not in str(contenu)

    # Revenir sur une étape : explication, rien n'est modifiable.
    page.goto(url_etape_1)
    expect(page).to_have_url(re.compile(rf"/declarations/{pk}/$"))
    expect(page.get_by_text("Vous pouvez la consulter ci-dessous.")).to_be_visible()
    expect(page.locator("form#formulaire-assistant")).to_have_count(0)
    verifier_page(page, journal_navigateur)

    # L'onglet resté ouvert modifie un champ : l'enregistrement automatique répond 409, explication accessible.
    with onglet_ancien.expect_response(re.compile(rf"/declarations/{pk}/brouillon/$")) as attente:
        onglet_ancien.get_by_label(re.compile(r"^\s*Nom")).fill("DURAND")
    assert attente.value.status == 409
    alerte = onglet_ancien.locator("#brouillon-alerte")
    expect(alerte).to_be_visible()
    expect(alerte).to_contain_text("envoyée")
    expect(alerte.get_by_role("link", name="Voir la déclaration envoyée")).to_be_visible()
    expect(alerte).to_be_focused()
    expect(onglet_ancien.locator("#brouillon-statut")).to_have_text("")
    verifier_page(onglet_ancien, journal_navigateur)
    # Le bouton (sans JavaScript) est refusé lui aussi.
    onglet_ancien.get_by_role("button", name="Envoyer").click()
    expect(onglet_ancien).to_have_url(re.compile(rf"/declarations/{pk}/$"))
    onglet_ancien.close()
    declaration.refresh_from_db()
    assert declaration.usager_nom == "DUPONT"
    assert len(mail.outbox) == 1

    # « Mes déclarations » : la déclaration est « Envoyée le … ».
    _ouvrir_menu(page, "Déclaration d’un bris de porte", "Mes déclarations")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes déclarations")
    # Une carte par déclaration (lisible à 390 px sans défilement horizontal).
    ligne = page.locator("ul.mes-declarations > li").filter(has_text=declaration.reference)
    envoyee_le = timezone.localtime(declaration.envoyee_le).strftime("%d/%m/%Y")
    expect(ligne).to_contain_text(f"Envoyée le {envoyee_le}")
    expect(ligne).to_contain_text("12 rue des Lilas")
    expect(ligne.get_by_role("link", name=re.compile("^Reprendre"))).to_have_count(0)
    verifier_page(page, journal_navigateur)


@pytest.mark.parametrize("autre_navigateur", [False, True], ids=["deux-onglets", "deux-navigateurs"])
def test_deux_saisies_sur_le_meme_brouillon(page, journal_navigateur, live_server, navigateur, autre_navigateur):
    """Deux onglets du même navigateur, ou deux navigateurs (deux sessions), sur le même brouillon."""
    agent = UtilisateurFactory(policier=True, email="agent.onglets@interieur.gouv.fr")
    _connecter_par_cookie(page.context, agent, live_server)
    page.goto(reverse("declarations:nouvelle"))
    page.get_by_role("button", name="Commencer la déclaration").click()
    expect(page).to_have_url(ETAPE)
    pk = int(ETAPE.search(page.url).group(1))

    onglet_a = page
    if autre_navigateur:
        contexte_b = navigateur.new_context(base_url=live_server.url, locale="fr-FR", timezone_id="Europe/Paris")
        contexte_b.set_default_timeout(15_000)
        contexte_b.add_init_script(SCRIPT_ECOUTE_CSP)
        _connecter_par_cookie(contexte_b, agent, live_server)
    else:
        contexte_b = page.context
    onglet_b = contexte_b.new_page()
    journal_navigateur.brancher(onglet_b)
    onglet_b.goto(onglet_a.url)
    expect(onglet_b.get_by_text("Étape 1 sur 3")).to_be_visible()

    # A modifie et enregistre automatiquement.
    onglet_a.get_by_label("Ville").fill("Lyon")
    _attendre_enregistrement(onglet_a)
    _attendre_en_base(pk, adresse_ville="Lyon")

    # B, chargé avant, modifie à son tour : conflit annoncé, rien n'est écrasé.
    with onglet_b.expect_response(re.compile(rf"/declarations/{pk}/brouillon/$")) as attente:
        onglet_b.get_by_label("Ville").fill("Marseille")
    assert attente.value.status == 409
    alerte = onglet_b.locator("#brouillon-alerte")
    expect(alerte).to_be_visible()
    expect(alerte).to_have_attribute("role", "alert")
    expect(alerte).to_contain_text("modifié dans un autre onglet")
    expect(alerte).to_be_focused()
    expect(alerte.get_by_role("link", name="Recharger la page")).to_be_visible()
    expect(onglet_b.locator("#brouillon-statut")).to_have_text("")
    verifier_page(onglet_b, journal_navigateur)
    declaration = Declaration.objects.get(pk=pk)
    assert declaration.adresse_ville == "Lyon"
    assert declaration.brouillon["step_data"]["bris-de-porte"]["bris-de-porte-adresse_ville"] == ["Lyon"]

    # Sans passer par l'enregistrement automatique, « Continuer » depuis B est refusé de même (409).
    with onglet_b.expect_response(re.compile(r"/etape/bris-de-porte/$")) as attente:
        _continuer(onglet_b)
    assert attente.value.status == 409
    expect(onglet_b.get_by_role("alert").filter(has_text="Brouillon modifié ailleurs")).to_be_visible()
    verifier_page(onglet_b, journal_navigateur)
    assert Declaration.objects.get(pk=pk).adresse_ville == "Lyon"

    # B recharge : il retrouve la saisie de A et peut reprendre.
    onglet_b.get_by_role("link", name="Recharger la page").first.click()
    expect(onglet_b.get_by_label("Ville")).to_have_value("Lyon")
    onglet_b.get_by_label("Ville").fill("Lyon 3e")
    _attendre_enregistrement(onglet_b)
    _attendre_en_base(pk, adresse_ville="Lyon 3e")
    verifier_page(onglet_b, journal_navigateur)
    if autre_navigateur:
        contexte_b.close()

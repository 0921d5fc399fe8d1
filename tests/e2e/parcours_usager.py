"""Étapes réutilisables des parcours navigateur de l'usager : de l'invitation (ou de « Commencer une demande »)
jusqu'au récépissé. Chaque page traversée passe `verifier_page` (axe-core WCAG 2.1 AA, DSFR démarré, aucun refus
CSP ni erreur JavaScript dans la console).

Utilisées par `test_invitation_usager.py` (chaîne complète depuis le courriel d'invitation, et départ
FranceConnect) et `test_demande_usager.py` (demande sans invitation).
"""

import importlib
import io
import re
import time

from django.core import mail
from django.db import connection
from playwright.sync_api import expect
from pypdf import PdfReader

from declarations.models import envoyer_declaration
from portail.models import EmailSortant
from portail.utils import ajouter_mois, date_fr
from precontentieux.enums import StatutDossier
from precontentieux.models import Dossier
from precontentieux.pieces import Situation, types_requis
from tests import fichiers_exemples as ex
from tests.e2e.outils import verifier_accessibilite, verifier_page
from tests.fabriques import SENTINELLES, TEXTES_SENTINELLES, DeclarationFactory

MOT_DE_PASSE_LIBELLE = re.compile(r"^\s*Mot de passe")
STATUT_ENREGISTRE = re.compile(r"^Demande enregistrée à \d{2}:\d{2}$")
IBAN_FAUX = "FR76 3000 6000 0112 3456 7890 188"
IBAN_VALIDE = "FR76 3000 6000 0112 3456 7890 189"


def _libelle(texte):
    """Libellé DSFR : le texte peut être suivi de l'aide ou de la mention « Optionnel »."""
    return re.compile(rf"^\s*{re.escape(texte)}")


def cocher(page, nom, valeur):
    """Bouton radio DSFR : on clique sur son libellé (l'entrée elle-même est masquée visuellement)."""
    identifiant = page.locator(f"input[name='{nom}'][value='{valeur}']").get_attribute("id")
    page.locator(f"label[for='{identifiant}']").click()


def attendre(condition, delai=10):
    """L'enregistrement automatique part ~1,5 s après la dernière saisie : on attend qu'il ait abouti."""
    fin = time.monotonic() + delai
    while not condition():
        assert time.monotonic() < fin, "Enregistrement automatique non abouti"
        time.sleep(0.2)


def continuer(page):
    page.get_by_role("button", name="Continuer", exact=True).click()


# --- Arriver : l'invitation et le compte ------------------------------------------------------------


def purger_declarations_envoyees():
    """Fin de test sous SQLite : lève le temps du vidage les déclencheurs qui rendent une déclaration envoyée
    immuable (même procédé que tests/e2e/test_declaration.py)."""
    if connection.vendor != "sqlite":
        return
    immuabilite = importlib.import_module("declarations.migrations.0005_anonymisation_rgpd")
    with connection.cursor() as curseur:
        for sql in immuabilite.SQLITE_RETOUR:
            curseur.execute(sql)
        try:
            curseur.execute("DELETE FROM declarations_declaration WHERE statut = 'envoyee'")
        finally:
            for sql in immuabilite.SQLITE:
                curseur.execute(sql)


def lien_invitation(live_server, courriel):
    """Un agent envoie une vraie déclaration (champs confidentiels semés de sentinelles) : le dossier créé et
    le lien lu dans le courriel d'invitation."""
    declaration = DeclarationFactory(complete=True, usager_courriel=courriel, **SENTINELLES)
    declaration = envoyer_declaration(declaration.pk, declaration.agent)
    (invitation,) = [m for m in mail.outbox if m.to == [courriel]]
    lien = re.search(r"https?://\S+/mon-espace/invitation/\S+/", invitation.body).group(0)
    assert lien.startswith(live_server.url)
    return declaration.dossier, lien


def ouvrir_invitation(page, journal, lien):
    page.goto(lien)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Votre porte a été endommagée")
    verifier_page(page, journal)


def inscription_par_courriel(page, journal, courriel, mot_de_passe):
    """Depuis la page d'invitation : inscription pré-remplie, lien de vérification reçu, connexion."""
    page.get_by_role("button", name="Créer un compte avec mon adresse email").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Créer un compte")
    expect(page.get_by_label("Adresse électronique")).to_have_value(courriel)
    verifier_page(page, journal)
    page.get_by_label(MOT_DE_PASSE_LIBELLE).fill(mot_de_passe)
    page.get_by_label("Confirmation du mot de passe").fill(mot_de_passe)
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    verifier_page(page, journal)

    verification = [m for m in mail.outbox if m.to == [courriel] and "/compte/confirm-email/" in m.body][-1]
    page.goto(re.search(r"https?://\S+/compte/confirm-email/\S+", verification.body).group(0))
    verifier_page(page, journal)
    page.get_by_role("button", name="Confirmer mon adresse").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter avec son adresse électronique")
    verifier_page(page, journal)
    page.get_by_label("Adresse électronique").fill(courriel)
    page.get_by_label(MOT_DE_PASSE_LIBELLE).fill(mot_de_passe)
    page.get_by_role("button", name="Se connecter", exact=True).click()


def connexion_franceconnect(page, fournisseur, persona):
    """Depuis la page d'invitation : passage par le fournisseur FranceConnect local, choix d'une persona."""
    page.get_by_role("button", name=re.compile("S’identifier avec\\s*FranceConnect")).click()
    emetteur = fournisseur.emetteur("franceconnect")
    expect(page).to_have_url(re.compile("^" + re.escape(emetteur + "/authorize")))
    verifier_accessibilite(page)
    page.get_by_role("button", name=re.compile(persona)).click()


def code_invitation(page, journal, courriel):
    """Adresse du compte ≠ adresse invitée : page du code (erreur d'abord, puis le bon code reçu à l'adresse invitée)."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Saisissez le code envoyé à l’adresse invitée")
    verifier_page(page, journal)
    (envoye,) = [m for m in mail.outbox if m.to == [courriel] and "code de vérification" in m.subject]
    code = re.search(r"^(\d{6})$", envoye.body, re.M).group(1)
    page.get_by_label("Code reçu par courriel").fill(f"{(int(code) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Valider le code et rattacher la demande").click()
    expect(page.locator("#resume-erreurs")).to_be_visible()
    verifier_page(page, journal)
    page.get_by_label("Code reçu par courriel").fill(code)
    page.get_by_role("button", name="Valider le code et rattacher la demande").click()


def demande_rattachee(page, journal, dossier):
    """Après la connexion : la demande rattachée, puis « Mes demandes », puis « Compléter ma demande »."""
    expect(page).to_have_url(re.compile(rf"/mon-espace/demandes/{dossier.reference}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Demande n° {dossier.reference}")
    expect(page.get_by_text("rattachée à votre compte").first).to_be_visible()
    verifier_page(page, journal)
    page.get_by_role("link", name="Mes demandes").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    expect(page.get_by_text("À compléter").first).to_be_visible()
    verifier_page(page, journal)
    page.get_by_role("link", name=re.compile("^Compléter ma demande")).first.click()
    expect(page.get_by_text("Étape 1 sur 4")).to_be_visible()


# --- Compléter : les quatre étapes ------------------------------------------------------------------


def adresse_pre_remplie(page, dossier):
    """Étape 1 d'une demande issue d'une déclaration : date et adresse reprises de l'opération."""
    expect(page.get_by_label(_libelle("Date du bris de porte"))).to_have_value(dossier.date_operation.isoformat())
    expect(page.get_by_label("Numéro de voie, rue")).to_have_value(dossier.adresse_voie)
    expect(page.get_by_label(_libelle("Code postal"))).to_have_value(dossier.adresse_code_postal)
    expect(page.get_by_label("Ville")).to_have_value(dossier.adresse_ville)


def etape_bris_de_porte(page, journal, dossier, *, qualite, assure, adresse=None):
    """Étape 1. `adresse` (date, voie, code postal, ville) à saisir ; sans elle, on vérifie le pré-remplissage."""
    expect(page.get_by_text("Étape 1 sur 4")).to_be_visible()
    # Le type de personne morale n'apparaît qu'au besoin.
    type_pm = page.get_by_label("Type de personne morale")
    cocher(page, "le-bris-de-porte-type_requerant", "morale")
    expect(type_pm).to_be_visible()
    cocher(page, "le-bris-de-porte-type_requerant", "physique")
    expect(type_pm).to_be_hidden()
    cocher(page, "le-bris-de-porte-qualite", qualite)
    if adresse is None:
        adresse_pre_remplie(page, dossier)
    else:
        date, voie, code_postal, ville = adresse
        page.get_by_label(_libelle("Date du bris de porte")).fill(date)
        page.get_by_label("Numéro de voie, rue").fill(voie)
        page.get_by_label(_libelle("Code postal")).fill(code_postal)
        page.get_by_label("Ville").fill(ville)
    page.get_by_label(_libelle("Décrivez les dommages")).fill("Porte enfoncée, serrure arrachée.")
    cocher(page, "le-bris-de-porte-porte_blindee", "non")
    cocher(page, "le-bris-de-porte-reparation_effectuee", "oui")
    cocher(page, "le-bris-de-porte-logement_assure", "oui" if assure else "non")
    page.get_by_label(_libelle("Montant demandé (en euros)")).fill("1 234,56")
    # Enregistrement automatique : les colonnes du dossier reçoivent les réponses valides.
    expect(page.locator("#brouillon-statut")).to_have_text(STATUT_ENREGISTRE)
    attendre(lambda: Dossier.objects.get(pk=dossier.pk).logement_assure is assure)
    attendre(lambda: Dossier.objects.get(pk=dossier.pk).montant_demande is not None)
    verifier_page(page, journal)
    continuer(page)
    expect(page.get_by_text("Étape 2 sur 4")).to_be_visible()


def champs_franceconnect_verrouilles(page, attendus):
    """Étape 2 d'un compte FranceConnect : les champs certifiés sont affichés, verrouillés."""
    expect(page.get_by_text("Transmis par FranceConnect").first).to_be_visible()
    for libelle, valeur in attendus.items():
        champ = page.get_by_label(_libelle(libelle))
        expect(champ).to_be_disabled()
        expect(champ).to_have_value(valeur)


def etape_informations(page, journal, *, prenoms_attendus, courriel_attendu):
    """Étape 2 (compte par courriel) : pré-remplie depuis le compte ; un IBAN faux d'abord (erreur reliée)."""
    expect(page.get_by_text("Étape 2 sur 4")).to_be_visible()
    prenoms = page.get_by_label(_libelle("Prénoms"))
    expect(prenoms).to_have_value(prenoms_attendus)
    expect(page.get_by_label(_libelle("Courriel"))).to_have_value(courriel_attendu)
    cocher(page, "vos-informations-civilite", "m")
    prenoms.fill("Martin Paul")
    page.get_by_label(_libelle("Nom de naissance")).fill("DUPONT")
    page.get_by_label(_libelle("Date de naissance")).fill("1980-05-17")
    page.get_by_label(_libelle("Lieu de naissance")).fill("Lyon")
    page.get_by_label("Numéro de voie, rue").fill("3 place Bellecour")
    page.get_by_label(_libelle("Code postal")).fill("69002")
    page.get_by_label("Ville").fill("Lyon")
    page.get_by_label(_libelle("Téléphone")).fill("06 00 00 00 00")
    page.get_by_label(_libelle("IBAN")).fill(IBAN_FAUX)
    page.get_by_label(_libelle("Titulaire du compte")).fill("Martin DUPONT")
    continuer(page)
    expect(page.locator("#resume-erreurs")).to_contain_text("Cet IBAN est incorrect")
    # Envoi refusé : le focus est sur le résumé des erreurs (static/js/portail.js).
    expect(page.locator("#resume-erreurs")).to_be_focused()
    iban = page.get_by_label(_libelle("IBAN"))
    expect(iban).to_have_attribute("aria-invalid", "true")
    verifier_page(page, journal)
    iban.fill(IBAN_VALIDE)
    continuer(page)
    expect(page.get_by_text("Étape 3 sur 4")).to_be_visible()


def _zone(page, type_piece):
    return page.locator(f"#fichiers-{type_piece}").locator("xpath=ancestor::div[@data-televersement]")


def etape_pieces(page, journal, dossier):
    """Étape 3 : une zone par pièce requise par la table ; la première par glisser-déposer (progression,
    envoi en arrière-plan), les autres par le champ fichier (chemin clavier), plus un faux PDF refusé.
    Renvoie les types requis."""
    expect(page.get_by_text("Étape 3 sur 4")).to_be_visible()
    verifier_page(page, journal)
    requis = sorted(types_requis(Situation.du_dossier(Dossier.objects.get(pk=dossier.pk))))
    premier, *suivants = requis
    zone = _zone(page, premier)
    transfert = page.evaluate_handle(
        """(octets) => {
            const t = new DataTransfer();
            t.items.add(new File([new Uint8Array(octets)], "depose.png", {type: "image/png"}));
            return t;
        }""",
        list(ex.png()),
    )
    zone.dispatch_event("drop", {"dataTransfer": transfert})
    expect(zone).to_contain_text("Fichiers prêts à être ajoutés : depose.png")
    zone.locator("button[value=televerser]").click()
    expect(page.locator(".fr-alert--success, .fr-notice, [role=alert]").first).to_contain_text("1 document ajouté")
    for type_piece in suivants:
        page.locator(f"#fichiers-{type_piece}").set_input_files(
            {"name": f"{type_piece}.pdf", "mimeType": "application/pdf", "buffer": ex.pdf_simple()}
        )
    # Un fichier refusé dans le même envoi : message français nommant le fichier, les autres sont gardés.
    page.locator("#fichiers-autre").set_input_files(
        {"name": "faux.pdf", "mimeType": "application/pdf", "buffer": ex.HTML}
    )
    _zone(page, suivants[0]).locator("button[value=televerser]").click()
    expect(page.get_by_text("Le format de « faux.pdf » n’est pas accepté", exact=False)).to_be_visible()
    assert Dossier.objects.get(pk=dossier.pk).pieces.count() == len(requis)
    verifier_page(page, journal)
    continuer(page)
    return requis


def recapitulatif_et_depot(page, journal, dossier):
    """Étape 4 : liens « Modifier », attestation sur l'honneur, dépôt ; page de confirmation (délais)."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre demande avant de la déposer")
    expect(page.get_by_role("link", name=re.compile("^Modifier"))).to_have_count(3)
    # Logement non assuré : l'attestation sur l'honneur couvre cette déclaration, la page le dit.
    sans_assurance = page.locator("#sans-assurance")
    expect(sans_assurance).to_have_count(1 if Dossier.objects.get(pk=dossier.pk).logement_assure is False else 0)
    verifier_page(page, journal)
    page.locator("label[for='id_attestation_honneur']").click()
    page.get_by_role("button", name="Déposer ma demande").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("est déposée")
    expect(page.get_by_text("tribunal administratif", exact=False)).to_be_visible()
    verifier_page(page, journal)
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.DEPOSE
    return dossier


# --- Après le dépôt : accusé de réception, récépissé, ajout de documents -----------------------------


def accuse_de_reception(dossier, courriel):
    """L'accusé de réception : dans la boîte d'envoi (EmailSortant) et réellement envoyé, avec les délais en
    dates et rien de la déclaration des forces de l'ordre."""
    assert EmailSortant.objects.filter(gabarit="accuse_reception", destinataire=courriel).count() == 1
    (envoye,) = [m for m in mail.outbox if m.to == [courriel] and m.subject.startswith("Accusé de réception")]
    assert dossier.reference in envoye.subject
    date_rejet = ajouter_mois(dossier.date_depot, 2)
    corps = envoye.body + "".join(contenu for contenu, _ in getattr(envoye, "alternatives", []))
    for attendu in (date_fr(date_rejet), date_fr(ajouter_mois(date_rejet, 2)), "tribunal administratif"):
        assert attendu in envoye.body, attendu
    for sentinelle in TEXTES_SENTINELLES:
        assert sentinelle not in corps
    return envoye


def telecharger_recepisse(page, dossier, attendus=()):
    """Téléchargement du récépissé depuis la page de confirmation ; le PDF est lu (pypdf)."""
    with page.expect_download() as telechargement:
        page.get_by_role("link", name="Télécharger le récépissé de dépôt (PDF)").click()
    assert telechargement.value.suggested_filename == f"recepisse-{dossier.reference}.pdf"
    with open(telechargement.value.path(), "rb") as fichier:
        contenu = fichier.read()
    assert contenu.startswith(b"%PDF")
    texte = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(contenu)).pages)
    texte = " ".join(texte.split())
    for attendu in (dossier.reference, date_fr(dossier.date_rejet_implicite), "tribunal administratif", *attendus):
        assert attendu in texte, attendu
    for sentinelle in TEXTES_SENTINELLES:
        assert sentinelle not in texte
    return texte


def ajouter_document_apres_depot(page, journal, dossier):
    """Après le dépôt : lecture seule, seul l'ajout de documents reste possible."""
    page.get_by_role("link", name="Ajouter un document").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Documents de ma demande")
    expect(page.get_by_role("button", name=re.compile("^Retirer"))).to_have_count(0)
    verifier_page(page, journal)
    page.locator("#fichiers-autre").set_input_files(
        {"name": "complement.pdf", "mimeType": "application/pdf", "buffer": ex.pdf_simple()}
    )
    _zone(page, "autre").locator("button[value=televerser]").click()
    expect(page.get_by_role("link", name="complement.pdf")).to_be_visible()
    verifier_page(page, journal)
    assert dossier.pieces.filter(nom="complement.pdf").exists()

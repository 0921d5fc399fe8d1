"""Le parcours complet de l'instruction dans un vrai navigateur : le policier déclare → l'usager (invité par
courriel) complète et dépose → l'attributeur attribue → le rédacteur démarre l'instruction et demande des compléments
→ l'usager répond avec un fichier → le rédacteur le voit sur la fiche.

Chaque page du back-office traversée, états d'erreur compris, passe axe-core (WCAG 2.1 AA) ; la console ne relève
aucun refus CSP ni erreur JavaScript (`verifier_page`).
"""

import re

import pytest
from django.conf import settings as reglages
from django.core import mail
from django.test import Client
from playwright.sync_api import expect

from declarations.models import Declaration
from portail.enums import Role
from precontentieux.enums import StatutDossier, TypeEvenementDossier
from precontentieux.models import EvenementDossier
from tests import fichiers_exemples as ex
from tests.e2e import parcours_usager as parcours
from tests.e2e.outils import SCRIPT_ECOUTE_CSP, verifier_page
from tests.fabriques import UtilisateurFactory

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("_purger_declarations_envoyees")]

COURRIEL = "camille.usager@courriel.fr"
MOT_DE_PASSE = "Porte-Verte-Tilleul-2026!"


@pytest.fixture
def _purger_declarations_envoyees(transactional_db):
    yield
    parcours.purger_declarations_envoyees()


@pytest.fixture(autouse=True)
def _attentes_longues():
    """Parcours long sur une machine partagée : les assertions attendent jusqu'à 20 s (5 s par défaut)."""
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture
def fichiers_temporaires(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _onglet_connecte(navigateur, live_server, journal, utilisateur):
    """Un navigateur à part (cookies propres) ouvert au nom de `utilisateur` (session posée côté serveur)."""
    contexte = navigateur.new_context(base_url=live_server.url, locale="fr-FR", timezone_id="Europe/Paris")
    contexte.set_default_timeout(15_000)
    contexte.add_init_script(SCRIPT_ECOUTE_CSP)
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
    onglet = contexte.new_page()
    journal.brancher(onglet)
    return onglet


def _cocher(page, bouton_radio):
    page.locator(f"label[for='{bouton_radio.get_attribute('id')}']").click()


def _declarer(page, journal):
    """Le policier remplit les trois étapes et envoie : l'usager est invité par courriel."""
    page.goto("/forces-de-l-ordre/declarations/nouvelle/")
    page.get_by_role("button", name="Commencer la déclaration").click()
    expect(page.get_by_text("Étape 1 sur 3")).to_be_visible()
    _cocher(page, page.get_by_label(re.compile(r"^\s*Oui")))
    page.get_by_label("Décrivez l’opération").fill("Porte enfoncée par erreur, mauvais étage")
    page.get_by_label(re.compile(r"^\s*Date de l’opération")).fill("2026-11-02")
    page.get_by_label("Numéro de voie, rue").fill("12 rue des Lilas")
    page.get_by_label(re.compile(r"^\s*Code postal")).fill("69003")
    page.get_by_label("Ville").fill("Lyon")
    page.get_by_role("button", name="Continuer", exact=True).click()
    expect(page.get_by_text("Étape 2 sur 3")).to_be_visible()
    page.get_by_label("Service enquêteur").fill("SERVICE-CONFIDENTIEL-E2E")
    page.get_by_label("Téléphone du service ou de l’agent").fill("04 00 00 00 00")
    page.get_by_label("Numéro de procédure").fill("PROC-CONFIDENTIELLE-E2E")
    page.get_by_role("button", name="Continuer", exact=True).click()
    expect(page.get_by_text("Étape 3 sur 3")).to_be_visible()
    _cocher(page, page.get_by_role("radio", name="Oui", exact=True))
    _cocher(page, page.get_by_role("radio", name="Madame"))
    page.get_by_label(re.compile(r"^\s*Nom")).fill("DURAND")
    page.get_by_label(re.compile(r"^\s*Prénom")).fill("Camille")
    page.get_by_label(re.compile(r"^\s*Téléphone")).fill("06 00 00 00 00")
    page.get_by_label(re.compile(r"^\s*Courriel")).fill(COURRIEL)
    # « Envoyer » termine la déclaration (guide des forces de l'ordre) : pas de page de relecture.
    page.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_text(re.compile(r"Votre déclaration BP-\S+ a été envoyée"))).to_be_visible()
    verifier_page(page, journal)
    declaration = Declaration.objects.get(numero_procedure="PROC-CONFIDENTIELLE-E2E")
    (invitation,) = [m for m in mail.outbox if m.to == [COURRIEL]]
    lien = re.search(r"https?://\S+/mon-espace/invitation/\S+/", invitation.body).group(0)
    return declaration.dossier, lien


def test_parcours_complet_de_l_instruction(
    page, navigateur, journal_navigateur, live_server, settings, fichiers_temporaires
):
    settings.URL_PORTAIL = live_server.url
    # Le dépôt produit le récépissé PDF dans la requête (tâches exécutées sur place) : sur une machine chargée,
    # plus que les 15 s par défaut.
    page.set_default_timeout(60_000)
    policier = UtilisateurFactory(policier=True, prenom="Paul", nom="Martin", email="paul.martin@interieur.gouv.fr")
    attributeur = UtilisateurFactory(agent_mj=True, roles=[Role.ATTRIBUTEUR], prenom="Alice", nom="Attrib")
    redacteur = UtilisateurFactory(
        agent_mj=True, roles=[Role.REDACTEUR], prenom="Rémi", nom="Redac", email="remi.redac@justice.gouv.fr"
    )
    UtilisateurFactory(agent_mj=True, roles=[Role.REDACTEUR], prenom="Rose", nom="Second")

    # 1. Le policier déclare.
    onglet_policier = _onglet_connecte(navigateur, live_server, journal_navigateur, policier)
    dossier, lien = _declarer(onglet_policier, journal_navigateur)
    onglet_policier.context.close()

    # 2. L'usager, invité par courriel, complète et dépose sa demande.
    parcours.ouvrir_invitation(page, journal_navigateur, lien)
    parcours.inscription_par_courriel(page, journal_navigateur, COURRIEL, MOT_DE_PASSE)
    parcours.demande_rattachee(page, journal_navigateur, dossier)
    parcours.etape_bris_de_porte(page, journal_navigateur, dossier, qualite="locataire", assure=True)
    parcours.etape_informations(page, journal_navigateur, prenoms_attendus="", courriel_attendu=COURRIEL)
    parcours.etape_pieces(page, journal_navigateur, dossier)
    dossier = parcours.recapitulatif_et_depot(page, journal_navigateur, dossier)
    url_fiche = f"/precontentieux/dossiers/{dossier.reference}/"

    # 3. L'attributeur ouvre la fiche (déclaration confidentielle comprise), attribue (erreur d'abord).
    onglet_attributeur = _onglet_connecte(navigateur, live_server, journal_navigateur, attributeur)
    onglet_attributeur.goto(url_fiche)
    expect(onglet_attributeur.get_by_role("heading", level=1)).to_have_text(f"Dossier n° {dossier.reference}")
    expect(onglet_attributeur.locator("main")).to_contain_text("PROC-CONFIDENTIELLE-E2E")
    expect(onglet_attributeur.locator("main")).to_contain_text("non attribué")
    verifier_page(onglet_attributeur, journal_navigateur)
    onglet_attributeur.get_by_role("link", name="Attribuer", exact=True).click()
    expect(onglet_attributeur.get_by_role("heading", level=1)).to_contain_text("Attribuer")
    verifier_page(onglet_attributeur, journal_navigateur)
    onglet_attributeur.get_by_role("button", name="Attribuer", exact=True).click()
    expect(onglet_attributeur.locator("#resume-erreurs")).to_contain_text("Choisissez le rédacteur")
    expect(onglet_attributeur).to_have_title(re.compile("^Erreur"))
    verifier_page(onglet_attributeur, journal_navigateur)
    onglet_attributeur.get_by_label(re.compile(r"^\s*Rédacteur")).select_option(label="Rémi Redac — 0 dossier en cours")
    onglet_attributeur.get_by_role("button", name="Attribuer", exact=True).click()
    expect(onglet_attributeur.get_by_text("Le dossier est attribué à Rémi Redac")).to_be_visible()
    verifier_page(onglet_attributeur, journal_navigateur)
    onglet_attributeur.context.close()
    assert any(m.to == ["remi.redac@justice.gouv.fr"] and dossier.reference in m.body for m in mail.outbox)

    # 4. Le rédacteur démarre l'instruction puis demande des compléments (erreur d'abord).
    onglet_redacteur = _onglet_connecte(navigateur, live_server, journal_navigateur, redacteur)
    onglet_redacteur.goto(url_fiche)
    verifier_page(onglet_redacteur, journal_navigateur)
    onglet_redacteur.get_by_role("button", name="Démarrer l’instruction").click()
    expect(onglet_redacteur.get_by_text("L’instruction est démarrée.")).to_be_visible()
    verifier_page(onglet_redacteur, journal_navigateur)
    # Note interne, état d'erreur compris.
    onglet_redacteur.get_by_role("button", name="Ajouter la note").click()
    expect(onglet_redacteur.get_by_text("Écrivez le texte de la note.").first).to_be_visible()
    verifier_page(onglet_redacteur, journal_navigateur)
    onglet_redacteur.get_by_label(re.compile(r"^\s*Nouvelle note interne")).fill(
        "NOTE-INTERNE-E2E : appeler le bailleur"
    )
    onglet_redacteur.get_by_role("button", name="Ajouter la note").click()
    expect(onglet_redacteur.get_by_text("Note ajoutée.")).to_be_visible()
    # Ajouter une pièce reçue par courrier : la page et son état d'erreur.
    onglet_redacteur.get_by_role("link", name="Ajouter une pièce reçue par courrier").click()
    verifier_page(onglet_redacteur, journal_navigateur)
    onglet_redacteur.get_by_role("button", name="Ajouter la pièce").click()
    expect(onglet_redacteur.locator("#resume-erreurs")).to_be_visible()
    verifier_page(onglet_redacteur, journal_navigateur)
    onglet_redacteur.goto(url_fiche)
    onglet_redacteur.get_by_role("link", name="Demander des compléments").click()
    verifier_page(onglet_redacteur, journal_navigateur)
    onglet_redacteur.get_by_role("button", name="Envoyer la demande à l’usager").click()
    expect(onglet_redacteur.locator("#resume-erreurs")).to_contain_text("Écrivez le message")
    verifier_page(onglet_redacteur, journal_navigateur)
    onglet_redacteur.get_by_label(re.compile(r"^\s*Message à l’usager")).fill(
        "Merci d’envoyer la facture acquittée de la réparation."
    )
    # Les cases viennent de la table des pièces ; le rédacteur demande la facture (déjà reçue, donc non cochée).
    case_facture = onglet_redacteur.get_by_role("checkbox", name="Facture acquittée de la réparation")
    expect(case_facture).not_to_be_checked()
    onglet_redacteur.locator(f"label[for='{case_facture.get_attribute('id')}']").click()
    expect(case_facture).to_be_checked()
    onglet_redacteur.get_by_role("button", name="Envoyer la demande à l’usager").click()
    expect(onglet_redacteur.get_by_text("La demande de compléments est envoyée à l’usager.")).to_be_visible()
    verifier_page(onglet_redacteur, journal_navigateur)
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.ATTENTE_COMPLEMENTS

    # 5. L'usager lit la demande dans son espace et répond avec un fichier (erreur d'abord).
    page.goto(f"/mon-espace/demandes/{dossier.reference}/")
    expect(page.get_by_text("Merci d’envoyer la facture acquittée de la réparation.")).to_be_visible()
    expect(page.locator("#echanges").locator("xpath=..")).to_contain_text("Documents demandés")
    expect(page.locator("main")).not_to_contain_text("NOTE-INTERNE-E2E")
    expect(page.locator("main")).not_to_contain_text("PROC-CONFIDENTIELLE-E2E")
    verifier_page(page, journal_navigateur)
    page.get_by_role("button", name="Envoyer ma réponse").click()
    expect(page.get_by_text("Écrivez un message ou joignez au moins un document.").first).to_be_visible()
    verifier_page(page, journal_navigateur)
    page.get_by_label(re.compile(r"^\s*Votre message")).fill("Voici la facture acquittée.")
    page.locator("#reponse-fichiers-facture").set_input_files(
        {"name": "facture-acquittee.pdf", "mimeType": "application/pdf", "buffer": ex.pdf_simple()}
    )
    page.get_by_role("button", name="Envoyer ma réponse").click()
    expect(page.get_by_text("Votre réponse est envoyée au ministère de la Justice")).to_be_visible()
    # Le fichier figure deux fois : dans les documents de la demande et dans le fil, sous la réponse.
    expect(page.get_by_role("link", name=re.compile("facture-acquittee.pdf"))).to_have_count(2)
    verifier_page(page, journal_navigateur)

    # 6. Le rédacteur voit la réponse et le fichier ; le dossier est revenu en instruction.
    onglet_redacteur.goto(url_fiche)  # (l'onglet est sur …/#echanges : même adresse = pas de rechargement)
    echanges = onglet_redacteur.locator("#echanges").locator("xpath=..")
    expect(echanges).to_contain_text("Voici la facture acquittée.")
    expect(echanges.get_by_role("link", name=re.compile("facture-acquittee.pdf"))).to_be_visible()
    expect(onglet_redacteur.locator("main")).to_contain_text("En instruction")
    verifier_page(onglet_redacteur, journal_navigateur)
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.EN_INSTRUCTION
    assert any(m.to == ["remi.redac@justice.gouv.fr"] and "compléments" in m.body.lower() for m in mail.outbox)
    # Chaque affichage de la fiche par un agent est au journal des consultations.
    consultations = EvenementDossier.objects.filter(dossier=dossier, type=TypeEvenementDossier.CONSULTATION)
    assert {c.acteur_id for c in consultations} == {attributeur.pk, redacteur.pk}
    onglet_redacteur.context.close()


def test_chaque_ecran_de_la_fiche_passe_axe_etats_d_erreur_compris(
    page, navigateur, journal_navigateur, live_server, fichiers_temporaires
):
    """Les écrans que le parcours ne traverse pas : réattribution et clôture (avec leur erreur), fiche vue par le
    validateur (journal des consultations), par la liaison budget (IBAN en clair) et dans un état « en attente »."""
    from tests.precontentieux.outils_backoffice import agents, dossier_en_instruction

    equipe = agents()
    dossier = dossier_en_instruction(equipe)
    url_fiche = f"/precontentieux/dossiers/{dossier.reference}/"

    attributeur = _onglet_connecte(navigateur, live_server, journal_navigateur, equipe["attributeur"])
    for lien, bouton, erreur in (
        ("Réattribuer", "Réattribuer", "Indiquez le motif de la réattribution."),
        ("Clôturer", "Clôturer définitivement le dossier", "Choisissez le motif de la clôture."),
    ):
        attributeur.goto(url_fiche)
        attributeur.get_by_role("link", name=lien, exact=True).click()
        expect(attributeur.get_by_role("heading", level=1)).to_contain_text(lien)
        verifier_page(attributeur, journal_navigateur)
        attributeur.get_by_role("button", name=bouton, exact=True).click()
        expect(attributeur.locator("#resume-erreurs")).to_contain_text(erreur)
        verifier_page(attributeur, journal_navigateur)
    attributeur.context.close()

    for role in ("validateur", "liaison_budget"):
        onglet = _onglet_connecte(navigateur, live_server, journal_navigateur, equipe[role])
        onglet.goto(url_fiche)
        expect(onglet.get_by_role("heading", level=1)).to_have_text(f"Dossier n° {dossier.reference}")
        if role == "validateur":
            expect(onglet.get_by_role("heading", name="Journal des consultations")).to_be_visible()
        else:
            expect(onglet.locator("main")).to_contain_text("FR76 3000 6000 0112 3456 7890 189")
        verifier_page(onglet, journal_navigateur)
        # Aperçu d'une pièce, chargé à l'ouverture seulement (c'est une consultation journalisée).
        with onglet.expect_response(re.compile(r"/apercu/$")) as apercu:
            onglet.locator(".fr-accordion__btn").first.click()
        assert apercu.value.status == 200
        expect(onglet.locator("iframe.precontentieux-apercu")).to_have_count(1)
        onglet.context.close()

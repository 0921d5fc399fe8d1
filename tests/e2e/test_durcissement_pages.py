"""axe-core (WCAG 2.1 AA), un seul h1 et les textes visibles sur chaque page ajoutée ou modifiée par le durcissement
(issue 11, items 2 et 15 ; issue 8 : message simple, test d'éligibilité), dans leur état normal et d'erreur.
La page du code d'invitation est parcourue dans tests/e2e/test_invitation_usager.py (FranceConnect)."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from precontentieux.instruction import ecrire_a_l_usager
from precontentieux.models import Dossier
from tests.e2e.outils import verifier_page
from tests.e2e.parcours_usager import purger_declarations_envoyees
from tests.fabriques import UtilisateurFactory, declarer
from tests.precontentieux.outils_backoffice import agents, dossier_en_instruction

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("_purger")]


@pytest.fixture
def _purger(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    yield
    purger_declarations_envoyees()


def connecter(page, live_server, utilisateur):
    client = Client()
    client.force_login(utilisateur)
    page.context.clear_cookies()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def verifier(page, journal, chemin, h1):
    page.goto(chemin)
    expect(page.get_by_role("heading", level=1)).to_have_text(h1)
    verifier_page(page, journal)


def soumettre_et_verifier(page, journal, bouton):
    page.get_by_role("button", name=bouton).click()
    expect(page.locator(".fr-error-text, .fr-alert--error").first).to_be_visible()
    verifier_page(page, journal)


def test_pages_du_durcissement(page, journal_navigateur, live_server):
    equipe = agents()
    # Forces de l'ordre : « Détacher et réinviter » depuis « Mes déclarations » (confirmation, puis erreur).
    declaration = declarer()
    connecter(page, live_server, declaration.agent)
    verifier(page, journal_navigateur, "/forces-de-l-ordre/mes-declarations/", "Mes déclarations")
    page.get_by_role("link", name="Détacher et réinviter").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Détacher et réinviter l’usager")
    verifier_page(page, journal_navigateur)
    soumettre_et_verifier(page, journal_navigateur, "Confirmer : détacher et envoyer une nouvelle invitation")

    # Attributeur : la même action depuis la fiche.
    connecter(page, live_server, equipe["attributeur"])
    dossier = declaration.dossier
    verifier(
        page,
        journal_navigateur,
        f"/precontentieux/dossiers/{dossier.reference}/reinviter/",
        f"Détacher et réinviter l’usager — dossier n° {dossier.reference}",
    )
    soumettre_et_verifier(page, journal_navigateur, "Confirmer : détacher et envoyer une nouvelle invitation")

    # Rédacteur en charge : « Écrire à l’usager » (vide → erreur), fiche avec le test d'éligibilité et le fil.
    usager = UtilisateurFactory(adresse_verifiee=True)
    instruit = dossier_en_instruction(equipe, usager)
    Dossier.objects.filter(pk=instruit.pk).update(
        reponses_eligibilite={
            "issue": "Éligible",
            "reponses": [{"cle": "statut", "question": "Quelle est votre situation ?", "reponse": "Locataire"}],
        }
    )
    connecter(page, live_server, equipe["redacteur"])
    verifier(
        page,
        journal_navigateur,
        f"/precontentieux/dossiers/{instruit.reference}/ecrire-a-l-usager/",
        f"Écrire à l’usager — dossier n° {instruit.reference}",
    )
    soumettre_et_verifier(page, journal_navigateur, "Envoyer le message à l’usager")
    ecrire_a_l_usager(instruit, equipe["redacteur"], "Pouvez-vous préciser l’heure ?")
    page.goto(f"/precontentieux/dossiers/{instruit.reference}/")
    expect(page.get_by_text("Test d’éligibilité")).to_be_visible()
    verifier_page(page, journal_navigateur)

    # Usager : sa demande avec le message et le formulaire de réponse (erreur), puis l'adresse de contact.
    connecter(page, live_server, usager)
    verifier(
        page, journal_navigateur, f"/mon-espace/demandes/{instruit.reference}/", f"Demande n° {instruit.reference}"
    )
    expect(page.get_by_role("heading", name="Répondre au ministère de la Justice")).to_be_visible()
    page.get_by_role("button", name="Envoyer ma réponse").click()
    expect(page.get_by_text("Votre réponse n’a pas été envoyée")).to_be_visible()
    verifier_page(page, journal_navigateur)
    verifier(page, journal_navigateur, "/mon-espace/adresse-de-contact/", "Mon adresse de contact")
    soumettre_et_verifier(page, journal_navigateur, "Recevoir un code à cette adresse")
    page.get_by_label("Nouvelle adresse de contact").fill("camille.pro@exemple.fr")
    page.get_by_role("button", name="Recevoir un code à cette adresse").click()
    expect(page.get_by_role("heading", name="Saisir le code reçu")).to_be_visible()
    verifier_page(page, journal_navigateur)
    page.get_by_label("Code reçu par courriel").fill("12")
    page.get_by_role("button", name="Valider le code").click()
    expect(page.locator("#resume-erreurs")).to_be_visible()
    verifier_page(page, journal_navigateur)

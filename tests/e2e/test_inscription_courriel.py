"""Un usager crée un compte par courriel, suit le lien de vérification reçu, puis se connecte."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from portail.enums import StatutEmail
from portail.models import EmailSortant, Utilisateur
from tests.e2e.outils import verifier_page

pytestmark = pytest.mark.e2e

COURRIEL = "bailleur.social@exemple.fr"
MOT_DE_PASSE = "Porte-Bleue-Lilas-2024!"
# Le libellé du champ contient aussi son aide (« Au moins 12 caractères… ») ; pas la confirmation.
MOT_DE_PASSE_LIBELLE = re.compile(r"^\s*Mot de passe")


def test_inscription_verification_puis_connexion(page, journal_navigateur, live_server, settings):
    # Les liens des courriels sont construits sur l'adresse publique du portail.
    settings.URL_PORTAIL = live_server.url

    page.goto("/connexion/")
    verifier_page(page, journal_navigateur)
    page.get_by_role("link", name="Créer un compte avec une adresse email").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Créer un compte")
    verifier_page(page, journal_navigateur)
    page.get_by_label("Adresse électronique").fill(COURRIEL)
    page.get_by_label(MOT_DE_PASSE_LIBELLE).fill(MOT_DE_PASSE)
    page.get_by_label("Confirmation du mot de passe").fill(MOT_DE_PASSE)
    page.get_by_role("button", name="Créer mon compte").click()

    # Page « vérifiez vos courriels » ; le compte existe mais l'adresse n'est pas encore vérifiée.
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert "/compte/" in page.url
    verifier_page(page, journal_navigateur)
    usager = Utilisateur.objects.get(email=COURRIEL)
    assert usager.est_usager
    assert not usager.emailaddress_set.get(email=COURRIEL).verified

    # Le courriel est passé par la boîte d'envoi et a bien été envoyé.
    sortant = EmailSortant.objects.get(destinataire=COURRIEL, gabarit="compte_verification")
    assert sortant.statut == StatutEmail.ENVOYE
    envoyes = [m for m in mail.outbox if m.to == [COURRIEL]]
    assert len(envoyes) == 1
    lien = re.search(r"https?://\S+/compte/\S+", envoyes[0].body)
    assert lien, envoyes[0].body
    assert lien.group(0).startswith(live_server.url)

    # Le lien de vérification ouvre une page de confirmation (pas de confirmation sur simple GET).
    page.goto(lien.group(0))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmer votre adresse électronique")
    verifier_page(page, journal_navigateur)
    page.get_by_role("button", name="Confirmer mon adresse").click()

    # Adresse confirmée : la page de connexion par courriel s'affiche.
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter avec son adresse électronique")
    verifier_page(page, journal_navigateur)
    assert usager.emailaddress_set.get(email=COURRIEL).verified
    page.get_by_label("Adresse électronique").fill(COURRIEL)
    page.get_by_label(MOT_DE_PASSE_LIBELLE).fill(MOT_DE_PASSE)
    page.get_by_role("button", name="Se connecter", exact=True).click()

    expect(page).to_have_url(re.compile(r"/mon-espace/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    verifier_page(page, journal_navigateur)


def test_connexion_refusee_avant_verification(page, journal_navigateur, live_server, settings):
    """Sans clic sur le lien, le mot de passe seul n'ouvre pas l'espace usager."""
    settings.URL_PORTAIL = live_server.url
    page.goto("/compte/signup/")
    page.get_by_label("Adresse électronique").fill(COURRIEL)
    page.get_by_label(MOT_DE_PASSE_LIBELLE).fill(MOT_DE_PASSE)
    page.get_by_label("Confirmation du mot de passe").fill(MOT_DE_PASSE)
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    page.goto("/compte/login/")
    page.get_by_label("Adresse électronique").fill(COURRIEL)
    page.get_by_label(MOT_DE_PASSE_LIBELLE).fill(MOT_DE_PASSE)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert "/mon-espace/" not in page.url
    verifier_page(page, journal_navigateur)
    page.goto("/mon-espace/")
    assert "/connexion/" in page.url

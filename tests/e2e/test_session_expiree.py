"""Session expirée pendant la saisie, dans un vrai navigateur : la personne garde ce qu'elle a tapé.

Même moteur pour les deux assistants (portail/assistants.py) : l'usager, comme l'agent, retrouve après sa
reconnexion la saisie postée alors que sa session avait expiré, enregistrée dans son brouillon.
"""

import re

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from playwright.sync_api import expect

from precontentieux.models import Dossier
from tests.e2e import parcours_usager as parcours
from tests.e2e.outils import verifier_page
from tests.portail.comptes_outils import MOT_DE_PASSE, creer_compte

pytestmark = pytest.mark.e2e

COURRIEL = "session.expiree@exemple.fr"


def _se_connecter_par_courriel(page):
    page.get_by_label("Adresse électronique").fill(COURRIEL)
    page.get_by_label(parcours.MOT_DE_PASSE_LIBELLE).fill(MOT_DE_PASSE)
    page.get_by_role("button", name="Se connecter", exact=True).click()


def test_usager_garde_sa_saisie_a_travers_une_expiration_de_session(page, journal_navigateur, live_server):
    creer_compte(COURRIEL)
    page.goto(reverse("account_login"))
    _se_connecter_par_courriel(page)
    page.goto("/mon-espace/demandes/nouvelle/")
    page.get_by_role("button", name="Commencer ma demande").click()
    dossier = Dossier.objects.get(requerant__email=COURRIEL)
    expect(page.get_by_text("Étape 1 sur 4")).to_be_visible()
    url_etape = page.url

    # La session expire côté serveur pendant que l'usager tape.
    Session.objects.all().delete()
    page.get_by_label("Numéro de voie, rue").fill("8 rue des Tilleuls")
    parcours.continuer(page)

    # Reconnexion : retour à l'étape, la saisie y est, enregistrée dans le brouillon.
    expect(page).to_have_url(re.compile(r"/connexion/"))
    page.get_by_role("link", name=re.compile("S’identifier avec son adresse email")).click()
    _se_connecter_par_courriel(page)
    expect(page).to_have_url(url_etape)
    expect(page.get_by_text("a été enregistrée")).to_be_visible()
    expect(page.get_by_label("Numéro de voie, rue")).to_have_value("8 rue des Tilleuls")
    verifier_page(page, journal_navigateur)
    assert Dossier.objects.get(pk=dossier.pk).adresse_voie == "8 rue des Tilleuls"

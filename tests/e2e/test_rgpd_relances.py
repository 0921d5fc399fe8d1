"""Pages nouvelles ou modifiées par les relances et les purges RGPD, dans Chromium avec axe-core : « Données
personnelles » (calendrier de conservation), fiche dossier (bloc « Contentieux »), écran « Signaler un
contentieux » (et son état d'erreur), « Mes déclarations » avec une invitation expirée à renvoyer."""

import datetime
import re

import pytest
from django.conf import settings as reglages
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from portail.enums import Role
from precontentieux.models import Invitation
from tests.e2e.outils import verifier_page
from tests.e2e.parcours_usager import purger_declarations_envoyees
from tests.fabriques import agent, declarer

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _fichiers(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"


@pytest.fixture(autouse=True)
def _purge(transactional_db):
    yield
    purger_declarations_envoyees()


def _connecter(page, utilisateur, live_server):
    client = Client()
    client.force_login(utilisateur)
    page.context.add_cookies(
        [
            {
                "name": reglages.SESSION_COOKIE_NAME,
                "value": client.cookies[reglages.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_donnees_personnelles_calendrier_de_conservation(page, journal_navigateur):
    page.goto("/donnees-personnelles/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Données personnelles")
    tableau = page.get_by_role("table", name="Durée de conservation par catégorie de données")
    expect(tableau).to_contain_text("5 ans après la clôture")
    expect(page.locator("body")).not_to_contain_text("À compléter par l’exploitant")
    verifier_page(page, journal_navigateur)


def test_contentieux_sur_la_fiche_et_son_ecran(page, journal_navigateur, live_server):
    dossier = declarer().dossier
    _connecter(page, agent(Role.REDACTEUR), live_server)
    page.goto(f"/precontentieux/dossiers/{dossier.reference}/")
    expect(page.get_by_role("heading", name="Contentieux")).to_be_visible()
    verifier_page(page, journal_navigateur)

    page.get_by_role("link", name="Signaler un contentieux").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Signaler un contentieux")
    verifier_page(page, journal_navigateur)
    page.get_by_role("button", name="Signaler un contentieux").click()  # sans motif : erreur liée au champ
    expect(page.locator("#resume-erreurs")).to_contain_text("Indiquez le motif")
    verifier_page(page, journal_navigateur)
    page.get_by_label("Motif").fill("Requête n° 2301234 enregistrée au tribunal administratif de Lyon")
    page.get_by_role("button", name="Signaler un contentieux").click()
    expect(page.locator("body")).to_contain_text(re.compile("En contentieux depuis le"))
    expect(page.get_by_role("link", name="Lever le contentieux")).to_be_visible()
    verifier_page(page, journal_navigateur)


def test_mes_declarations_propose_de_renvoyer_une_invitation_expiree(page, journal_navigateur, live_server):
    declaration = declarer(usager_courriel="occupant@exemple.fr")
    Invitation.objects.filter(dossier=declaration.dossier).update(expire_le=timezone.now() - datetime.timedelta(days=1))
    _connecter(page, declaration.agent, live_server)
    page.goto("/forces-de-l-ordre/mes-declarations/")
    expect(page.locator("body")).to_contain_text("Invitation expirée")
    verifier_page(page, journal_navigateur)
    page.get_by_role("link", name=re.compile("Renvoyer l’invitation")).click()
    expect(page.get_by_role("heading", name="Renvoyer une invitation à l’usager")).to_be_visible()
    assert page.url.endswith("#inviter")
    verifier_page(page, journal_navigateur)

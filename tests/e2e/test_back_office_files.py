"""Back-office : navigation, files, recherche (avec un état d'erreur) — axe-core et CSP sur chaque page."""

import re

import pytest
from django.conf import settings as reglages
from django.test import Client
from playwright.sync_api import expect

from portail.enums import Role
from precontentieux import volume
from tests.e2e.parcours_usager import purger_declarations_envoyees
from tests.precontentieux.outils_back_office import agent, dossier_dans

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


def test_pages_du_back_office_accessibles(page, journal_navigateur, live_server):
    from tests.e2e.outils import verifier_page

    attributeur = agent(Role.ATTRIBUTEUR)
    redacteur = agent(Role.REDACTEUR, prenom="Rose", nom="RÉDACTRICE")
    dossier = dossier_dans("attente_complements", attributeur=attributeur, redacteur=redacteur)
    volume.semer(60, redacteurs=3)
    multi = agent(Role.ATTRIBUTEUR, Role.REDACTEUR, Role.VALIDATEUR, prenom="Multi", nom="RÔLES")
    _connecter(page, multi, live_server)

    page.goto("/precontentieux/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bureau du précontentieux")
    verifier_page(page, journal_navigateur)

    menu = page.get_by_role("navigation", name="Précontentieux")
    menu.get_by_role("link", name=re.compile("^À attribuer")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("À attribuer")
    verifier_page(page, journal_navigateur)
    page.goto("/precontentieux/files/a-attribuer/?par_page=2")
    page.get_by_role("link", name="Page suivante").first.click()
    expect(page).to_have_url(re.compile(r"page=2"))
    verifier_page(page, journal_navigateur)
    page.get_by_label("Trier par").select_option("-depot")
    page.get_by_role("button", name="Trier").click()
    expect(page).to_have_url(re.compile(r"tri=-depot"))
    verifier_page(page, journal_navigateur)

    page.goto("/precontentieux/files/attente-complements/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes dossiers — en attente de compléments")
    verifier_page(page, journal_navigateur)

    page.goto("/precontentieux/recherche/")
    verifier_page(page, journal_navigateur)
    page.get_by_label("Mots recherchés").fill(dossier.nom_naissance[:3].lower())
    page.get_by_role("button", name="Rechercher", exact=True).click()
    expect(page.locator(f'tr[data-reference="{dossier.reference}"]')).to_have_count(1)
    verifier_page(page, journal_navigateur)

    # État d'erreur : période incohérente, erreur liée au champ.
    page.get_by_label("Déposé à partir du").fill("2026-05-02")
    page.get_by_label("Déposé jusqu’au").fill("2026-05-01")
    page.get_by_role("button", name="Rechercher", exact=True).click()
    expect(page).to_have_title(re.compile("^Erreur"))
    expect(page.get_by_text("postérieure ou égale")).to_be_visible()
    verifier_page(page, journal_navigateur)

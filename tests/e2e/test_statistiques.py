"""Statistiques du back-office dans un vrai navigateur : graphiques tracés (Chart.js servi depuis nos fichiers
statiques), aucun refus CSP ni erreur JavaScript, axe-core sans violation, tableaux et liens CSV présents."""

import re

import pytest
from django.conf import settings as reglages
from django.test import Client
from playwright.sync_api import expect

from portail.enums import Role
from precontentieux import statistiques, volume
from tests.e2e.outils import verifier_page
from tests.e2e.parcours_usager import purger_declarations_envoyees
from tests.fabriques import DossierFactory, agent

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


def test_statistiques_graphiques_sans_refus_csp(page, journal_navigateur, live_server):
    DossierFactory(indemnise=True)
    volume.semer(200, redacteurs=3)
    _connecter(page, agent(Role.LIAISON_BUDGET), live_server)

    page.goto("/precontentieux/")
    page.get_by_role("navigation", name="Précontentieux").get_by_role("link", name="Statistiques").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistiques du précontentieux")

    tableaux = statistiques.TABLEAUX
    # Un graphique par tableau : le canevas est créé par static/js/statistiques.js et dessiné par Chart.js.
    expect(page.locator("[data-graphique] canvas")).to_have_count(len(tableaux))
    for cle in tableaux:
        zone = page.locator(f"[data-tableau='tableau-{cle}']")
        expect(zone).to_be_visible()
        canevas = zone.locator("canvas")
        expect(canevas).to_have_attribute("role", "img")
        expect(canevas).to_have_attribute("aria-label", re.compile("Les valeurs figurent dans le tableau"))
        # Chart.js a bien attaché un graphique au canevas (et l'a dimensionné).
        assert page.evaluate("(c) => Boolean(window.Chart.getChart(c))", canevas.element_handle())
        assert canevas.bounding_box()["height"] > 100
    # Survol d'une barre : l'infobulle de Chart.js est dessinée dans le canevas (aucun style en ligne).
    zone = page.locator("[data-tableau='tableau-statuts'] canvas")
    boite = zone.bounding_box()
    page.mouse.move(boite["x"] + boite["width"] * 0.3, boite["y"] + boite["height"] * 0.9)

    # Chaque tableau accessible et son lien de téléchargement CSV.
    for cle in tableaux:
        expect(page.locator(f"table#tableau-{cle} caption")).to_have_count(1)
    lien = page.get_by_role("link", name=re.compile("Télécharger les données « Délais"))
    with page.expect_download() as telechargement:
        lien.click()
    chemin = telechargement.value.path()
    with open(chemin, "rb") as fichier:
        contenu = fichier.read()
    assert contenu.startswith(b"\xef\xbb\xbf") and "Délai;Dossiers mesurés" in contenu.decode("utf-8-sig")

    verifier_page(page, journal_navigateur)

    # Sans le script (navigateur sans JavaScript) : les tableaux restent, les cadres de graphique sont cachés.
    contexte = page.context.browser.new_context(base_url=live_server.url, java_script_enabled=False)
    contexte.add_cookies(page.context.cookies())
    sans_js = contexte.new_page()
    sans_js.goto("/precontentieux/statistiques/")
    expect(sans_js.locator("table")).to_have_count(len(tableaux))
    expect(sans_js.locator("[data-graphique]").first).to_be_hidden()
    contexte.close()

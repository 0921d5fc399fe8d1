"""Les fichiers statiques tels que la production les sert (collectstatic, noms versionnés) sont acceptés par le
navigateur : feuilles de style et scripts du DSFR chargés, empreintes d'intégrité (SRI) valides, sans refus CSP."""

import importlib
import mimetypes

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.outils import verifier_page

pytestmark = pytest.mark.e2e


@pytest.fixture
def statiques_de_production(settings, tmp_path, monkeypatch):
    """Réglages de fichiers statiques de `portail.settings.prod`, avec un collectstatic réel dans un dossier
    temporaire."""
    monkeypatch.setenv("DJANGO_SECRET_KEY", "cle-de-test-pour-lire-les-reglages-de-production")
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "localhost")
    prod = importlib.import_module("portail.settings.prod")
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = prod.STORAGES
    settings.DSFR_USE_INTEGRITY_CHECKSUMS = prod.DSFR_USE_INTEGRITY_CHECKSUMS
    call_command("collectstatic", interactive=False, verbosity=0)
    return tmp_path


def test_statiques_de_production_acceptes_par_le_navigateur(page, journal_navigateur, statiques_de_production):
    servis = []

    def servir_depuis_static_root(route):
        # Le navigateur reçoit exactement les fichiers produits par collectstatic (rôle de WhiteNoise).
        chemin = route.request.url.split("/static/", 1)[1].split("?", 1)[0]
        fichier = statiques_de_production / chemin
        if not fichier.is_file():
            route.fulfill(status=404, body="")
            return
        servis.append(chemin)
        type_contenu = mimetypes.guess_type(fichier.name)[0] or "application/octet-stream"
        route.fulfill(status=200, body=fichier.read_bytes(), headers={"Content-Type": type_contenu})

    page.route("**/static/**", servir_depuis_static_root)
    page.goto("/")
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_count(1)
    assert any(c.startswith("dsfr/dist/dsfr/dsfr.min.") and c.endswith(".css") for c in servis), servis
    # La feuille du DSFR est appliquée (police Marianne), pas seulement téléchargée.
    assert "Marianne" in page.evaluate("getComputedStyle(document.body).fontFamily")
    verifier_page(page, journal_navigateur)

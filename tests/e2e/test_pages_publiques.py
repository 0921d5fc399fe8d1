"""Les pages publiques s'affichent en DSFR, sans violation axe-core ni refus CSP."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.outils import verifier_accessibilite, verifier_page

pytestmark = pytest.mark.e2e

PAGES_PUBLIQUES = [
    ("/", "Mon Indemnisation Justice"),
    ("/connexion/", "Se connecter"),
    ("/accessibilite/", "Accessibilité"),
    ("/mentions-legales/", "Mentions légales"),
    ("/donnees-personnelles/", "Données personnelles"),
    ("/plan-du-site/", "Plan du site"),
    ("/qui-sommes-nous/", "Qui sommes-nous ?"),
]


@pytest.mark.parametrize(("chemin", "titre"), PAGES_PUBLIQUES)
def test_page_publique_accessible(page, journal_navigateur, chemin, titre):
    reponse = page.goto(chemin)
    assert reponse.status == 200
    expect(page.locator("h1")).to_have_count(1)
    expect(page).to_have_title(re.compile(re.escape(titre), re.IGNORECASE))
    verifier_page(page, journal_navigateur)


def test_page_404_accessible(page, journal_navigateur):
    reponse = page.goto("/cette-page-n-existe-pas/")
    assert reponse.status == 404
    expect(page.locator("h1")).to_have_text(re.compile("Page non trouvée"))
    verifier_page(page, journal_navigateur)


def test_ressources_dsfr_chargees(page, journal_navigateur):
    """Le CSS et le JavaScript du DSFR sont servis par le portail (200) et le JavaScript démarre sous la CSP."""
    chargees = {}
    page.on(
        "response",
        lambda r: (
            chargees.__setitem__(r.url, r.status) if r.request.resource_type in {"stylesheet", "script"} else None
        ),
    )
    page.goto("/")
    page.wait_for_load_state("networkidle")
    css_dsfr = [url for url in chargees if re.search(r"/static/dsfr/dist/dsfr/dsfr(\.min)?\.css$", url)]
    js_dsfr = [url for url in chargees if re.search(r"/static/dsfr/dist/dsfr/dsfr\.module(\.min)?\.js$", url)]
    assert css_dsfr, f"CSS du DSFR non demandée : {sorted(chargees)}"
    assert js_dsfr, f"JavaScript du DSFR non demandé : {sorted(chargees)}"
    assert all(chargees[url] == 200 for url in css_dsfr + js_dsfr), chargees
    # Le DSFR applique ses styles : le corps du document utilise sa police Marianne.
    police = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Marianne" in police
    verifier_page(page, journal_navigateur)


def test_en_tete_menu_mobile(page, journal_navigateur):
    """Sur un petit écran, le bouton « Menu » ouvre la navigation (JavaScript DSFR autorisé par la CSP)."""
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/")
    page.get_by_role("button", name="Menu").click()
    expect(page.locator("#menu-principal")).to_be_visible()
    verifier_page(page, journal_navigateur)


def test_verifier_accessibilite_signale_les_violations(page):
    """Garde-fou de l'outil : une image sans alternative et un champ sans étiquette sont signalés."""
    page.goto("/plan-du-site/")
    page.evaluate(
        """() => {
          const img = document.createElement("img");
          img.src = "data:image/gif;base64,R0lGODlhAQABAAAAACw=";
          document.querySelector("main").append(img);
          const champ = document.createElement("input");
          champ.type = "text";
          document.querySelector("main").append(champ);
        }"""
    )
    with pytest.raises(AssertionError) as erreur:
        verifier_accessibilite(page)
    assert "image-alt" in str(erreur.value)
    assert "label" in str(erreur.value)


def test_journal_releve_les_refus_csp(page, journal_navigateur):
    """Garde-fou de l'outil : un script en ligne ajouté à la page est bloqué par la CSP et relevé."""
    page.goto("/")
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.injecte = true";
          document.body.append(script);
        }"""
    )
    assert page.evaluate("window.injecte === undefined")
    page.wait_for_timeout(200)
    assert any("script-src" in ligne for ligne in journal_navigateur.refus_csp), journal_navigateur.refus_csp
    with pytest.raises(AssertionError, match="Refus CSP"):
        verifier_page(page, journal_navigateur)
    journal_navigateur.refus_csp.clear()

"""Connexions ProConnect et FranceConnect dans un vrai navigateur, face au fournisseur OIDC local."""

import re

import pytest
from playwright.sync_api import expect

from portail.models import IdentiteOIDC, Utilisateur
from tests.e2e.outils import verifier_accessibilite, verifier_page

pytestmark = pytest.mark.e2e


def _choisir_persona(page, fournisseur, saveur, libelle):
    """Page du fournisseur local : elle doit être la sienne, accessible, puis un clic sur la persona."""
    expect(page).to_have_url(re.compile("^" + re.escape(fournisseur.emetteur(saveur) + "/authorize")))
    verifier_accessibilite(page)
    page.get_by_role("button", name=re.compile(re.escape(libelle))).click()


def _verifier_deconnecte(page, live_server):
    """De retour sur le portail après la fin de session chez le fournisseur, sans session."""
    expect(page.locator(".fr-header__tools").get_by_role("link", name="Se connecter")).to_be_visible()
    assert page.url.startswith(live_server.url + "/"), page.url
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)


def test_policier_se_connecte_avec_proconnect(page, journal_navigateur, live_server, fournisseur_oidc_live):
    page.goto("/connexion/")
    verifier_page(page, journal_navigateur)

    page.get_by_role("link", name=re.compile("S’identifier avec\\s*ProConnect")).click()
    _choisir_persona(page, fournisseur_oidc_live, "proconnect", "Policier (Police nationale)")

    # Retour sur le portail : l'agent atterrit sur l'accueil des forces de l'ordre.
    expect(page).to_have_url(re.compile(r"/forces-de-l-ordre/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Espace forces de l’ordre")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    verifier_page(page, journal_navigateur)

    agent = Utilisateur.objects.get(identites_oidc__fournisseur="proconnect")
    assert agent.email == "paul.martin@interieur.gouv.fr"
    assert agent.est_forces_de_l_ordre
    assert fournisseur_oidc_live.compter("proconnect", "token") == 1
    assert fournisseur_oidc_live.compter("franceconnect", "token") == 0

    # Déconnexion : passage par la fin de session du fournisseur, retour sur le portail déconnecté.
    page.get_by_role("button", name="Se déconnecter").click()
    _verifier_deconnecte(page, live_server)
    assert fournisseur_oidc_live.compter("proconnect", "session_end") == 1
    verifier_page(page, journal_navigateur)


def test_usager_se_connecte_avec_franceconnect(page, journal_navigateur, live_server, fournisseur_oidc_live):
    page.goto("/connexion/")
    verifier_page(page, journal_navigateur)

    page.get_by_role("link", name=re.compile("S’identifier avec\\s*FranceConnect")).click()
    _choisir_persona(page, fournisseur_oidc_live, "franceconnect", "Camille Durand")

    expect(page).to_have_url(re.compile(r"/mon-espace/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    verifier_page(page, journal_navigateur)

    identite = IdentiteOIDC.objects.select_related("utilisateur").get(fournisseur="franceconnect")
    assert identite.utilisateur.est_usager
    assert identite.claims["family_name"] == "DURAND"
    assert fournisseur_oidc_live.compter("franceconnect", "token") == 1
    assert fournisseur_oidc_live.compter("proconnect", "token") == 0

    page.get_by_role("button", name="Se déconnecter").click()
    _verifier_deconnecte(page, live_server)
    assert fournisseur_oidc_live.compter("franceconnect", "session_end") == 1
    verifier_page(page, journal_navigateur)


@pytest.mark.parametrize(
    ("persona", "libelle", "chemin", "titre"),
    [
        ("gendarme", "Gendarme (Gendarmerie nationale)", r"/forces-de-l-ordre/$", "Espace forces de l’ordre"),
        (
            "agent-mj-sans-role",
            "Agent du ministère de la Justice sans rôle",
            r"/agents/acces-en-attente/$",
            "Votre accès est en attente",
        ),
        (
            "agent-siret-inconnu",
            "Agent d’une administration inconnue",
            r"/connexion/$",
            "Se connecter",
        ),
    ],
)
def test_atterrissage_des_agents(
    page, journal_navigateur, live_server, fournisseur_oidc_live, persona, libelle, chemin, titre
):
    """Chaque page d'arrivée (y compris le refus d'un SIRET inconnu) est accessible et sans refus CSP."""
    page.goto("/connexion/")
    page.get_by_role("link", name=re.compile("S’identifier avec\\s*ProConnect")).click()
    _choisir_persona(page, fournisseur_oidc_live, "proconnect", libelle)

    expect(page).to_have_url(re.compile(chemin))
    expect(page.get_by_role("heading", level=1)).to_have_text(titre)
    if persona == "agent-siret-inconnu":
        expect(page.get_by_role("alert")).to_contain_text("n’est pas habilitée")
        expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)
    else:
        expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    verifier_page(page, journal_navigateur)

"""Gestion des agents dans un vrai navigateur, avec de vraies connexions ProConnect (fournisseur OIDC local) :

1. un agent du ministère sans rôle se connecte : page « Votre accès est en attente » ;
2. le gestionnaire (autre navigateur) le trouve dans « Agents en attente », essaie d'accorder l'accès sans cocher
   de rôle (état d'erreur), puis coche « Attributeur » ; l'agent est averti par courriel ;
3. l'agent se déconnecte et se reconnecte : il arrive dans le back-office, file « À attribuer » ;
4. le gestionnaire désactive le compte : la session vivante de l'agent est terminée sur-le-champ, et sa
   connexion ProConnect suivante est refusée avec un message clair.

Chaque page traversée passe axe-core (WCAG 2.1 AA), sans refus CSP ni erreur JavaScript (`verifier_page`).
"""

import re

import pytest
from django.conf import settings as reglages
from django.test import Client
from playwright.sync_api import expect

from portail.enums import Role
from portail.models import EmailSortant, Utilisateur
from tests.e2e.outils import SCRIPT_ECOUTE_CSP, verifier_accessibilite, verifier_page
from tests.fabriques import UtilisateurFactory

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _attentes_longues():
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


def _onglet_connecte(navigateur, live_server, journal, utilisateur):
    """Un navigateur à part (cookies propres) ouvert au nom de `utilisateur` (session posée côté serveur)."""
    contexte = navigateur.new_context(base_url=live_server.url, locale="fr-FR", timezone_id="Europe/Paris")
    contexte.set_default_timeout(15_000)
    contexte.add_init_script(SCRIPT_ECOUTE_CSP)
    client = Client()
    client.force_login(utilisateur)
    valeur = client.cookies[reglages.SESSION_COOKIE_NAME].value
    contexte.add_cookies([{"name": reglages.SESSION_COOKIE_NAME, "value": valeur, "url": live_server.url}])
    onglet = contexte.new_page()
    journal.brancher(onglet)
    return onglet


def _connexion_proconnect(page, fournisseur):
    page.goto("/connexion/")
    page.get_by_role("link", name=re.compile("S’identifier avec\\s*ProConnect")).click()
    expect(page).to_have_url(re.compile("^" + re.escape(fournisseur.emetteur("proconnect") + "/authorize")))
    verifier_accessibilite(page)
    page.get_by_role("button", name=re.compile("Agent du ministère de la Justice sans rôle")).click()


def test_le_gestionnaire_accorde_un_role_puis_desactive_l_agent(
    page, navigateur, journal_navigateur, live_server, fournisseur_oidc_live
):
    # 1. L'agent se connecte avec ProConnect : accès en attente.
    _connexion_proconnect(page, fournisseur_oidc_live)
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre accès est en attente")
    verifier_page(page, journal_navigateur)
    agent = Utilisateur.objects.get(email="nadia.noel@justice.gouv.fr")

    # 2. Le gestionnaire, dans son propre navigateur.
    gestionnaire = UtilisateurFactory(agent_mj=True, roles=[Role.GESTIONNAIRE], prenom="Gaël", nom="Gestion")
    onglet = _onglet_connecte(navigateur, live_server, journal_navigateur, gestionnaire)
    onglet.goto("/precontentieux/")
    onglet.get_by_role("link", name=re.compile("Agents en attente")).click()
    expect(onglet.get_by_role("heading", level=1)).to_have_text("Agents en attente")
    expect(onglet.get_by_role("cell", name="Nadia Noël", exact=True)).to_be_visible()
    verifier_page(onglet, journal_navigateur)

    onglet.get_by_role("link", name="Accorder des rôles à Nadia Noël").click()
    expect(onglet.get_by_role("heading", level=1)).to_have_text("Accorder des rôles à Nadia Noël")
    expect(onglet.get_by_text("Attribue les dossiers déposés aux rédacteurs")).to_be_visible()
    verifier_page(onglet, journal_navigateur)

    # État d'erreur : aucun rôle coché.
    onglet.get_by_role("button", name="Accorder l’accès").click()
    expect(onglet.get_by_role("alert")).to_contain_text("Cochez au moins un rôle pour accorder l’accès.")
    verifier_page(onglet, journal_navigateur)

    onglet.locator("label", has_text=re.compile(r"^\s*Attributeur")).click()
    expect(onglet.get_by_role("checkbox", name=re.compile("^Attributeur"))).to_be_checked()
    onglet.get_by_role("button", name="Accorder l’accès").click()
    expect(onglet.get_by_text("Accès accordé à Nadia Noël, qui en est averti par courriel.")).to_be_visible()
    expect(onglet.get_by_role("heading", level=1)).to_have_text("Nadia Noël")
    verifier_page(onglet, journal_navigateur)
    assert Utilisateur.objects.get(pk=agent.pk).roles == {"attributeur"}
    assert EmailSortant.objects.get(gabarit="agent_acces_accorde").destinataire == "nadia.noel@justice.gouv.fr"

    # La liste des agents, avec recherche.
    onglet.get_by_role("link", name="Tous les agents").click()
    onglet.get_by_label("Nom, prénom ou adresse électronique").fill("noël")
    onglet.get_by_role("button", name="Rechercher").click()
    expect(onglet.get_by_text("1 agent trouvé")).to_be_visible()
    verifier_page(onglet, journal_navigateur)

    # 3. L'agent se déconnecte puis se reconnecte : il arrive dans sa file.
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)
    _connexion_proconnect(page, fournisseur_oidc_live)
    expect(page).to_have_url(re.compile(r"/precontentieux/$"))
    expect(page.locator(".fr-sidemenu").get_by_role("link", name=re.compile("À attribuer"))).to_be_visible()
    expect(page.locator(".fr-sidemenu").get_by_role("link", name=re.compile("Agents"))).to_have_count(0)
    verifier_page(page, journal_navigateur)

    # 4. Désactivation : la session vivante de l'agent tombe, la connexion suivante est refusée.
    onglet.goto(f"/precontentieux/agents/{agent.pk}/")
    onglet.get_by_role("link", name="Désactiver le compte").click()
    expect(onglet.get_by_role("heading", level=1)).to_have_text("Désactiver le compte de Nadia Noël")
    verifier_page(onglet, journal_navigateur)
    onglet.get_by_role("button", name="Désactiver le compte").click()
    expect(onglet.get_by_role("alert")).to_contain_text("Indiquez le motif.")
    verifier_page(onglet, journal_navigateur)
    onglet.get_by_label("Motif de la désactivation").fill("Départ du bureau")
    onglet.get_by_role("button", name="Désactiver le compte").click()
    expect(onglet.get_by_text("ses sessions sont terminées")).to_be_visible()
    expect(onglet.get_by_role("cell", name="Départ du bureau", exact=True)).to_be_visible()
    verifier_page(onglet, journal_navigateur)

    page.reload()
    expect(page).to_have_url(re.compile(r"/connexion/\?next="))
    _connexion_proconnect(page, fournisseur_oidc_live)
    expect(page).to_have_url(re.compile(r"/connexion/$"))
    expect(page.get_by_role("alert")).to_contain_text("Votre compte agent a été désactivé")
    verifier_page(page, journal_navigateur)
    onglet.context.close()

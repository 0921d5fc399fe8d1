"""IDOR de la gestion des agents : chaque adresse `precontentieux:agent*` est découverte en parcourant l'espace de
noms (une page ajoutée plus tard est couverte sans modifier ce test), puis demandée par chaque persona, en GET et
en POST, en visant un vrai compte d'agent (en attente, actif, gestionnaire, policier) : seul le gestionnaire y
accède ; les autres reçoivent 404 (hors Justice) ou 403 (Justice sans le rôle) et rien ne change."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from portail.enums import Role
from portail.models import IdentiteOIDC
from tests.fabriques import UtilisateurFactory
from tests.precontentieux.outils_backoffice import agent_justice, motifs_backoffice, photographie_base

pytestmark = pytest.mark.django_db

ROUTES_AGENTS = {
    "agents",
    "agents_en_attente",
    "agent",
    "agent_roles",
    "agent_desactiver",
    "agent_reactiver",
    "agent_refuser",
}
CHARGES_POST = ({}, {"motif": "Essai", "roles": ["gestionnaire", "redacteur"]})


@pytest.fixture(autouse=True)
def _cache_neuf():
    cache.clear()


@pytest.fixture
def cibles():
    en_attente = UtilisateurFactory(agent_mj=True)
    IdentiteOIDC.objects.create(utilisateur=en_attente, fournisseur="proconnect", sub="attente", claims={})
    return {
        "en_attente": en_attente,
        "redacteur": agent_justice(Role.REDACTEUR),
        "gestionnaire": agent_justice(Role.GESTIONNAIRE),
        "policier": UtilisateurFactory(policier=True),
    }


def urls_agents(cibles):
    urls = []
    noms = set()
    for motif in motifs_backoffice():
        if not motif.name.startswith("agent"):
            continue
        noms.add(motif.name)
        if "pk" in (getattr(motif.pattern, "converters", {}) or {}):
            urls += [(motif.name, reverse(f"precontentieux:{motif.name}", args=[c.pk])) for c in cibles.values()]
        else:
            urls.append((motif.name, reverse(f"precontentieux:{motif.name}")))
    assert noms == ROUTES_AGENTS, "nouvelle page de gestion des agents : l'ajouter ici et à la matrice"
    return urls


PERSONAS = {
    "policier": (lambda: UtilisateurFactory(policier=True), 404),
    "usager": (lambda: UtilisateurFactory(), 404),
    "agent_sans_role": (lambda: agent_justice(), 403),
    **{
        str(role): (lambda role=role: agent_justice(role), 403)
        for role in Role
        if role not in (Role.GESTIONNAIRE, Role.FORCES_DE_L_ORDRE)
    },
}


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_seul_le_gestionnaire_accede_et_rien_ne_change(client, cibles, persona):
    fabrique, code = PERSONAS[persona]
    client.force_login(fabrique())
    avant = photographie_base()
    urls = urls_agents(cibles)
    for nom, url in urls:
        assert client.get(url).status_code == code, (persona, nom, url)
        for donnees in CHARGES_POST:
            assert client.post(url, donnees).status_code == code, (persona, nom, url, donnees)
    assert photographie_base() == avant


def test_le_gestionnaire_voit_chaque_page(client, cibles):
    client.force_login(agent_justice(Role.GESTIONNAIRE))
    codes = {(nom, url): client.get(url).status_code for nom, url in urls_agents(cibles)}
    # 200, ou redirection vers la fiche quand l'action n'a pas d'objet (réactiver un compte actif…).
    assert set(codes.values()) <= {200, 302}
    assert codes[("agent_roles", reverse("precontentieux:agent_roles", args=[cibles["en_attente"].pk]))] == 200
    assert codes[("agent_roles", reverse("precontentieux:agent_roles", args=[cibles["policier"].pk]))] == 302


def test_visiteur_anonyme_renvoye_a_la_connexion_et_csrf_exige(cibles):
    anonyme = Client()
    for nom, url in urls_agents(cibles):
        assert anonyme.get(url)["Location"].startswith(reverse("portail:connexion")), nom
    gestionnaire = Client(enforce_csrf_checks=True)
    gestionnaire.force_login(agent_justice(Role.GESTIONNAIRE))
    avant = photographie_base()
    for nom, url in urls_agents(cibles):
        if nom not in ("agents", "agents_en_attente", "agent"):
            assert gestionnaire.post(url, {"motif": "x", "roles": ["redacteur"]}).status_code == 403, nom
    assert photographie_base() == avant


def test_un_agent_desactive_ne_voit_plus_rien(client, cibles):
    gestionnaire = agent_justice(Role.GESTIONNAIRE)
    client.force_login(gestionnaire)
    type(gestionnaire).objects.filter(pk=gestionnaire.pk).update(is_active=False)
    for nom, url in urls_agents(cibles):
        assert client.get(url).status_code in (302, 404), nom

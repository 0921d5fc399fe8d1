"""Coût des assistants (issue 12) : l'enregistrement automatique et l'affichage d'une étape, en requêtes SQL.

Mesuré avec le moteur de sessions de production (`cached_db` : la session est lue dans le cache, Redis en
production). L'enregistrement automatique ne revalide que l'étape touchée, le rôle est vérifié dans la requête
qui lit l'objet, et l'identité FranceConnect de l'usager n'est pas relue à chaque enregistrement.
"""

import pytest
from django.urls import reverse

from declarations.models import Declaration
from precontentieux.models import Dossier
from tests.fabriques import DeclarationFactory, UtilisateurFactory, dossier_declare

pytestmark = pytest.mark.django_db

# Requêtes : utilisateur, objet (avec le rôle ou la portée), UPDATE conditionnel.
MAX_ENREGISTREMENT = 3


@pytest.fixture(autouse=True)
def _sessions_de_production(settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"


@pytest.fixture
def agent_et_brouillon(client):
    agent = UtilisateurFactory(policier=True)
    client.force_login(agent)
    return agent, DeclarationFactory(agent=agent)


def test_enregistrement_automatique_de_la_declaration(client, agent_et_brouillon, django_assert_max_num_queries):
    _, brouillon = agent_et_brouillon
    url = reverse("declarations:brouillon", args=[brouillon.pk])
    client.post(url, {"version": brouillon.version, "etape": "bris-de-porte", "bris-de-porte-adresse_ville": "Ly"})
    version = Declaration.objects.get().version
    with django_assert_max_num_queries(MAX_ENREGISTREMENT):
        reponse = client.post(
            url, {"version": version, "etape": "bris-de-porte", "bris-de-porte-adresse_ville": "Lyon"}
        )
    assert reponse.status_code == 200 and reponse.json()["version"] == version + 1
    assert Declaration.objects.get().adresse_ville == "Lyon"


def test_enregistrement_automatique_de_la_demande(client, django_assert_max_num_queries):
    usager = UtilisateurFactory()
    dossier = dossier_declare(usager)
    client.force_login(usager)
    url = reverse("usagers:brouillon_demande", args=[dossier.reference])
    # Première lecture : l'identité certifiée est gardée dans la session.
    client.get(reverse("usagers:completer_etape", args=[dossier.reference, "vos-informations"]))
    version = Dossier.objects.get().version
    with django_assert_max_num_queries(MAX_ENREGISTREMENT):
        reponse = client.post(
            url, {"version": version, "etape": "vos-informations", "vos-informations-telephone": "06 12 34 56 78"}
        )
    assert reponse.status_code == 200 and reponse.json()["version"] == version + 1
    assert Dossier.objects.get().telephone == "06 12 34 56 78"


# GET d'une étape : utilisateur, objet (avec le rôle ou la portée), ce que l'étape affiche (questions de la FAQ à
# l'étape 1 de la déclaration, documents joints aux étapes 2 et 3 — récapitulatif), configuration du site django-dsfr (2,
# processeur de contexte `site_config`, hors de l'assistant), rôles pour le menu des forces de l'ordre.
@pytest.mark.parametrize(("etape", "maximum"), [("bris-de-porte", 6), ("service-enqueteur", 6), ("usager", 6)])
def test_etape_de_la_declaration_en_requetes_constantes(
    client, agent_et_brouillon, etape, maximum, django_assert_max_num_queries
):
    _, brouillon = agent_et_brouillon
    adresse = reverse("declarations:etape", args=[brouillon.pk, etape])
    client.get(adresse)
    with django_assert_max_num_queries(maximum):
        assert client.get(adresse).status_code == 200


@pytest.mark.parametrize(
    ("etape", "maximum"), [("le-bris-de-porte", 4), ("vos-informations", 4), ("pieces-justificatives", 5)]
)
def test_etape_de_la_demande_en_requetes_constantes(client, etape, maximum, django_assert_max_num_queries):
    usager = UtilisateurFactory()
    dossier = dossier_declare(usager)
    client.force_login(usager)
    adresse = reverse("usagers:completer_etape", args=[dossier.reference, etape])
    client.get(adresse)
    with django_assert_max_num_queries(maximum):
        assert client.get(adresse).status_code == 200

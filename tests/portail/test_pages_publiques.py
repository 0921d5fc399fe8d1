import pytest
from django.urls import reverse

PAGES_PUBLIQUES = [
    "portail:accueil",
    "portail:connexion",
    "portail:accessibilite",
    "portail:mentions_legales",
    "portail:donnees_personnelles",
    "portail:plan_du_site",
]


@pytest.mark.django_db
@pytest.mark.parametrize("nom", PAGES_PUBLIQUES)
def test_page_publique_accessible_sans_connexion(client, nom):
    reponse = client.get(reverse(nom))
    assert reponse.status_code == 200
    assert reponse.content.decode().count("<h1") == 1
    assert '<html lang="fr"' in reponse.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("nom", ["declarations:accueil", "usagers:accueil", "precontentieux:accueil"])
def test_espaces_exigent_la_connexion(client, nom):
    reponse = client.get(reverse(nom))
    assert reponse.status_code == 302
    assert reponse["Location"].startswith(reverse("portail:connexion"))

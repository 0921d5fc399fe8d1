"""Issue 11, item 11 : un autre onglet se reconnecte, le jeton CSRF de la première page est périmé.

Au lieu du 403 brut de Django : une page DSFR qui garde la saisie (même rejeu qu'après une expiration de session),
et pour l'enregistrement automatique une réponse JSON qui dit de recharger la page (plus de boucle « connexion
interrompue »). Un formulaire venu d'un autre site ne dépose rien.
"""

import pytest
from django.test import Client
from django.urls import reverse

from declarations.models import Declaration
from tests.fabriques import UtilisateurFactory
from tests.portail.comptes_outils import poser_cookie_connexion

pytestmark = pytest.mark.django_db

ORIGINE = "http://testserver"


@pytest.fixture
def onglet():
    """Un onglet dont le jeton CSRF est périmé : l'agent s'est reconnecté dans un autre onglet."""
    agent = UtilisateurFactory(policier=True)
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    poser_cookie_connexion(client, agent)
    client.get(reverse("declarations:accueil"))  # pose le cookie CSRF
    return client, Declaration.objects.create(agent=agent)


def test_continuer_avec_un_jeton_perime_page_dsfr_et_saisie_gardee(onglet):
    client, brouillon = onglet
    etape = reverse("declarations:etape", args=[brouillon.pk, "bris-de-porte"])
    reponse = client.post(
        etape,
        {"csrfmiddlewaretoken": "perime" * 8, "version": 1, "bris-de-porte-adresse_ville": "Lyon"},
        headers={"Origin": ORIGINE},
    )
    contenu = reponse.content.decode()
    assert reponse.status_code == 403
    assert "<h1>Cette page a expiré</h1>" in contenu and "Votre saisie est conservée" in contenu
    assert f'href="{etape}"' in contenu
    # « Reprendre ma saisie » : la saisie est enregistrée dans le brouillon.
    page = client.get(etape)
    assert "a été enregistrée" in page.content.decode()
    assert Declaration.objects.get().adresse_ville == "Lyon"


def test_enregistrement_automatique_avec_un_jeton_perime_dit_de_recharger(onglet):
    client, brouillon = onglet
    reponse = client.post(
        reverse("declarations:brouillon", args=[brouillon.pk]),
        {
            "csrfmiddlewaretoken": "perime" * 8,
            "version": 1,
            "etape": "bris-de-porte",
            "bris-de-porte-adresse_ville": "Lyon",
        },
        headers={"Origin": ORIGINE, "Accept": "application/json"},
    )
    assert reponse.status_code == 403
    assert reponse.json()["motif"] == "csrf" and "Rechargez la page" in reponse.json()["erreur"]
    assert reponse.json()["url"] == reverse("declarations:etape", args=[brouillon.pk, "bris-de-porte"])
    client.get(reponse.json()["url"])
    assert Declaration.objects.get().adresse_ville == "Lyon"


def test_un_formulaire_d_un_autre_site_ne_depose_rien(onglet):
    client, brouillon = onglet
    etape = reverse("declarations:etape", args=[brouillon.pk, "bris-de-porte"])
    reponse = client.post(
        etape,
        {"version": 1, "bris-de-porte-adresse_ville": "Pirate"},
        headers={"Origin": "https://malveillant.example"},
    )
    assert reponse.status_code == 403
    assert "Reprendre ma saisie" not in reponse.content.decode()
    client.get(etape)
    assert Declaration.objects.get().adresse_ville == ""

"""Page de connexion : FranceConnect d'abord, « ou », adresse email, puis ProConnect pour les agents."""

import re

import pytest
from django.urls import reverse

from portail.enums import TypeUtilisateur
from portail.models import Utilisateur

pytestmark = pytest.mark.django_db


def _texte(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_ordre_et_liens_de_la_page_de_connexion(client):
    html = client.get(reverse("portail:connexion")).content.decode()
    franceconnect = reverse("oidc:connexion", args=["franceconnect"])
    proconnect = reverse("oidc:connexion", args=["proconnect"])

    positions = [
        html.index("Je suis un <strong>usager</strong>"),
        re.search(
            r'class="fr-connect"\s+id="connexion-franceconnect"\s+href="' + re.escape(franceconnect) + '"', html
        ).start(),
        html.index('href="https://franceconnect.gouv.fr/"'),
        html.index('<p class="fr-hr-or">ou</p>'),
        html.index("personne morale (bailleur social ou SCI)"),
        html.index(f'href="{reverse("account_login")}"'),
        html.index(f'href="{reverse("account_signup")}"'),
        html.index("Je suis un <strong>agent des Forces de l’ordre</strong>"),
        html.index(f'href="{proconnect}"'),
        html.index('href="https://www.proconnect.gouv.fr/"'),
    ]
    assert positions == sorted(positions)

    texte = _texte(html)
    assert "S’identifier avec FranceConnect" in texte
    assert "Qu’est-ce que FranceConnect ?" in texte
    assert "S’identifier avec son adresse email" in texte
    assert "S’identifier avec ProConnect" in texte
    assert "Qu’est-ce que ProConnect ?" in texte
    assert "je viens instruire les dossiers de demande d’indemnisation" in texte
    # Bouton ProConnect : gabarit DSFR fr-connect avec la marque ProConnect, stylé par notre feuille.
    assert re.search(r'class="fr-connect fr-connect--proconnect"\s+id="connexion-proconnect"', html)
    assert "style=" not in html


def test_le_parametre_next_est_transmis_aux_fournisseurs(client):
    html = client.get(reverse("portail:connexion"), {"next": "/mon-espace/?a=1&b=2"}).content.decode()
    suite = "?next=/mon-espace/%3Fa%3D1%26b%3D2"
    assert f'href="{reverse("oidc:connexion", args=["franceconnect"])}{suite}"' in html
    assert f'href="{reverse("oidc:connexion", args=["proconnect"])}{suite}"' in html
    assert f'href="{reverse("account_login")}{suite}"' in html


def test_le_parametre_next_est_echappe(client):
    html = client.get(reverse("portail:connexion"), {"next": '"><script>alert(1)</script>'}).content.decode()
    assert "<script>alert(1)" not in html
    assert '"><script' not in html


def test_utilisateur_connecte_redirige_vers_son_espace(client):
    usager = Utilisateur.objects.create_user("u@exemple.fr", email="u@exemple.fr", type=TypeUtilisateur.USAGER)
    client.force_login(usager)
    reponse = client.get(reverse("portail:connexion"), follow=True)
    assert reponse.redirect_chain[-1][0] == reverse("usagers:accueil")


def test_les_entrees_de_l_accueil_menent_aux_sections_de_connexion(client):
    html = client.get(reverse("portail:accueil")).content.decode()
    assert f'<a href="{reverse("portail:connexion")}#usager">Je suis un usager</a>' in html
    assert (
        f'<a href="{reverse("portail:connexion")}#agent">Je suis un agent des forces de l’ordre ou du ministère de la Justice</a>'
        in html
    )
    connexion = client.get(reverse("portail:connexion")).content.decode()
    assert 'id="usager"' in connexion and 'id="agent"' in connexion


def test_messages_du_fournisseur_affiches(client):
    """Les erreurs de la couche OIDC passent par les messages Django, affichés par base.html."""
    from django.contrib.messages import constants
    from django.contrib.messages.storage.cookie import CookieStorage

    requete = client.get(reverse("portail:accueil")).wsgi_request
    stockage = CookieStorage(requete)
    stockage.add(constants.ERROR, "Connexion refusée : <b>SIRET inconnu</b>.")
    reponse_tampon = client.get(reverse("portail:accueil"))
    stockage.update(reponse_tampon)
    client.cookies.update(reponse_tampon.cookies)
    html = client.get(reverse("portail:connexion")).content.decode()
    assert re.search(r'<div class="fr-alert fr-alert--sm fr-mb-2w fr-alert--error"\s+role="alert">', html)
    assert "Connexion refusée : &lt;b&gt;SIRET inconnu&lt;/b&gt;." in html

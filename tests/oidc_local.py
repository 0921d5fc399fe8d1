"""Greffon pytest : le fournisseur OIDC local démarré dans le processus, sur un port libre.

- `fournisseur_oidc` : le fournisseur (mode test : inconduites possibles), réglages du portail pointés dessus,
  `URL_PORTAIL = http://testserver` pour le client de test Django, et les adresses de retour exactes de ce
  portail inscrites chez le fournisseur ;
- `fournisseur_oidc_live` : idem avec `URL_PORTAIL = live_server.url` (parcours navigateur) ;
- `parcours_oidc` : pilote un échange complet (portail → fournisseur → retour) avec le client de test.
"""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.urls import reverse
from django.utils.csp import CSP

from outils.oidc_local import FournisseurOIDCLocal
from portail.oidc.fournisseurs import vider_cache


@pytest.fixture(scope="session")
def _serveur_oidc_local():
    fournisseur = FournisseurOIDCLocal(port=0, mode_test=True).demarrer()
    yield fournisseur
    fournisseur.arreter()


@pytest.fixture
def fournisseur_oidc(_serveur_oidc_local, settings):
    fournisseur = _serveur_oidc_local
    fournisseur.reinitialiser()
    settings.URL_PORTAIL = "http://testserver"
    # Adresses de retour inscrites exactement, comme chez ProConnect et FranceConnect.
    fournisseur.inscrire_portail(settings.URL_PORTAIL)
    settings.OIDC_FOURNISSEURS = {
        nom: {
            **reglages,
            "URL_DECOUVERTE": fournisseur.url_decouverte(nom),
            "CLIENT_ID": fournisseur.clients[nom][0],
            "CLIENT_SECRET": fournisseur.clients[nom][1],
        }
        for nom, reglages in settings.OIDC_FOURNISSEURS.items()
    }
    settings.SECURE_CSP = {**settings.SECURE_CSP, "form-action": [CSP.SELF, fournisseur.url_base]}
    vider_cache()
    yield fournisseur
    vider_cache()


@pytest.fixture
def fournisseur_oidc_live(fournisseur_oidc, live_server, settings):
    settings.URL_PORTAIL = live_server.url
    fournisseur_oidc.inscrire_portail(live_server.url)
    return fournisseur_oidc


class ParcoursOIDC:
    """Un utilisateur qui se connecte : le client de test joue le navigateur côté portail, `requests` côté
    fournisseur (vraies requêtes HTTP)."""

    def __init__(self, client, fournisseur):
        self.client = client
        self.fournisseur = fournisseur

    def demarrer(self, saveur, suivant=None):
        """Clic sur « S'identifier avec … » : renvoie l'URL d'autorisation chez le fournisseur."""
        url = reverse("oidc:connexion", args=[saveur])
        reponse = self.client.get(url, {"next": suivant} if suivant else None)
        assert reponse.status_code == 302, reponse
        assert reponse["Location"].startswith(self.fournisseur.emetteur(saveur) + "/authorize?")
        return reponse["Location"]

    def choisir(self, url_autorisation, persona=None, annuler=False):
        """Page du fournisseur : un clic sur une persona. Renvoie l'URL de retour (chemin + requête)."""
        page = requests.get(url_autorisation, timeout=5)
        assert page.status_code == 200, page.text
        demande = re.search(r'name="demande" value="([^"]+)"', page.text).group(1)
        donnees = {"demande": demande, **({"annuler": "1"} if annuler else {"persona": persona})}
        cible = urlsplit(url_autorisation)
        reponse = requests.post(
            f"{cible.scheme}://{cible.netloc}{cible.path}", data=donnees, allow_redirects=False, timeout=5
        )
        assert reponse.status_code == 302, reponse.text
        return self.chemin(reponse.headers["Location"])

    @staticmethod
    def chemin(url):
        morceaux = urlsplit(url)
        return f"{morceaux.path}?{morceaux.query}" if morceaux.query else morceaux.path

    @staticmethod
    def parametres(url):
        return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}

    def connecter(self, saveur, persona):
        """Échange complet ; renvoie la réponse du portail à l'URL de retour."""
        retour = self.choisir(self.demarrer(saveur), persona)
        return self.client.get(retour)

    def deconnecter(self):
        """POST sur la déconnexion du portail ; renvoie la réponse (redirection vers le fournisseur)."""
        return self.client.post(reverse("portail:deconnexion"))

    def suivre_fin_de_session(self, url_fin_de_session):
        """Le fournisseur valide l'id_token_hint et renvoie vers le portail (303, comme ProConnect) avec le state."""
        reponse = requests.get(url_fin_de_session, allow_redirects=False, timeout=5)
        assert reponse.status_code == 303, reponse.text
        return reponse.headers["Location"]


@pytest.fixture
def parcours_oidc(client, fournisseur_oidc):
    return ParcoursOIDC(client, fournisseur_oidc)

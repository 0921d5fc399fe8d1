"""Configuration des fournisseurs OIDC, lue dans les réglages à chaque appel, et découverte mise en cache."""

import threading
import time
from dataclasses import dataclass

import requests
from django.conf import settings
from django.http import Http404
from django.urls import reverse

from portail.enums import Fournisseur

DUREE_CACHE = 300  # secondes : découverte et JWKS de chaque fournisseur
_cache = {}
_verrou = threading.Lock()


class ErreurFournisseur(Exception):
    """Le fournisseur est injoignable ou a répondu de façon inattendue."""


@dataclass(frozen=True)
class ConfigFournisseur:
    nom: str
    url_decouverte: str
    client_id: str
    client_secret: str
    scopes: str
    acr: str

    @property
    def libelle(self):
        return Fournisseur(self.nom).label

    def decouverte(self):
        return _obtenir(self.url_decouverte)

    def point(self, cle):
        valeur = self.decouverte().get(cle)
        if not valeur:
            raise ErreurFournisseur(f"{cle} absent de la découverte de {self.nom}")
        return valeur

    @property
    def emetteur(self):
        return self.point("issuer")

    def jwks(self, rafraichir=False):
        return _obtenir(self.point("jwks_uri"), rafraichir=rafraichir)

    def url_retour(self):
        return settings.URL_PORTAIL + reverse("oidc:retour", args=[self.nom])

    def url_retour_deconnexion(self):
        return settings.URL_PORTAIL + reverse("oidc:retour_deconnexion", args=[self.nom])


def config(nom):
    """Configuration d'un fournisseur connu, ou `Http404`."""
    reglages = getattr(settings, "OIDC_FOURNISSEURS", {}).get(nom)
    if nom not in Fournisseur.values or not reglages:
        raise Http404("Fournisseur d’identité inconnu")
    return ConfigFournisseur(
        nom=nom,
        url_decouverte=reglages["URL_DECOUVERTE"],
        client_id=reglages["CLIENT_ID"],
        client_secret=reglages["CLIENT_SECRET"],
        scopes=reglages["SCOPES"],
        acr=reglages.get("ACR", ""),
    )


def _obtenir(url, rafraichir=False):
    maintenant = time.monotonic()
    with _verrou:
        entree = _cache.get(url)
    if entree and not rafraichir and entree[0] > maintenant:
        return entree[1]
    try:
        reponse = requests.get(url, timeout=settings.OIDC_TIMEOUT, headers={"Accept": "application/json"})
        reponse.raise_for_status()
        document = reponse.json()
    except (requests.RequestException, ValueError) as erreur:
        raise ErreurFournisseur(f"{url} : {erreur}") from erreur
    if not isinstance(document, dict):
        raise ErreurFournisseur(f"{url} : document inattendu")
    with _verrou:
        _cache[url] = (maintenant + DUREE_CACHE, document)
    return document


def vider_cache():
    with _verrou:
        _cache.clear()

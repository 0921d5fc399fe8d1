"""Adresse IP du client, vue derrière le nombre configuré de proxys inverses de confiance.

Une seule fonction pour tout le portail : limiteurs de débit (ceux d'allauth compris, par
`AdaptateurCompte.get_client_ip`) et journal d'audit (`Evenement.journaliser`).

Chaque proxy de confiance ajoute à droite de `X-Forwarded-For` l'adresse de qui lui a parlé. Avec
`NOMBRE_PROXYS_DE_CONFIANCE = n`, l'adresse du client est donc la n-ième en partant de la droite ;
tout ce qui est plus à gauche a pu être écrit par le client lui-même et n'est jamais lu.
Avec n = 0 (développement, tests), seul `REMOTE_ADDR` compte et l'en-tête est ignoré.
"""

import ipaddress

from django.conf import settings


def _adresse_valide(valeur):
    try:
        return str(ipaddress.ip_address(valeur.strip()))
    except ValueError:
        return None


def ip_client(request) -> str:
    """Adresse IP du client (chaîne vide si elle est inconnue)."""
    distante = request.META.get("REMOTE_ADDR", "") or ""
    nombre = int(getattr(settings, "NOMBRE_PROXYS_DE_CONFIANCE", 0) or 0)
    if nombre <= 0:
        return distante
    chaine = [morceau.strip() for morceau in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chaine = [morceau for morceau in chaine if morceau]
    if not chaine:
        # Requête arrivée sans passer par le proxy (contrôle de santé interne, par exemple).
        return distante
    # Moins d'entrées que de proxys : la plus à gauche a tout de même été écrite par un proxy de confiance.
    candidate = chaine[-nombre] if len(chaine) >= nombre else chaine[0]
    return _adresse_valide(candidate) or distante

"""Limitation de débit : un seul limiteur pour tout le portail, celui de django-allauth.

- Les parcours de compte par courriel (connexion, inscription, mot de passe oublié…) sont limités par
  allauth lui-même, selon `ACCOUNT_RATE_LIMITS`.
- Les autres routes appellent `consommer(request, action)`, avec les limites de `LIMITES_DE_DEBIT`
  (même format : « nombre/durée/par », par `ip`, `key` ou `user`, plusieurs limites séparées par des
  virgules).

Le limiteur garde, par clé, la date des tentatives *acceptées* pendant la durée de la limite : une
tentative refusée n'est pas comptée et ne prolonge rien. Sous un trafic continu, l'accès se rouvre donc
au plus tard une durée après la première tentative acceptée (contrairement à un compteur dont
l'expiration serait repoussée à chaque tentative).

L'adresse IP est celle de `portail.reseau.ip_client` (proxys de confiance). Redis en panne : le cache
tolérant (`portail.cache_tolerant`) laisse passer les requêtes avec un avertissement journalisé.
"""

from allauth.core.internal import ratelimit as _allauth
from django.conf import settings
from django.shortcuts import render


def consommer(request, action, *, key=None, user=None) -> bool:
    """Compte une tentative pour `action` ; faux si une limite est atteinte (la tentative n'est pas comptée).

    `request` peut être None pour une limite seulement « par user » ou « par key »."""
    usage = _allauth.consume(
        request,
        app="portail",
        action=action,
        config=settings.LIMITES_DE_DEBIT,
        key=key,
        user=user,
        limit_get=True,
    )
    return usage is not None


class DebitDepasse(Exception):
    """Limite atteinte hors d'une vue (par exemple par agent) ; le message est à montrer tel quel."""


def reponse_429(request):
    return render(request, "429.html", status=429)


def tenter(request, action, *, key=None, user=None):
    """Comme `consommer`, mais renvoie l'usage (à annuler par `usage.rollback()` si la tentative réussit : seuls
    les échecs comptent, comme la connexion par courriel d'allauth), ou None si une limite est atteinte."""
    return _allauth.consume(
        request,
        app="portail",
        action=action,
        config=settings.LIMITES_DE_DEBIT,
        key=key,
        user=user,
        limit_get=True,
    )

"""Gardes de rôle. La connexion est déjà exigée par LoginRequiredMiddleware."""

from functools import wraps

from django.core.exceptions import PermissionDenied


def role_requis(*roles):
    """Réservé aux agents actifs ayant au moins un des rôles donnés."""

    noms = {str(r) for r in roles}

    def decorateur(vue):
        @wraps(vue)
        def enveloppe(request, *args, **kwargs):
            user = request.user
            if not (user.is_authenticated and user.est_agent and user.roles & noms):
                raise PermissionDenied
            return vue(request, *args, **kwargs)

        return enveloppe

    return decorateur


def usager_requis(vue):
    @wraps(vue)
    def enveloppe(request, *args, **kwargs):
        if not (request.user.is_authenticated and request.user.est_usager):
            raise PermissionDenied
        return vue(request, *args, **kwargs)

    return enveloppe


def agent_requis(vue):
    """Réservé aux agents ; le rôle est alors vérifié par la vue (dans la requête qui lit l'objet)."""

    @wraps(vue)
    def enveloppe(request, *args, **kwargs):
        if not (request.user.is_authenticated and request.user.est_agent):
            raise PermissionDenied
        return vue(request, *args, **kwargs)

    return enveloppe

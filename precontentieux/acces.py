"""Garde des écrans du back-office : agents du ministère de la Justice seulement.

Un usager, un agent des forces de l'ordre ou toute autre personne reçoit un 404 (l'espace n'existe pas
pour lui) ; un agent du ministère sans le rôle voulu reçoit un refus (403). La connexion est déjà exigée
par LoginRequiredMiddleware. La portée des objets reste celle de `Dossier.objects.visibles_par(user)`.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404

from portail.enums import ROLES_MJ


def est_hors_back_office(user):
    """Vrai pour qui ne doit même pas savoir que le back-office existe (404)."""
    return not (user.is_authenticated and user.is_active and user.est_agent) or user.est_forces_de_l_ordre


def back_office(*roles):
    """Réserve une vue aux agents du ministère ayant au moins un des rôles (par défaut : tout rôle MJ)."""

    noms = {str(r) for r in (roles or ROLES_MJ)}

    def decorateur(vue):
        @wraps(vue)
        def enveloppe(request, *args, **kwargs):
            user = request.user
            if est_hors_back_office(user):
                raise Http404
            if not user.roles & noms:
                raise PermissionDenied
            return vue(request, *args, **kwargs)

        enveloppe.roles_back_office = frozenset(noms)
        return enveloppe

    return decorateur


def dossier_visible(request, reference, queryset=None):
    """Le dossier désigné par sa référence, dans la portée de l'agent (`visibles_par`) ; 404 sinon."""
    from django.shortcuts import get_object_or_404

    from precontentieux.models import Dossier

    queryset = queryset if queryset is not None else Dossier.objects.all()
    return get_object_or_404(queryset.visibles_par(request.user), reference=reference)

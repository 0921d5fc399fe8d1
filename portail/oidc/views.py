# Provisoire : remplacé par la couche ProConnect / FranceConnect.
from django.contrib.auth.decorators import login_not_required
from django.http import Http404


@login_not_required
def connexion(request, fournisseur):
    raise Http404


@login_not_required
def retour(request, fournisseur):
    raise Http404


@login_not_required
def retour_deconnexion(request, fournisseur):
    raise Http404

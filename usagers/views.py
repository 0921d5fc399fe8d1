from django.shortcuts import render

from portail.permissions import usager_requis


@usager_requis
def accueil(request):
    return render(request, "usagers/accueil.html")

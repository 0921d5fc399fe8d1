from django.shortcuts import render

from portail.enums import Role
from portail.permissions import role_requis


@role_requis(Role.FORCES_DE_L_ORDRE)
def accueil(request):
    return render(request, "declarations/accueil.html")

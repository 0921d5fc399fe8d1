from django.shortcuts import render

from portail.enums import ROLES_MJ
from portail.permissions import role_requis


@role_requis(*ROLES_MJ)
def accueil(request):
    return render(request, "precontentieux/accueil.html")

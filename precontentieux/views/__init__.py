"""Écrans du back-office du précontentieux, un module par usage.

- `files` : files d'attente par rôle ;
- `recherche` : recherche plein texte, filtres, export CSV ;
- `dossier` : fiche dossier (demande, déclaration, pièces, échanges, notes, historique, journal des consultations) ;
- `instruction` : attribution, réattribution, démarrage, demande de compléments, actions à motif.

`precontentieux` n'importe jamais `declarations` ni `usagers` : la déclaration se lit par `dossier.declaration`.
"""

from django.shortcuts import render

from precontentieux import navigation
from precontentieux.acces import back_office
from precontentieux.files_attente import files_de


@back_office()
def accueil(request):
    nombres = navigation.compteurs(request)
    tuiles = [(file, nombres[file.cle]) for file in files_de(request.user)]
    return render(request, "precontentieux/accueil.html", {"tuiles": tuiles})

"""Files d'attente : une page par file de la table `precontentieux/files_attente.py`."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from precontentieux.acces import back_office
from precontentieux.files_attente import FILES_PAR_CLE, ordonner
from precontentieux.listes import paginer


@back_office()
def file_attente(request, cle):
    file = FILES_PAR_CLE.get(cle)
    if file is None:
        raise Http404
    if file.role not in request.user.roles:
        raise PermissionDenied
    tris = file.tris
    tri = request.GET.get("tri") if request.GET.get("tri") in tris else file.tri_par_defaut
    page = paginer(request, ordonner(file.dossiers(request.user), tri, tris), date_attente=file.date_attente)
    return render(
        request,
        file.gabarit,
        {"file": file, "page": page, "tri": tri, "tris": [(cle, libelle) for cle, (libelle, _) in tris.items()]},
    )

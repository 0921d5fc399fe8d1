"""Files d'attente : une page par file de la table `precontentieux/files_attente.py`."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from precontentieux.acces import back_office
from precontentieux.courriers import montant_en_chiffres
from precontentieux.files_attente import FILES_PAR_CLE, TRIS, ordonner
from precontentieux.listes import paginer


@back_office()
def file_attente(request, cle):
    file = FILES_PAR_CLE.get(cle)
    if file is None:
        raise Http404
    if file.role not in request.user.roles:
        raise PermissionDenied
    if file.ordre:
        page = paginer(request, file.dossiers(request.user).order_by(*file.ordre))
        return render(request, file.gabarit, {"file": file, "page": page, "lignes": _attentes(file, page)})
    tri = request.GET.get("tri") if request.GET.get("tri") in TRIS else "echeance"
    page = paginer(request, ordonner(file.dossiers(request.user), tri))
    return render(
        request,
        file.gabarit,
        {"file": file, "page": page, "tri": tri, "tris": [(cle, libelle) for cle, (libelle, _) in TRIS.items()]},
    )


def _attentes(file, page):
    """[(ligne, montant proposé, date d'entrée dans la file, jours d'attente)] pour les files du paiement."""
    aujourd_hui = timezone.localdate()
    lignes = []
    for ligne in page.object_list:
        moment = getattr(ligne.dossier, file.champ_date)
        date = timezone.localdate(moment) if moment else None
        lignes.append((ligne, _montant(ligne.dossier), date, (aujourd_hui - date).days if date else None))
    return lignes


def _montant(dossier):
    return montant_en_chiffres(dossier.montant_propose)

"""Tableau de bord chiffré (tout rôle de la Justice) et export CSV de chacun de ses tableaux."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from precontentieux import statistiques, tableur
from precontentieux.acces import back_office


@back_office()
@require_safe
def tableau_de_bord(request):
    periode = statistiques.periode_courante()
    tableaux = statistiques.calculer(periode)
    return render(
        request,
        "precontentieux/statistiques.html",
        {"tableaux": tableaux, "periode": periode, "montants_disponibles": statistiques.champ_montant() is not None},
    )


@back_office()
@require_safe
def export_csv(request, cle):
    """Un tableau en CSV, comme l'export de la recherche : UTF-8 avec BOM, « ; », formules neutralisées."""
    tableau = statistiques.TABLEAUX[cle](statistiques.periode_courante())
    contenu = "".join(tableur.lignes_csv(tableau.lignes_csv()))
    reponse = HttpResponse(contenu.encode("utf-8"), content_type="text/csv; charset=utf-8")
    nom = f"statistiques-{cle}-{timezone.localdate():%Y-%m-%d}.csv"
    reponse["Content-Disposition"] = f'attachment; filename="{nom}"'
    reponse["Cache-Control"] = "no-store"
    return reponse

"""Recherche de dossiers et export CSV de la recherche courante."""

from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from portail.enums import TypeEvenement
from portail.models import Evenement
from precontentieux import tableur
from precontentieux.acces import back_office
from precontentieux.files_attente import ordonner
from precontentieux.horloge import Echeance
from precontentieux.listes import paginer
from precontentieux.models import Dossier
from precontentieux.recherche import RechercheForm

ENTETES_CSV = [
    "Référence",
    "Statut",
    "Requérant",
    "Adresse du bris de porte",
    "Code postal",
    "Commune",
    "Déposé le",
    "Date de rejet implicite",
    "Jours restants",
    "Rédacteur",
]


def _formulaire(request):
    """Formulaire lié aux paramètres GET (ou non lié à la première visite) et dossiers correspondants."""
    form = RechercheForm(request.GET or None)
    dossiers = Dossier.objects.visibles_par(request.user)
    if form.is_bound and not form.is_valid():
        return form, None
    if not form.is_bound:
        form.cleaned_data = {}
    return form, ordonner(form.filtrer(dossiers), form.tri_choisi)


@back_office()
def recherche(request):
    form, dossiers = _formulaire(request)
    page = paginer(request, dossiers) if dossiers is not None else None
    return render(
        request,
        "precontentieux/recherche.html",
        {"form": form, "page": page, "parametres": request.GET.urlencode()},
    )


def _lignes_csv(dossiers):
    aujourd_hui = timezone.localdate()

    def lignes():
        yield ENTETES_CSV
        for dossier in dossiers.select_related("redacteur").iterator(chunk_size=2000):
            echeance = Echeance.du_dossier(dossier, aujourd_hui)
            redacteur = dossier.redacteur
            yield (
                dossier.reference,
                dossier.get_statut_display(),
                dossier.nom_requerant,
                ", ".join(p for p in (dossier.adresse_voie, dossier.adresse_complement) if p),
                dossier.adresse_code_postal,
                dossier.adresse_ville,
                dossier.date_depot.strftime("%d/%m/%Y") if dossier.date_depot else "",
                echeance.date.strftime("%d/%m/%Y") if echeance.date else "",
                echeance.libelle if echeance.compte else "",
                (redacteur.nom_complet or redacteur.email) if redacteur else "Non attribué",
            )

    return tableur.lignes_csv(lignes())


@back_office()
def export_csv(request):
    form, dossiers = _formulaire(request)
    if dossiers is None:
        return render(
            request, "precontentieux/recherche.html", {"form": form, "page": None, "parametres": ""}, status=400
        )
    Evenement.journaliser(
        TypeEvenement.EXPORT_RECHERCHE,
        acteur=request.user,
        request=request,
        criteres=form.criteres(),
        nombre=dossiers.count(),
    )
    reponse = StreamingHttpResponse(_lignes_csv(dossiers), content_type="text/csv; charset=utf-8")
    reponse["Content-Disposition"] = f'attachment; filename="dossiers-{timezone.localdate():%Y-%m-%d}.csv"'
    reponse["Cache-Control"] = "no-store"
    return reponse

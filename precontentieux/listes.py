"""Listes paginées de dossiers du back-office (files et recherche) : même pagination, mêmes lignes.

Pagination en « jointure différée » : la page d'identifiants est lue sur l'index du tri
(`ORDER BY depose_le, id LIMIT … OFFSET …`, sans jointure), puis les seules lignes de la page sont
chargées avec leur rédacteur. Le nombre de requêtes est le même pour 5 et 50 lignes (compte, page
d'identifiants, lignes), et la page 500 ne joint pas les milliers de lignes qu'elle saute.
"""

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.utils import timezone

from precontentieux.enums import StatutDossier
from precontentieux.horloge import Echeance
from precontentieux.models import Dossier

PAR_PAGE = 20
PAR_PAGE_MAX = 100

# Couleur du badge de statut (classes DSFR).
CLASSES_BADGE = {
    StatutDossier.DEPOSE: "fr-badge--new",
    StatutDossier.A_INSTRUIRE: "fr-badge--info",
    StatutDossier.EN_INSTRUCTION: "fr-badge--info",
    StatutDossier.ATTENTE_COMPLEMENTS: "fr-badge--warning",
    StatutDossier.PROPOSITION_A_SIGNER: "fr-badge--purple-glycine",
    StatutDossier.REJET_A_SIGNER: "fr-badge--purple-glycine",
    StatutDossier.REJETE: "fr-badge--error",
    StatutDossier.INDEMNISE: "fr-badge--success",
    StatutDossier.CLOTURE: "fr-badge--no-icon",
}


@dataclass(frozen=True)
class Ligne:
    dossier: Dossier
    echeance: Echeance
    # Files de signature : depuis quand le dossier attend (décision ou arrêté préparé), en jours.
    attente_depuis: object = None
    jours_attente: int | None = None

    @property
    def classe_badge(self):
        return CLASSES_BADGE.get(self.dossier.statut, "fr-badge--no-icon")

    @property
    def nom_redacteur(self):
        redacteur = self.dossier.redacteur
        return (redacteur.nom_complet or redacteur.email) if redacteur else ""


def par_page(request):
    try:
        valeur = int(request.GET.get("par_page", PAR_PAGE))
    except ValueError:
        return PAR_PAGE
    return min(max(valeur, 1), PAR_PAGE_MAX)


def paginer(request, dossiers, date_attente=""):
    """Page demandée (`?page=`) d'un queryset de dossiers déjà filtré et ordonné ; lignes prêtes à afficher.

    `date_attente` (files de signature) : colonne datée dont on calcule l'ancienneté de chaque ligne."""
    paginator = Paginator(dossiers.values_list("pk", flat=True), par_page(request))
    page = paginator.get_page(request.GET.get("page"))
    identifiants = list(page.object_list)
    lignes = {}
    if identifiants:
        lignes = {d.pk: d for d in Dossier.objects.filter(pk__in=identifiants).select_related("redacteur")}
    aujourd_hui = timezone.localdate()
    page.object_list = [_ligne(lignes[i], aujourd_hui, date_attente) for i in identifiants]
    page.pages = list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    return page


def _ligne(dossier, aujourd_hui, date_attente):
    echeance = Echeance.du_dossier(dossier, aujourd_hui)
    depuis = getattr(dossier, date_attente) if date_attente else None
    if depuis is None:
        return Ligne(dossier, echeance)
    return Ligne(dossier, echeance, depuis, (aujourd_hui - timezone.localdate(depuis)).days)

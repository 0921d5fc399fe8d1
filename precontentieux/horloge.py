"""Horloge légale d'un dossier (règle : docs/horloge-legale.md).

La demande préalable d'indemnisation restée sans réponse deux mois après son dépôt est implicitement
rejetée : `dossier.date_rejet_implicite` (dépôt + 2 mois) ; le requérant a ensuite deux mois pour saisir
le tribunal administratif : `dossier.date_limite_recours`. L'horloge ne compte que pour les dossiers
dont la décision n'est pas encore signée (`ETATS_HORLOGE`).

La date de rejet implicite ne dépend que de la date de dépôt, et croît avec elle : trier par échéance,
c'est trier par date de dépôt, et « échéance avant tel jour » se traduit en « déposé avant tel jour »,
ce qui garde les files et la recherche sur l'index de `depose_le`.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from portail.utils import ajouter_mois
from precontentieux.enums import ETATS_HORLOGE

DELAI_REJET_IMPLICITE_MOIS = 2
# En dessous de ce nombre de jours avant le rejet implicite, l'échéance est signalée (rouge, récapitulatif).
SEUIL_ALERTE_JOURS = 15


def premier_depot_non_echu(jour):
    """Plus petite date de dépôt dont la date de rejet implicite tombe le `jour` ou après.

    Un dossier déposé avant cette date a dépassé son échéance au `jour` donné.
    """
    depot = jour - datetime.timedelta(days=31 * DELAI_REJET_IMPLICITE_MOIS + 3)
    while ajouter_mois(depot, DELAI_REJET_IMPLICITE_MOIS) < jour:
        depot += datetime.timedelta(days=1)
    return depot


def debut_du_jour(jour):
    """Minuit (heure de Paris) du jour donné, en date-heure avec fuseau : borne des filtres sur `depose_le`."""
    return timezone.make_aware(datetime.datetime.combine(jour, datetime.time.min))


def filtre_echeance_depassee(aujourd_hui=None):
    """Conditions (kwargs ORM) des dossiers dont la date de rejet implicite est passée."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    return {
        "statut__in": ETATS_HORLOGE,
        "depose_le__lt": debut_du_jour(premier_depot_non_echu(aujourd_hui)),
    }


def filtre_echeance_proche(aujourd_hui=None, jours=SEUIL_ALERTE_JOURS):
    """Conditions des dossiers dont le rejet implicite arrive dans moins de `jours` jours (pas encore passé)."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    return {
        "statut__in": ETATS_HORLOGE,
        "depose_le__gte": debut_du_jour(premier_depot_non_echu(aujourd_hui)),
        "depose_le__lt": debut_du_jour(premier_depot_non_echu(aujourd_hui + datetime.timedelta(days=jours))),
    }


@dataclass(frozen=True)
class Echeance:
    """Ce que les files affichent de l'horloge d'un dossier."""

    date: datetime.date | None
    jours_restants: int | None

    @classmethod
    def du_dossier(cls, dossier, aujourd_hui):
        if dossier.statut not in ETATS_HORLOGE or not dossier.depose_le:
            return cls(date=dossier.date_rejet_implicite, jours_restants=None)
        date = dossier.date_rejet_implicite
        return cls(date=date, jours_restants=(date - aujourd_hui).days)

    @property
    def compte(self):
        return self.jours_restants is not None

    @property
    def depassee(self):
        return self.compte and self.jours_restants < 0

    @property
    def proche(self):
        """Moins de SEUIL_ALERTE_JOURS jours restants (rouge), échéance comprise, dépassement exclu."""
        return self.compte and 0 <= self.jours_restants < SEUIL_ALERTE_JOURS

    @property
    def libelle(self):
        if not self.compte:
            return "—"
        if self.depassee:
            return "dépassé"
        if self.jours_restants == 0:
            return "aujourd’hui"
        return f"{self.jours_restants} jour{'s' if self.jours_restants > 1 else ''}"

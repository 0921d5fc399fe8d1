"""Récapitulatif quotidien des échéances (horloge légale, docs/horloge-legale.md).

Chaque rédacteur actif reçoit, au plus une fois par jour, la liste de ses dossiers dont la date de rejet
implicite est passée ou tombe dans moins de `SEUIL_ALERTE_JOURS` jours. Idempotent : le courriel du jour
est une ligne de la boîte d'envoi marquée (`contexte.jour`, `contexte.redacteur_id`) ; un second passage le
même jour (reprise de beat, lancement manuel, deux workers) la trouve et n'écrit rien, la ligne du
rédacteur étant verrouillée pendant la vérification.
"""

import datetime
from itertools import groupby

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portail.emails import programmer_email
from portail.enums import Role
from portail.models import EmailSortant, Utilisateur
from portail.utils import date_fr
from precontentieux.horloge import ETATS_HORLOGE, SEUIL_ALERTE_JOURS, Echeance, debut_du_jour, premier_depot_non_echu
from precontentieux.models import Dossier

GABARIT = "recapitulatif_echeances"


def dossiers_a_signaler(aujourd_hui):
    """Dossiers attribués, décision non signée, rejet implicite passé ou dans moins de 15 jours (une requête)."""
    limite = debut_du_jour(premier_depot_non_echu(aujourd_hui + datetime.timedelta(days=SEUIL_ALERTE_JOURS)))
    return (
        Dossier.objects.filter(
            redacteur__isnull=False,
            redacteur__is_active=True,
            redacteur__groups__name=Role.REDACTEUR,
            statut__in=ETATS_HORLOGE,
            depose_le__lt=limite,
        )
        .select_related("redacteur")
        .order_by("redacteur_id", "depose_le", "pk")
    )


def _contexte(redacteur, dossiers, aujourd_hui):
    lignes = []
    for dossier in dossiers:
        echeance = Echeance.du_dossier(dossier, aujourd_hui)
        lignes.append(
            {
                "reference": dossier.reference,
                "statut": dossier.get_statut_display(),
                "requerant": dossier.nom_requerant,
                "date_rejet_implicite": date_fr(echeance.date),
                "depassee": echeance.depassee,
                "libelle": echeance.libelle,
            }
        )
    return {
        "jour": aujourd_hui.isoformat(),
        "redacteur_id": redacteur.pk,
        "nom": redacteur.nom_complet,
        "date": date_fr(aujourd_hui),
        "depassees": [ligne for ligne in lignes if ligne["depassee"]],
        "proches": [ligne for ligne in lignes if not ligne["depassee"]],
        "seuil_jours": SEUIL_ALERTE_JOURS,
        "url_back_office": settings.URL_PORTAIL + reverse("precontentieux:accueil"),
    }


def envoyer_recapitulatifs(aujourd_hui=None):
    """Écrit le récapitulatif du jour de chaque rédacteur concerné ; renvoie le nombre de courriels écrits."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    ecrits = 0
    for redacteur_id, dossiers in groupby(dossiers_a_signaler(aujourd_hui), key=lambda d: d.redacteur_id):
        dossiers = list(dossiers)
        redacteur = dossiers[0].redacteur
        if not redacteur.email:
            continue
        with transaction.atomic():
            # Verrou sur le rédacteur : deux passages simultanés ne peuvent pas écrire chacun leur courriel.
            Utilisateur.objects.select_for_update().filter(pk=redacteur_id).first()
            deja = EmailSortant.objects.filter(
                gabarit=GABARIT, contexte__jour=aujourd_hui.isoformat(), contexte__redacteur_id=redacteur_id
            ).exists()
            if deja:
                continue
            programmer_email(GABARIT, redacteur.email, _contexte(redacteur, dossiers, aujourd_hui))
            ecrits += 1
    return ecrits

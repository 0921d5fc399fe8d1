"""Relances des agents des forces de l'ordre (Celery beat ; docs/relances.md).

- Déclaration complète (tous les champs requis valides, aucun document en analyse ou refusé) restée en brouillon
  24 heures sans modification : un rappel à l'agent, une seule fois par déclaration.
- Dernière invitation d'un dossier expirée sans avoir servi (dossier toujours à compléter, personne rattaché) :
  l'agent est prévenu, une fois par invitation, et peut réinviter depuis « Mes déclarations ».

Idempotent : `une_seule_fois` (jeton dérivé de la clé, `EnvoiUnique`) dans la transaction qui écrit le courriel.
Les agents se connectent par ProConnect : leur adresse vient du fournisseur d'identité.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from declarations.enums import StatutDeclaration
from declarations.models import Declaration, _champs_manquants
from portail.emails import programmer_email
from portail.utils import ajouter_mois, date_fr
from precontentieux.enums import StatutDossier
from precontentieux.instruction import une_seule_fois
from precontentieux.models import Invitation

DELAI_RELANCE_BROUILLON = datetime.timedelta(hours=24)
# Un brouillon jamais envoyé est supprimé après six mois sans modification (precontentieux/rgpd.py).
MOIS_CONSERVATION_BROUILLON = 6


def _jour(date_heure):
    return date_fr(timezone.localdate(date_heure))


def brouillons_complets_oublies(maintenant):
    """Brouillons non modifiés depuis 24 h dont les champs requis sont remplis (filtre SQL), puis vérifiés un à un
    par la règle de l'envoi (`_champs_manquants` : mêmes champs, documents analysés)."""
    requis = Q()
    for champ in Declaration.CHAMPS_REQUIS:
        requis &= Q(**{f"{champ}__isnull": False})
        if Declaration._meta.get_field(champ).get_internal_type() in ("CharField", "TextField"):
            requis &= ~Q(**{champ: ""})
    usager = Q(coordonnees_usager=False) | Q(
        coordonnees_usager=True, **{f"{c}__gt": "" for c in Declaration.CHAMPS_REQUIS_USAGER}
    )
    candidates = (
        Declaration.objects.filter(
            requis,
            usager,
            statut=StatutDeclaration.BROUILLON,
            modifie_le__lte=maintenant - DELAI_RELANCE_BROUILLON,
            agent__is_active=True,
        )
        .exclude(agent__email="")
        .select_related("agent")
        .order_by("pk")
    )
    return [d for d in candidates if not _champs_manquants(d)]


def relancer_brouillons(maintenant=None):
    maintenant = maintenant or timezone.now()
    envoyes = 0
    for declaration in brouillons_complets_oublies(maintenant):
        with transaction.atomic():
            if not une_seule_fois(f"relance_declaration:{declaration.pk}", declaration.agent):
                continue
            programmer_email(
                "relance_declaration",
                declaration.agent.email,
                {
                    "adresse": declaration.adresse,
                    "date_operation": date_fr(declaration.date_operation),
                    "coordonnees_usager": bool(declaration.coordonnees_usager),
                    "date_suppression": date_fr(
                        ajouter_mois(timezone.localdate(declaration.modifie_le), MOIS_CONSERVATION_BROUILLON)
                    ),
                    "url_declaration": settings.URL_PORTAIL + reverse("declarations:reprendre", args=[declaration.pk]),
                },
            )
        envoyes += 1
    return envoyes


def invitations_expirees(maintenant):
    """Dernière invitation de chaque dossier à compléter sans requérant, expirée sans avoir servi."""
    derniere = Invitation.objects.filter(dossier=OuterRef("dossier")).order_by("-cree_le", "-id").values("pk")[:1]
    return (
        Invitation.objects.filter(
            pk=Subquery(derniere),
            utilisee_le__isnull=True,
            expire_le__lte=maintenant,
            dossier__statut=StatutDossier.A_COMPLETER,
            dossier__requerant__isnull=True,
            dossier__declaration__isnull=False,
        )
        .select_related("dossier", "dossier__declaration", "dossier__declaration__agent")
        .order_by("pk")
    )


def prevenir_invitations_expirees(maintenant=None):
    maintenant = maintenant or timezone.now()
    envoyes = 0
    for invitation in invitations_expirees(maintenant):
        declaration = invitation.dossier.declaration
        agent = declaration.agent
        if not (agent.is_active and agent.email):
            continue
        with transaction.atomic():
            if not une_seule_fois(f"invitation_expiree:{invitation.pk}", agent):
                continue
            programmer_email(
                "invitation_expiree",
                agent.email,
                {
                    "reference": declaration.reference,
                    "adresse": invitation.dossier.adresse,
                    "date_invitation": _jour(invitation.cree_le),
                    "expire_le": _jour(invitation.expire_le),
                    "url_reinviter": settings.URL_PORTAIL
                    + reverse("declarations:voir", args=[declaration.pk])
                    + "#inviter",
                },
            )
        envoyes += 1
    return envoyes


def relancer(maintenant=None):
    """Les deux relances des agents ; compteurs pour le journal des tâches."""
    return {
        "declarations_non_envoyees": relancer_brouillons(maintenant),
        "invitations_expirees": prevenir_invitations_expirees(maintenant),
    }

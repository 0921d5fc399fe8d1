"""Relances et clôture automatique des demandes « à compléter » (Celery beat, chaque jour ; docs/relances.md).

- Relances de l'usager 7 et 30 jours après la dernière invitation (ou la création du dossier, sans invitation) :
  vers l'adresse prouvée du requérant si le dossier est rattaché à un compte, sinon vers l'adresse de
  l'invitation (celle que l'agent a donnée, comme l'invitation elle-même).
- 90 jours sans activité (dernière modification, dernière invitation, dernière pièce) : transition `cloturer`
  par le système (acteur None), courriel « cloture » qui dit comment recommencer.

Idempotent : chaque relance est consommée une fois (`une_seule_fois`, jeton dérivé de « dossier, invitation,
palier ») dans la transaction qui écrit le courriel ; la clôture est une transition (UPDATE conditionnel à
l'état). Deux battements, un nouvel essai ou deux workers n'envoient jamais deux fois.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Prefetch
from django.urls import reverse
from django.utils import timezone

from portail.adresses import adresse_prouvee
from portail.emails import programmer_email
from portail.utils import date_fr
from precontentieux.enums import StatutDossier
from precontentieux.instruction import une_seule_fois
from precontentieux.models import Dossier, Invitation, TransitionInterdite

PALIERS_JOURS = (7, 30)
DELAI_CLOTURE = datetime.timedelta(days=90)
MOTIF_SANS_SUITE = (
    "Clôture automatique sans suite : la demande est restée à compléter, sans activité, pendant 90 jours."
)


def _jour(date_heure):
    return date_fr(timezone.localdate(date_heure))


def derniere_activite(dossier, invitation):
    dates = [dossier.cree_le, dossier.modifie_le]
    if invitation is not None:
        dates.append(invitation.cree_le)
    if dossier.derniere_piece:
        dates.append(dossier.derniere_piece)
    return max(dates)


def _candidats():
    return (
        Dossier.objects.filter(statut=StatutDossier.A_COMPLETER)
        .select_related("requerant", "declaration__agent")
        .annotate(derniere_piece=Max("pieces__ajoutee_le"))
        .prefetch_related(Prefetch("invitations", queryset=Invitation.objects.order_by("-cree_le", "-id")))
        .order_by("pk")
    )


def _destinataire(dossier, invitation):
    if dossier.requerant_id:
        return adresse_prouvee(dossier.requerant)
    return invitation.courriel if invitation is not None else ""


def _titulaire_du_jeton(dossier):
    """Compte auquel rattacher le jeton d'envoi unique : le requérant, sinon l'agent qui a déclaré."""
    if dossier.requerant_id:
        return dossier.requerant
    declaration = getattr(dossier, "declaration", None)
    return declaration.agent if declaration is not None else None


def _contexte_relance(dossier, invitation, depart, activite, maintenant):
    return {
        "reference": dossier.reference,
        "adresse": dossier.adresse,
        "rattache": bool(dossier.requerant_id),
        "date_depart": _jour(depart),
        "invitation_expiree": bool(invitation and invitation.expire_le <= maintenant),
        "expire_le": _jour(invitation.expire_le) if invitation else "",
        "date_cloture": _jour(activite + DELAI_CLOTURE),
        "url_demande": settings.URL_PORTAIL + reverse("usagers:demande", args=[dossier.reference]),
        "url_nouveau_lien": settings.URL_PORTAIL + reverse("usagers:nouveau_lien"),
    }


def cloturer_sans_suite(dossier, invitation):
    """Transition `cloturer` par le système ; le courriel part au requérant (adresse prouvée, par la table) ou,
    dossier jamais rattaché, à l'adresse de la dernière invitation. Vrai si le dossier a été clôturé ici."""
    with transaction.atomic():
        try:
            dossier.cloturer(None, MOTIF_SANS_SUITE)
        except TransitionInterdite:
            return False  # déjà clôturé ou parti (autre exécution, dépôt entre-temps)
        maintenant = timezone.now()
        # Les liens encore valables ne servent plus à rien : ils expirent avec le dossier.
        Invitation.objects.filter(dossier=dossier, utilisee_le__isnull=True, expire_le__gt=maintenant).update(
            expire_le=maintenant
        )
        if not dossier.requerant_id and invitation is not None:
            programmer_email("cloture", invitation.courriel, dossier.contexte_courriel(MOTIF_SANS_SUITE, systeme=True))
    return True


def relancer_demandes_a_completer(maintenant=None):
    """Relances à 7 et 30 jours, clôture à 90 jours sans activité ; renvoie les compteurs (journal)."""
    maintenant = maintenant or timezone.now()
    compteurs = {"relances_7_jours": 0, "relances_30_jours": 0, "clotures": 0, "sans_adresse": 0}
    for dossier in _candidats():
        invitations = list(dossier.invitations.all())
        invitation = invitations[0] if invitations else None
        depart = invitation.cree_le if invitation else dossier.cree_le
        activite = derniere_activite(dossier, invitation)
        if maintenant - activite >= DELAI_CLOTURE:
            compteurs["clotures"] += cloturer_sans_suite(dossier, invitation)
            continue
        paliers = [j for j in PALIERS_JOURS if maintenant - depart >= datetime.timedelta(days=j)]
        if not paliers:
            continue
        palier = paliers[-1]  # une exécution manquée n'envoie pas deux rappels d'un coup
        destinataire = _destinataire(dossier, invitation)
        titulaire = _titulaire_du_jeton(dossier)
        if not destinataire or titulaire is None:
            compteurs["sans_adresse"] += 1
            continue
        cle = f"relance_demande:{dossier.pk}:{invitation.pk if invitation else 0}:{palier}"
        with transaction.atomic():
            if not une_seule_fois(cle, titulaire):
                continue
            programmer_email(
                "relance_demande", destinataire, _contexte_relance(dossier, invitation, depart, activite, maintenant)
            )
        compteurs[f"relances_{palier}_jours"] += 1
    return compteurs

"""Gestion des agents par un gestionnaire : accès en attente, rôles, désactivation et réactivation.

Chaque opération :
- vérifie qui agit (`refus_gestion`) : un gestionnaire actif (ou un superutilisateur), jamais sur un compte
  d'usager, jamais sur un superutilisateur s'il n'en est pas un, jamais sur lui-même pour se désactiver ;
- verrouille les gestionnaires avant de retirer un rôle de gestionnaire ou de désactiver : il en reste toujours
  au moins un actif (`dernier_gestionnaire`) ;
- n'écrit qu'en cas de changement (un double clic ne fait rien de plus), dans une transaction, avec **un**
  événement d'audit (qui, quoi, avant, après, motif) et le courriel éventuel (boîte d'envoi, adresse prouvée).

Les rôles des forces de l'ordre viennent de leur administration (ProConnect) : ils ne se modifient pas ici.
Une désactivation supprime les sessions ouvertes du compte (base et cache) ; la connexion ProConnect suivante
est refusée (`portail.oidc.backends.ProConnectBackend`).
"""

import datetime
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from portail.adresses import adresse_prouvee
from portail.enums import ORDRE_ROLES_MJ, ROLES_MJ, CodeAdministration, Role, TypeEvenement, TypeUtilisateur
from portail.models import Evenement, SessionUtilisateur, Utilisateur

NOMS_ROLES_MJ = {str(r) for r in ROLES_MJ}


class RefusGestion(Exception):
    """Opération refusée ; le message est à montrer tel quel au gestionnaire."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Resultat:
    change: bool
    message: str


# --- Listes ---------------------------------------------------------------------------------------


def agents():
    """Tous les comptes d'agents, avec leur administration et leurs rôles (deux requêtes pour une page)."""
    return (
        Utilisateur.objects.filter(type=TypeUtilisateur.AGENT)
        .select_related("administration")
        .prefetch_related(Prefetch("groups", queryset=Group.objects.only("id", "name")))
    )


def agents_en_attente():
    """Agents du ministère de la Justice (comptes créés à leur connexion ProConnect), actifs, sans aucun rôle."""
    return (
        agents()
        .filter(administration__code=CodeAdministration.MJ, is_active=True)
        .exclude(groups__name__in=NOMS_ROLES_MJ)
        .order_by("date_joined", "pk")
    )


def est_en_attente(agent):
    return (
        agent.est_agent
        and agent.is_active
        and agent.administration is not None
        and agent.administration.code == CodeAdministration.MJ
        and not (agent.roles & NOMS_ROLES_MJ)
    )


def roles_modifiables(agent):
    """Seuls les agents du ministère de la Justice reçoivent des rôles du ministère ; jamais un superutilisateur
    sans administration, ni un agent des forces de l'ordre."""
    return (
        agent.est_agent and agent.administration_id is not None and agent.administration.code == CodeAdministration.MJ
    )


# --- Gardes ---------------------------------------------------------------------------------------


def refus_gestion(acteur, agent):
    """Raison pour laquelle `acteur` ne peut pas modifier le compte `agent`, ou chaîne vide."""
    if not (acteur.is_active and (acteur.is_superuser or (acteur.est_agent and acteur.a_role(Role.GESTIONNAIRE)))):
        return "Seul un gestionnaire peut modifier les comptes des agents."
    if not agent.est_agent:
        return "Ce compte n’est pas un compte d’agent."
    if agent.is_superuser and not acteur.is_superuser:
        return "Ce compte est un compte d’exploitation (superutilisateur) : seul un superutilisateur peut le modifier."
    return ""


def _verifier(acteur, agent):
    raison = refus_gestion(acteur, agent)
    if raison:
        raise RefusGestion(raison)


def _verrouiller(agent):
    """Relit le compte sous verrou (deux gestionnaires, deux onglets : l'un attend l'autre)."""
    return Utilisateur.objects.select_for_update(of=("self",)).select_related("administration").get(pk=agent.pk)


def dernier_gestionnaire(agent):
    """Vrai si `agent` est le seul gestionnaire actif. Verrouille les gestionnaires : appelé dans la transaction."""
    gestionnaires = list(
        Utilisateur.objects.select_for_update(of=("self",))
        .filter(type=TypeUtilisateur.AGENT, is_active=True, groups__name=Role.GESTIONNAIRE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return gestionnaires == [agent.pk]


def _noms_roles(agent):
    return sorted(agent.groups.values_list("name", flat=True), key=_ordre)


def _ordre(nom):
    ordre = [str(r) for r in ORDRE_ROLES_MJ] + [str(Role.FORCES_DE_L_ORDRE)]
    return ordre.index(nom) if nom in ordre else len(ordre)


def libelles(noms):
    return [Role(nom).label if nom in Role.values else nom for nom in sorted(noms, key=_ordre)]


def _journaliser(type_evenement, acteur, agent, request, **details):
    return Evenement.journaliser(type_evenement, acteur=acteur, cible=agent, request=request, **details)


class _SansJournalDesSignaux:
    """Les opérations ci-dessous écrivent leur propre événement : les signaux d'audit se taisent."""

    def __enter__(self):
        from portail.signals import journal_par_le_domaine

        self._jeton = journal_par_le_domaine.set(True)

    def __exit__(self, *exc):
        from portail.signals import journal_par_le_domaine

        journal_par_le_domaine.reset(self._jeton)


# --- Rôles ----------------------------------------------------------------------------------------


def _appliquer_roles(acteur, agent, roles, motif, request, type_evenement):
    """Remplace les rôles du ministère de `agent` par `roles` ; renvoie (avant, après) ou None sans changement."""
    voulus = {str(r) for r in roles}
    if not voulus <= NOMS_ROLES_MJ:
        raise RefusGestion("Rôle inconnu.")
    agent = _verrouiller(agent)
    _verifier(acteur, agent)
    if not roles_modifiables(agent):
        raise RefusGestion(
            "Les rôles des agents des forces de l’ordre viennent de leur administration : ils ne se modifient pas ici."
        )
    avant = set(_noms_roles(agent))
    actuels_mj = avant & NOMS_ROLES_MJ
    if voulus == actuels_mj:
        return agent, None
    retires, ajoutes = actuels_mj - voulus, voulus - actuels_mj
    if Role.GESTIONNAIRE in retires and dernier_gestionnaire(agent):
        raise RefusGestion(
            "Cet agent est le dernier gestionnaire actif : accordez d’abord le rôle de gestionnaire à un autre agent."
        )
    with _SansJournalDesSignaux():
        if retires:
            agent.groups.remove(*Group.objects.filter(name__in=retires))
        if ajoutes:
            agent.groups.add(*[Group.objects.get_or_create(name=nom)[0] for nom in sorted(ajoutes)])
    apres = set(_noms_roles(agent))
    _journaliser(
        type_evenement,
        acteur,
        agent,
        request,
        avant=sorted(avant, key=_ordre),
        apres=sorted(apres, key=_ordre),
        motif=motif,
    )
    agent.__dict__.pop("_roles_cache", None)
    return agent, (avant, apres)


def accorder_acces(acteur, agent, roles, *, motif="", request=None):
    """Premier accès d'un agent en attente : rôles accordés et courriel à l'agent."""
    if not roles:
        raise RefusGestion("Cochez au moins un rôle.")
    with transaction.atomic():
        verrouille = _verrouiller(agent)
        _verifier(acteur, verrouille)
        if not verrouille.is_active:
            raise RefusGestion("Ce compte est désactivé : réactivez-le d’abord.")
        if not est_en_attente(verrouille):
            return Resultat(False, "Cet agent a déjà un rôle : sa demande d’accès est déjà traitée.")
        agent, changement = _appliquer_roles(acteur, verrouille, roles, motif, request, TypeEvenement.ACCES_ACCORDE)
        _courriel(
            agent,
            "agent_acces_accorde",
            roles=libelles(changement[1] & NOMS_ROLES_MJ),
            url_connexion=f"{settings.URL_PORTAIL}{reverse('portail:connexion')}",
        )
    return Resultat(True, f"Accès accordé à {nom(agent)}, qui en est averti par courriel.")


def modifier_roles(acteur, agent, roles, *, motif, request=None):
    with transaction.atomic():
        agent, changement = _appliquer_roles(acteur, agent, roles, motif, request, TypeEvenement.ROLES_MODIFIES)
    if changement is None:
        return Resultat(False, "Aucun changement : les rôles cochés sont ceux que l’agent a déjà.")
    return Resultat(True, f"Les rôles de {nom(agent)} sont modifiés.")


# --- Activation -----------------------------------------------------------------------------------


def refuser_acces(acteur, agent, *, motif, request=None):
    """Demande d'accès refusée : le compte est désactivé (connexion refusée ensuite) et l'agent est averti."""
    with transaction.atomic():
        verrouille = _verrouiller(agent)
        _verifier(acteur, verrouille)
        if not est_en_attente(verrouille):
            return Resultat(False, "Cette demande d’accès est déjà traitée.")
        _desactiver(acteur, verrouille, motif, request, TypeEvenement.ACCES_REFUSE)
        _courriel(verrouille, "agent_acces_refuse", motif=motif)
    return Resultat(True, f"La demande d’accès de {nom(verrouille)} est refusée ; l’agent en est averti par courriel.")


def desactiver(acteur, agent, *, motif, request=None):
    with transaction.atomic():
        verrouille = _verrouiller(agent)
        _verifier(acteur, verrouille)
        if verrouille.pk == acteur.pk:
            raise RefusGestion("Vous ne pouvez pas désactiver votre propre compte.")
        if not verrouille.is_active:
            return Resultat(False, "Ce compte est déjà désactivé.")
        if verrouille.a_role(Role.GESTIONNAIRE) and dernier_gestionnaire(verrouille):
            raise RefusGestion("Cet agent est le dernier gestionnaire actif : il ne peut pas être désactivé.")
        _desactiver(acteur, verrouille, motif, request, TypeEvenement.AGENT_DESACTIVE)
    return Resultat(True, f"Le compte de {nom(verrouille)} est désactivé ; ses sessions sont terminées.")


def _desactiver(acteur, agent, motif, request, type_evenement):
    Utilisateur.objects.filter(pk=agent.pk, is_active=True).update(is_active=False)
    agent.is_active = False
    sessions = terminer_sessions(agent)
    _journaliser(type_evenement, acteur, agent, request, avant="actif", apres="inactif", motif=motif, sessions=sessions)


def reactiver(acteur, agent, *, motif, request=None):
    with transaction.atomic():
        verrouille = _verrouiller(agent)
        _verifier(acteur, verrouille)
        if verrouille.is_active:
            return Resultat(False, "Ce compte est déjà actif.")
        Utilisateur.objects.filter(pk=verrouille.pk, is_active=False).update(is_active=True)
        verrouille.is_active = True
        _journaliser(
            TypeEvenement.AGENT_REACTIVE, acteur, verrouille, request, avant="inactif", apres="actif", motif=motif
        )
    return Resultat(True, f"Le compte de {nom(verrouille)} est réactivé.")


# --- Sessions -------------------------------------------------------------------------------------


def _magasin():
    return import_module(settings.SESSION_ENGINE).SessionStore


def noter_session_ouverte(request, utilisateur):
    """À la connexion : note la clé de la session (et oublie les lignes de ce compte plus vieilles qu'une session)."""
    session = getattr(request, "session", None)
    if session is None or not getattr(utilisateur, "pk", None):
        return
    if session.session_key is None:
        session.save()
    limite = timezone.now() - datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    SessionUtilisateur.objects.filter(utilisateur=utilisateur, ouverte_le__lt=limite).delete()
    SessionUtilisateur.objects.update_or_create(cle_session=session.session_key, defaults={"utilisateur": utilisateur})


def terminer_sessions(utilisateur):
    """Supprime les sessions ouvertes du compte, en base et dans le cache (cached_db). Renvoie leur nombre."""
    magasin = _magasin()
    cles = list(SessionUtilisateur.objects.filter(utilisateur=utilisateur).values_list("cle_session", flat=True))
    for cle in cles:
        magasin(session_key=cle).delete()
    SessionUtilisateur.objects.filter(cle_session__in=cles).delete()
    return len(cles)


# --- Courriels ------------------------------------------------------------------------------------


def _courriel(agent, gabarit, **contexte):
    """Vers l'adresse prouvée du compte seulement (pour un agent : celle que ProConnect a transmise)."""
    from portail.emails import programmer_email

    adresse = adresse_prouvee(agent)
    if adresse:
        programmer_email(gabarit, adresse, contexte)


def nom(agent):
    return agent.nom_complet or agent.email or agent.identifiant


def recherche(queryset, texte):
    """Chaque mot doit se trouver dans le prénom, le nom ou l'adresse électronique."""
    for mot in texte.split():
        queryset = queryset.filter(Q(prenom__icontains=mot) | Q(nom__icontains=mot) | Q(email__icontains=mot))
    return queryset

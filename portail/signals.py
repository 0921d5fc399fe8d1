"""Signaux du portail : journal des comptes par courriel, rôles réservés aux agents, audit des rôles et de
l'activation des comptes, sessions ouvertes par compte."""

import contextvars

from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver

from portail.comptes import signaux  # noqa: F401  (journal des comptes par courriel)
from portail.enums import EtatAnalyse, TypeEvenement, TypeUtilisateur
from portail.models import Evenement, PieceAnalysee, RoleInterdit, Utilisateur

# Requête en cours, pour nommer l'acteur d'un changement de rôle (voir ActeurCourantMiddleware).
_requete_courante = contextvars.ContextVar("requete_courante", default=None)

# Vrai pendant une opération de `portail.agents` : elle écrit elle-même un événement plus complet (avant, après,
# motif) ; les signaux ci-dessous ne journalisent que les changements faits par un autre chemin (admin, shell).
journal_par_le_domaine = contextvars.ContextVar("journal_par_le_domaine", default=False)


class ActeurCourantMiddleware:
    """Facultatif (après AuthenticationMiddleware) : rend l'utilisateur connecté visible des signaux."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        jeton = _requete_courante.set(request)
        try:
            return self.get_response(request)
        finally:
            _requete_courante.reset(jeton)


def _acteur_et_requete():
    requete = _requete_courante.get()
    user = getattr(requete, "user", None)
    return (user if user is not None and user.is_authenticated else None), requete


@receiver(m2m_changed, sender=Utilisateur.groups.through, dispatch_uid="portail_roles_agents_seulement")
def roles_agents_seulement(sender, instance, action, reverse, model, pk_set, **kwargs):
    """Couche modèle : un rôle ne s'ajoute qu'à un compte d'agent (la base l'impose aussi, migration 0005)."""
    if action != "pre_add" or not pk_set:
        return
    if reverse:  # groupe.user_set.add(...)
        if Utilisateur.objects.filter(pk__in=pk_set).exclude(type=TypeUtilisateur.AGENT).exists():
            raise RoleInterdit
    elif not instance.est_agent:
        raise RoleInterdit


@receiver(pre_save, sender=Utilisateur, dispatch_uid="portail_type_avec_roles")
def type_compatible_avec_les_roles(sender, instance, raw=False, update_fields=None, **kwargs):
    """Un compte qui porte des rôles ne devient pas un compte d'usager."""
    if raw or instance.est_agent or not instance.pk:
        return
    if update_fields is not None and "type" not in update_fields:
        return
    if instance.groups.exists():
        raise RoleInterdit


@receiver(m2m_changed, sender=Utilisateur.groups.through, dispatch_uid="portail_audit_roles")
def journaliser_roles(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action == "pre_clear":
        # Mémorise ce qui va être retiré (post_clear ne donne pas la liste).
        if reverse:
            instance._avant_clear = list(instance.user_set.values_list("pk", flat=True))
        else:
            instance._avant_clear = list(instance.groups.values_list("pk", flat=True))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if journal_par_le_domaine.get():
        instance.__dict__.pop("_roles_cache", None)
        return
    if action == "post_clear":
        pk_set = set(getattr(instance, "_avant_clear", []))
    if not pk_set:
        return
    if reverse:  # groupe.user_set.add(...) : instance = groupe, pk_set = utilisateurs
        couples = [(u, instance.name) for u in Utilisateur.objects.filter(pk__in=pk_set)]
    else:
        couples = [(instance, nom) for nom in Group.objects.filter(pk__in=pk_set).values_list("name", flat=True)]
    type_evenement = TypeEvenement.ROLE_ACCORDE if action == "post_add" else TypeEvenement.ROLE_RETIRE
    acteur, requete = _acteur_et_requete()
    for utilisateur, role in couples:
        Evenement.journaliser(type_evenement, acteur=acteur, cible=utilisateur, request=requete, role=role)
        utilisateur.__dict__.pop("_roles_cache", None)


@receiver(pre_save, sender=Utilisateur, dispatch_uid="portail_audit_activation_avant")
def memoriser_activation(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or not instance.pk or (update_fields is not None and "is_active" not in update_fields):
        return
    instance._etait_actif = Utilisateur.objects.filter(pk=instance.pk).values_list("is_active", flat=True).first()


@receiver(post_save, sender=Utilisateur, dispatch_uid="portail_audit_activation_apres")
def journaliser_activation(sender, instance, created=False, raw=False, **kwargs):
    etait_actif = instance.__dict__.pop("_etait_actif", None)
    if raw or created or etait_actif is None or etait_actif == instance.is_active or not instance.est_agent:
        return
    if journal_par_le_domaine.get():
        return
    acteur, requete = _acteur_et_requete()
    type_evenement = TypeEvenement.AGENT_REACTIVE if instance.is_active else TypeEvenement.AGENT_DESACTIVE
    Evenement.journaliser(type_evenement, acteur=acteur, cible=instance, request=requete)


@receiver(pre_save, dispatch_uid="portail_analyse_antivirus_desactivee")
def piece_sans_antivirus(sender, instance, raw=False, **kwargs):
    """Antivirus désactivé (mode embarqué) : la pièce naît « non analysée », rien n'est à attendre."""
    if raw or not isinstance(instance, PieceAnalysee) or not instance._state.adding:
        return
    from portail.antivirus import analyse_active

    if instance.etat_analyse == EtatAnalyse.EN_ANALYSE and not analyse_active():
        instance.etat_analyse = EtatAnalyse.NON_ANALYSEE


@receiver(post_save, dispatch_uid="portail_analyse_antivirus")
def programmer_analyse_antivirus(sender, instance, created, raw=False, **kwargs):
    """Toute pièce jointe créée (déclaration ou demande) est analysée par l'antivirus après le COMMIT."""
    if created and not raw and isinstance(instance, PieceAnalysee) and instance.en_analyse:
        from portail.antivirus import programmer_analyse

        programmer_analyse(instance)


@receiver(user_logged_in, dispatch_uid="portail_session_ouverte")
def noter_session(sender, request, user, **kwargs):
    """Toute connexion (ProConnect, FranceConnect, courriel, admin) note la clé de sa session (portail.agents)."""
    from portail.agents import noter_session_ouverte

    noter_session_ouverte(request, user)


@receiver(user_logged_out, dispatch_uid="portail_session_fermee")
def oublier_session(sender, request, user, **kwargs):
    from portail.models import SessionUtilisateur

    cle = getattr(getattr(request, "session", None), "session_key", None)
    if cle:
        SessionUtilisateur.objects.filter(cle_session=cle).delete()

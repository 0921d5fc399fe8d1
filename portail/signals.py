"""Signaux du portail : journal des comptes par courriel, audit des rôles et de l'activation des comptes."""

import contextvars

from django.contrib.auth.models import Group, Permission
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver

from portail.comptes import signaux  # noqa: F401  (journal des comptes par courriel)
from portail.enums import EtatAnalyse, Role, TypeEvenement
from portail.models import Evenement, PieceAnalysee, Utilisateur

# Requête en cours, pour nommer l'acteur d'un changement de rôle (voir ActeurCourantMiddleware).
_requete_courante = contextvars.ContextVar("requete_courante", default=None)

# Droits du rôle gestionnaire dans l'admin : gérer les agents et la table des administrations.
PERMISSIONS_GESTIONNAIRE = [
    ("portail", "utilisateur", ("view", "change")),
    ("portail", "administration", ("view", "change", "add")),
    ("portail", "evenement", ("view",)),
    ("portail", "identiteoidc", ("view",)),
]


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


def assurer_permissions_gestionnaire():
    groupe = Group.objects.get_or_create(name=Role.GESTIONNAIRE)[0]
    codenames = [f"{action}_{modele}" for _, modele, actions in PERMISSIONS_GESTIONNAIRE for action in actions]
    permissions = Permission.objects.filter(content_type__app_label="portail", codename__in=codenames)
    groupe.permissions.add(*permissions)
    return groupe


def _acces_admin(utilisateur_ids):
    """Le rôle gestionnaire ouvre l'admin ; le perdre la ferme (sauf superutilisateur)."""
    gestionnaires = set(
        Utilisateur.objects.filter(pk__in=utilisateur_ids, groups__name=Role.GESTIONNAIRE).values_list("pk", flat=True)
    )
    if gestionnaires:
        assurer_permissions_gestionnaire()
        Utilisateur.objects.filter(pk__in=gestionnaires).update(is_staff=True)
    autres = set(utilisateur_ids) - gestionnaires
    Utilisateur.objects.filter(pk__in=autres, is_staff=True, is_superuser=False).update(is_staff=False)
    return gestionnaires


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
    if any(role == Role.GESTIONNAIRE for _, role in couples):
        utilisateurs = {u.pk: u for u, _ in couples}
        gestionnaires = _acces_admin(list(utilisateurs))
        for pk, utilisateur in utilisateurs.items():
            utilisateur.is_staff = pk in gestionnaires or utilisateur.is_superuser


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

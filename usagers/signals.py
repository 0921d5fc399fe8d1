"""Signaux de l'espace usager à la connexion (courriel ou FranceConnect) : rattachement du dossier, identité
certifiée relue."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from usagers.demande.assistant import CLE_CHAMPS_CERTIFIES
from usagers.invitations import rattacher_invitation_en_attente


@receiver(user_logged_in, dispatch_uid="usagers_rattacher_invitation")
def rattacher_a_la_connexion(sender, request, user, **kwargs):
    # allauth et nos vues OIDC appellent tous deux django.contrib.auth.login : un seul point d'entrée.
    if request is not None:
        rattacher_invitation_en_attente(request, user)


@receiver(user_logged_in, dispatch_uid="usagers_oublier_champs_certifies")
def oublier_champs_certifies(sender, request, user, **kwargs):
    # Une nouvelle connexion FranceConnect peut apporter une autre identité certifiée.
    if request is not None and hasattr(request, "session"):
        request.session.pop(CLE_CHAMPS_CERTIFIES, None)

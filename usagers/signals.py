"""Signaux de l'espace usager : rattachement du dossier à la connexion (courriel ou FranceConnect)."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from usagers.invitations import rattacher_invitation_en_attente


@receiver(user_logged_in, dispatch_uid="usagers_rattacher_invitation")
def rattacher_a_la_connexion(sender, request, user, **kwargs):
    # allauth et nos vues OIDC appellent tous deux django.contrib.auth.login : un seul point d'entrée.
    if request is not None:
        rattacher_invitation_en_attente(request, user)

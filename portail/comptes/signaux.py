"""Journal d'audit des comptes par courriel (branché depuis portail/signals.py)."""

from allauth.account.signals import user_logged_in as connexion_allauth
from allauth.account.signals import user_signed_up
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from portail.enums import TypeEvenement
from portail.models import Evenement


@receiver(user_signed_up, dispatch_uid="comptes_inscription")
def journaliser_inscription(sender, request, user, **kwargs):
    Evenement.journaliser(TypeEvenement.INSCRIPTION, acteur=user, cible=user, request=request, methode="courriel")


@receiver(connexion_allauth, dispatch_uid="comptes_connexion")
def journaliser_connexion(sender, request, user, **kwargs):
    Evenement.journaliser(TypeEvenement.CONNEXION, acteur=user, request=request, methode="courriel")


@receiver(user_login_failed, dispatch_uid="comptes_echec_connexion")
def journaliser_echec_connexion(sender, credentials, request=None, **kwargs):
    # Seules les tentatives par courriel + mot de passe (allauth) ; jamais le mot de passe.
    courriel = credentials.get("email")
    if not courriel:
        return
    details = {"methode": "courriel"}
    if "@" in courriel:
        details["courriel"] = courriel.strip().lower()[:254]
    Evenement.journaliser(TypeEvenement.ECHEC_CONNEXION, request=request, **details)

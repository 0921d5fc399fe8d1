"""Adaptateur allauth : comptes par courriel des usagers.

- l'identifiant d'un compte par courriel est l'adresse en minuscules, le type est « usager » ;
- les courriels passent par notre boîte d'envoi (`portail.emails.programmer_email`) ;
- les liens des courriels sont construits sur `URL_PORTAIL`, jamais sur l'en-tête Host ;
- messages d'erreur en français, génériques (pas d'énumération des comptes).
"""

import logging

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from portail.enums import TypeEvenement, TypeUtilisateur

logger = logging.getLogger(__name__)

# Gabarits allauth → gabarits de notre boîte d'envoi (templates/emails/<gabarit>/).
GABARITS = {
    "account/email/email_confirmation_signup": "compte_verification",
    "account/email/email_confirmation": "compte_verification",
    "account/email/password_reset_key": "compte_reinitialisation",
    "account/email/unknown_account": "compte_inconnu",
    "account/email/account_already_exists": "compte_existant",
}

MESSAGES_ERREUR = {
    "account_inactive": "Ce compte est désactivé.",
    "email_password_mismatch": "L’adresse électronique ou le mot de passe est incorrect.",
    "email_taken": "Cette adresse électronique ne peut pas être utilisée.",
    "enter_current_password": "Saisissez votre mot de passe actuel.",
    "incorrect_password": "Mot de passe incorrect.",
    "invalid_login": "L’adresse électronique ou le mot de passe est incorrect.",
    "invalid_password_reset": "Ce lien de réinitialisation n’est pas valide ou a déjà été utilisé.",
    "too_many_login_attempts": (
        "Trop de tentatives de connexion. Par sécurité, patientez quelques minutes avant de réessayer."
    ),
    "rate_limited": "Trop de demandes en peu de temps. Patientez quelques minutes avant de réessayer.",
    "unverified_primary_email": "Votre adresse électronique doit d’abord être vérifiée.",
    "same_as_current": "La nouvelle valeur doit être différente de l’actuelle.",
}


def url_absolue(chemin):
    return f"{settings.URL_PORTAIL}{chemin}"


class AdaptateurCompte(DefaultAccountAdapter):
    error_messages = {**DefaultAccountAdapter.error_messages, **MESSAGES_ERREUR}

    # --- création du compte -------------------------------------------------------------

    def populate_username(self, request, user):
        user.identifiant = user.email.lower()

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.email = user.email.lower()
        user.identifiant = user.email
        user.type = TypeUtilisateur.USAGER
        if commit:
            user.save()
        return user

    # --- authentification ---------------------------------------------------------------

    def get_client_ip(self, request):
        # Une seule fonction d'adresse IP pour tous les limiteurs et le journal (proxys de confiance).
        from portail.reseau import ip_client

        return ip_client(request) or "0.0.0.0"  # noqa: S104 (clé de limitation, jamais une adresse d'écoute)

    def pre_authenticate(self, request, **credentials):
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            # Limitation atteinte : aucun mot de passe n'est vérifié (ni haché) pour cette tentative.
            from portail.models import Evenement

            Evenement.journaliser(
                TypeEvenement.ECHEC_CONNEXION, request=request, methode="courriel", motif="limitation"
            )
            raise

    def get_email_verification_redirect_url(self, email_address):
        # Après confirmation (sans connexion automatique) : page de connexion par courriel.
        if self.request.user.is_authenticated:
            return super().get_email_verification_redirect_url(email_address)
        return reverse("account_login")

    # --- liens et courriels -------------------------------------------------------------

    def get_email_confirmation_url(self, request, emailconfirmation):
        return url_absolue(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def get_reset_password_from_key_url(self, key):
        chemin = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return url_absolue(chemin.replace("UID-KEY", key))

    def send_mail(self, template_prefix, email, context):
        from portail.emails import programmer_email

        gabarit = GABARITS.get(template_prefix)
        if gabarit is None:
            # Aucune notification allauth n'est activée en dehors de celles ci-dessus.
            logger.warning("Courriel allauth sans gabarit portail ignoré : %s", template_prefix)
            return
        contexte = {
            "url_portail": settings.URL_PORTAIL,
            "url_connexion": url_absolue(reverse("account_login")),
            "url_choix_connexion": url_absolue(reverse("portail:connexion")),
            "url_inscription": url_absolue(reverse("account_signup")),
            "url_reinitialisation": url_absolue(reverse("account_reset_password")),
            "validite_verification_jours": allauth_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS,
            "validite_reinitialisation_jours": settings.PASSWORD_RESET_TIMEOUT // 86400,
        }
        # Uniquement des chaînes : le contexte est stocké en JSON dans EmailSortant.
        if "activate_url" in context:
            contexte["activate_url"] = str(context["activate_url"])
        if "password_reset_url" in context and gabarit == "compte_reinitialisation":
            contexte["password_reset_url"] = str(context["password_reset_url"])
        programmer_email(gabarit, email, contexte)

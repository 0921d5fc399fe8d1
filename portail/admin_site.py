"""L'administration Django, outil « bris de glace » (docs/administration.md) : superutilisateurs seulement.

- l'accès (`has_permission`) et la connexion (`FormulaireConnexionAdmin`) exigent un superutilisateur actif :
  ni le rôle de gestionnaire ni `is_staff` n'y suffisent (la gestion des agents est dans le back-office) ;
- la connexion est limitée en débit par le limiteur unique du portail (`LIMITES_DE_DEBIT["connexion_admin"]`,
  par adresse IP et par identifiant saisi ; seuls les échecs comptent) et chaque tentative est journalisée
  (`Evenement`, méthode « admin »), réussie, refusée ou limitée.
"""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from portail.enums import TypeEvenement
from portail.limiteurs import reponse_429, tenter
from portail.saisie import NormalisationSaisieMixin


class FormulaireConnexionAdmin(NormalisationSaisieMixin, AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": "Identifiant ou mot de passe incorrect. L’administration est réservée aux superutilisateurs.",
    }

    def confirm_login_allowed(self, user):
        if not (user.is_active and user.is_superuser):
            raise ValidationError(self.error_messages["invalid_login"], code="invalid_login")


class SiteAdministration(admin.AdminSite):
    site_header = "Mon Indemnisation Justice — administration"
    site_title = "Mon Indemnisation Justice"
    login_form = FormulaireConnexionAdmin

    def has_permission(self, request):
        user = request.user
        return user.is_active and user.is_superuser

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        if request.method != "POST":
            return super().login(request, extra_context)
        from portail.models import Evenement

        identifiant = str(request.POST.get("username", "")).strip().lower()[:150]
        usage = tenter(request, "connexion_admin", key=identifiant or "-")
        if usage is None:
            Evenement.journaliser(
                TypeEvenement.ECHEC_CONNEXION,
                request=request,
                methode="admin",
                identifiant=identifiant,
                motif="limitation",
            )
            return reponse_429(request)
        reponse = super().login(request, extra_context)
        if request.user.is_authenticated and self.has_permission(request):
            usage.rollback()
            Evenement.journaliser(TypeEvenement.CONNEXION, acteur=request.user, request=request, methode="admin")
        else:
            Evenement.journaliser(
                TypeEvenement.ECHEC_CONNEXION, request=request, methode="admin", identifiant=identifiant
            )
        return reponse

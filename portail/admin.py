from django.contrib import admin, messages

from portail.models import (
    Administration,
    EmailSortant,
    Evenement,
    ExecutionTache,
    IdentiteOIDC,
    RoleInterdit,
    Utilisateur,
)
from portail.saisie import FormulaireAdmin


class FormulaireUtilisateurAdmin(FormulaireAdmin):
    """Un rôle (groupe) ne s'accorde qu'à un compte d'agent : erreur lisible avant le refus du modèle et de la base."""

    def clean(self):
        donnees = super().clean()
        if donnees.get("groups") and not self.instance.est_agent:
            self.add_error("groups", RoleInterdit())
        return donnees


@admin.register(Administration)
class AdministrationAdmin(admin.ModelAdmin):
    form = FormulaireAdmin
    list_display = ["siret", "code", "libelle", "active"]
    list_filter = ["code", "active"]
    search_fields = ["siret", "libelle"]


@admin.register(Utilisateur)
class UtilisateurAdmin(admin.ModelAdmin):
    form = FormulaireUtilisateurAdmin
    list_display = ["email", "nom", "prenom", "type", "administration", "is_active"]
    list_filter = ["type", "administration__code", "is_active", "groups"]
    search_fields = ["email", "nom", "prenom", "identifiant"]
    filter_horizontal = ["groups"]
    fields = [
        "identifiant",
        "email",
        "type",
        "civilite",
        "prenom",
        "nom",
        "telephone",
        "administration",
        "groups",
        "is_active",
        "is_superuser",
        "last_login",
        "date_joined",
    ]
    readonly_fields = ["identifiant", "type", "is_superuser", "last_login", "date_joined"]

    def has_change_permission(self, request, obj=None):
        # Un superutilisateur n'est modifiable que par un superutilisateur (l'admin leur est de toute façon réservée).
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(IdentiteOIDC)
class IdentiteOIDCAdmin(admin.ModelAdmin):
    form = FormulaireAdmin
    list_display = ["fournisseur", "sub", "utilisateur", "derniere_connexion"]
    list_filter = ["fournisseur"]
    readonly_fields = ["utilisateur", "fournisseur", "sub", "claims", "cree_le", "derniere_connexion"]


@admin.register(Evenement)
class EvenementAdmin(admin.ModelAdmin):
    form = FormulaireAdmin
    list_display = ["date", "type", "acteur", "cible", "adresse_ip"]
    list_filter = ["type"]
    readonly_fields = ["date", "type", "acteur", "cible", "adresse_ip", "details"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExecutionTache)
class ExecutionTacheAdmin(admin.ModelAdmin):
    """Journal des tâches planifiées (relances, clôtures, purges) : lecture seule."""

    form = FormulaireAdmin
    list_display = ["debut", "tache", "simulation", "fin", "resultat"]
    list_filter = ["tache", "simulation"]
    readonly_fields = ["tache", "debut", "fin", "simulation", "resultat", "erreur"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EmailSortant)
class EmailSortantAdmin(admin.ModelAdmin):
    form = FormulaireAdmin
    list_display = ["cree_le", "gabarit", "destinataire", "statut", "tentatives", "envoye_le"]
    list_filter = ["statut", "gabarit"]
    search_fields = ["destinataire", "uuid"]
    actions = ["renvoyer"]
    readonly_fields = [
        "uuid",
        "gabarit",
        "destinataire",
        "contexte",
        "sujet",
        "tentatives",
        "derniere_erreur",
        "cree_le",
        "envoye_le",
        "verrou_jusqu_a",
    ]

    @admin.action(description="Renvoyer les courriels sélectionnés (à vérifier ou en échec)")
    def renvoyer(self, request, queryset):
        from portail.emails import renvoyer

        renvoyes = renvoyer(queryset, par=request.user)
        ignores = queryset.count() - renvoyes
        if renvoyes:
            self.message_user(request, f"{renvoyes} courriel(s) remis en file d’envoi.", messages.SUCCESS)
        if ignores:
            self.message_user(
                request,
                f"{ignores} courriel(s) ignoré(s) : seuls les courriels « à vérifier » ou « en échec » peuvent être renvoyés.",
                messages.WARNING,
            )

from django import forms
from django.contrib import admin

from declarations.departements import departement_du_code_postal
from declarations.models import Declaration, PieceJointeDeclaration, Serrurier
from portail.saisie import FormulaireAdmin, NormalisationSaisieMixin


class PieceJointeDeclarationInline(admin.TabularInline):
    form = FormulaireAdmin
    model = PieceJointeDeclaration
    fields = ["nom_original", "type_mime", "taille", "cree_le"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Declaration)
class DeclarationAdmin(admin.ModelAdmin):
    form = FormulaireAdmin
    """Consultation seulement : les déclarations s'écrivent par l'assistant, et sont immuables une fois envoyées."""

    list_display = ["__str__", "statut", "agent", "date_operation", "adresse_ville", "modifie_le", "envoyee_le"]
    list_filter = ["statut"]
    search_fields = ["reference", "adresse_ville", "adresse_code_postal", "agent__email", "dossier__reference"]
    list_select_related = ["agent", "dossier"]
    inlines = [PieceJointeDeclarationInline]
    exclude = ["brouillon"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "brouillon"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return obj is not None and not obj.est_envoyee and super().has_delete_permission(request, obj)


class SerrurierAdminForm(NormalisationSaisieMixin, forms.ModelForm):
    class Meta:
        model = Serrurier
        fields = [
            "raison_sociale",
            "adresse",
            "code_postal",
            "ville",
            "departement",
            "telephone",
            "courriel",
            "horaires",
            "actif",
            "demonstration",
        ]

    def clean(self):
        donnees = super().clean()
        # Code postal modifié sans toucher au département : le département suit le code postal.
        if "code_postal" in self.changed_data and "departement" not in self.changed_data:
            donnees["departement"] = departement_du_code_postal(donnees.get("code_postal", "")) or ""
        return donnees


@admin.register(Serrurier)
class SerrurierAdmin(admin.ModelAdmin):
    form = SerrurierAdminForm
    list_display = ["raison_sociale", "departement", "code_postal", "ville", "telephone", "demonstration", "actif"]
    list_filter = ["actif", "demonstration", "departement"]
    search_fields = ["raison_sociale", "ville", "code_postal", "departement", "telephone"]
    list_editable = ["actif"]
    fieldsets = [
        (None, {"fields": ["raison_sociale", "adresse", "code_postal", "ville", "departement"]}),
        ("Contact", {"fields": ["telephone", "courriel", "horaires"]}),
        ("Publication", {"fields": ["actif", "demonstration"]}),
    ]

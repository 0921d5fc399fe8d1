from django.contrib import admin

from portail.saisie import FormulaireAdmin
from precontentieux.models import Dossier, EvenementDossier, Invitation, MessageDossier, NoteDossier, PieceJointeDossier


class EvenementInline(admin.TabularInline):
    form = FormulaireAdmin
    model = EvenementDossier
    extra = 0
    can_delete = False
    readonly_fields = ("date", "acteur", "type", "statut_avant", "statut_apres", "details")

    def has_add_permission(self, request, obj=None):
        return False


class PieceInline(admin.TabularInline):
    form = FormulaireAdmin
    model = PieceJointeDossier
    extra = 0
    can_delete = False
    fields = ("type", "nom", "type_mime", "taille", "ajoutee_le", "ajoutee_par")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class LectureSeuleInline(admin.TabularInline):
    form = FormulaireAdmin
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class NoteInline(LectureSeuleInline):
    """Notes internes : en ajout seul depuis la fiche, en lecture seule ici."""

    model = NoteDossier
    fields = ("cree_le", "auteur", "texte")


class MessageInline(LectureSeuleInline):
    model = MessageDossier
    fields = ("cree_le", "nature", "auteur", "texte", "pieces_demandees", "relance_le")


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    """Consultation seulement : le statut ne change que par les transitions du modèle."""

    form = FormulaireAdmin

    list_display = ("reference", "statut", "origine", "type_requerant", "requerant", "cree_le", "depose_le")
    list_filter = ("statut", "origine", "type_requerant", "qualite")
    search_fields = ("reference", "nom_naissance", "nom_usage", "raison_sociale", "requerant__email")
    exclude = ("brouillon",)
    inlines = [PieceInline, MessageInline, NoteInline, EvenementInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "brouillon"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    form = FormulaireAdmin
    list_display = ("dossier", "courriel", "cree_le", "expire_le", "utilisee_le")
    exclude = ("empreinte",)
    readonly_fields = (
        "dossier",
        "courriel",
        "civilite",
        "nom",
        "prenom",
        "telephone",
        "cree_le",
        "expire_le",
        "utilisee_le",
        "utilisee_par",
    )

    def has_add_permission(self, request):
        return False

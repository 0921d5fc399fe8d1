from django.contrib import admin

from faq.models import Entree
from portail.saisie import FormulaireAdmin


@admin.register(Entree)
class EntreeAdmin(admin.ModelAdmin):
    form = FormulaireAdmin
    list_display = ["question", "rubrique", "ordre", "publiee", "modifiee_le"]
    list_filter = ["rubrique", "publiee"]
    list_editable = ["ordre", "publiee"]
    search_fields = ["question", "reponse"]
    prepopulated_fields = {"slug": ["question"]}

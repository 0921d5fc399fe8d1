"""Base commune des formulaires DSFR du portail.

`FormulaireDsfr` remplace les ajustements que chaque formulaire répétait autour de `DsfrBaseForm` :
- un seul moteur de rendu pour tous les formulaires (`RENDU`) : instancier un moteur de gabarits par
  formulaire (ce que fait `default_renderer = DsfrDjangoTemplates`, une classe) recompilait les gabarits
  des widgets à chaque affichage ;
- `widget.group_class` toujours défini (lu par les gabarits de champ de django-dsfr) ;
- pas de validation du navigateur (`required` HTML) : les erreurs viennent du serveur, en français ;
- champs facultatifs marqués (DSFR_MARK_OPTIONAL_FIELDS) sans l'avertissement transitoire de django-dsfr ;
- pas de texte indicatif (placeholder, déconseillé par le DSFR) ;
- `resume_erreurs()` : les liens du résumé d'erreurs DSFR, chacun vers son champ.
"""

import re
from decimal import Decimal

from django import forms
from django.forms.renderers import get_default_renderer
from django.forms.utils import ErrorList
from dsfr.forms import DsfrBaseForm
from dsfr.utils import dsfr_input_class_attr

from portail.saisie import NormalisationSaisieMixin


class _RenduPartage:
    """Le moteur de rendu des formulaires (FORM_RENDERER), instancié une fois pour tout le processus."""

    def __get__(self, instance, proprietaire=None):
        return get_default_renderer()


class ListeErreursDsfr(ErrorList):
    """Erreurs de champ au format DSFR (`fr-error-text`), quel que soit l'ordre des applications."""

    template_name = template_name_ul = "account/_erreurs_champ.html"


def cible_du_champ(champ):
    """Identifiant visé par le lien du résumé d'erreurs : le champ, ou le premier bouton d'un groupe de radios
    (un groupe n'a pas d'élément portant l'identifiant du champ)."""
    # Sans passer par `champ.subwidgets` (mis en cache avant que django-dsfr n'ajoute aria-describedby).
    return champ.id_for_label or champ.field.widget.id_for_label(champ.auto_id, 0) or champ.auto_id


class FormulaireDsfr(NormalisationSaisieMixin, DsfrBaseForm):
    """Base DSFR des formulaires du portail (voir le module)."""

    default_renderer = _RenduPartage()
    use_required_attribute = False
    # Classe des listes d'erreurs ; None : celle de Django, rendue par les gabarits de django-dsfr.
    classe_erreurs = None
    # Boutons radio sur une ligne.
    radios_en_ligne = False

    def __init__(self, *args, **kwargs):
        if self.classe_erreurs is not None:
            kwargs.setdefault("error_class", self.classe_erreurs)
        super().__init__(*args, **kwargs)
        personnalise = type(self).personnaliser_champs is not FormulaireDsfr.personnaliser_champs
        if personnalise:
            self.personnaliser_champs()
        for champ in self.fields.values():
            champ.widget.attrs.pop("placeholder", None)
            if not hasattr(champ.widget, "group_class"):
                champ.widget.group_class = "fr-input-group"
            if self.radios_en_ligne and isinstance(champ.widget, forms.RadioSelect):
                champ.widget.inline = True
        if personnalise:
            self.habiller_de_nouveau()

    def personnaliser_champs(self):
        """Point d'adaptation des champs (libellés, aides) avant l'habillage DSFR."""

    def habiller_de_nouveau(self):
        """Après un changement de libellé ou d'aide : recrée les BoundField que DsfrBaseForm a figés."""
        self._bound_fields_cache.clear()
        for visible in self.visible_fields():
            dsfr_input_class_attr(visible)

    def get_context(self):
        # DsfrBaseForm.get_context émet un avertissement transitoire : on fixe la valeur nous-mêmes.
        context = forms.Form.get_context(self)
        context["DSFR_MARK_OPTIONAL_FIELDS"] = True
        return context

    def resume_erreurs(self, cible=cible_du_champ):
        """[{id, libelle, message}] : une entrée par erreur de champ, puis les erreurs générales."""
        erreurs = []
        if not self.is_bound:
            return erreurs
        for champ in self:
            for erreur in champ.errors:
                erreurs.append({"id": cible(champ), "libelle": champ.label, "message": erreur})
        for erreur in self.non_field_errors():
            erreurs.append({"id": "", "libelle": "", "message": erreur})
        return erreurs


class ChampMontant(forms.DecimalField):
    """Montant en euros et centimes, saisi à la française : « 1 250,50 », « 1250.5 », « 80 € ».

    Espaces (y compris insécables) et symbole euro retirés, virgule décimale acceptée ; deux décimales au plus,
    au moins un centime. Messages en français."""

    def __init__(self, *, maximum=Decimal("99999999.99"), **kwargs):
        kwargs.setdefault("max_digits", 10)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0.01"))
        kwargs.setdefault("max_value", maximum)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        messages = {
            "invalid": "Saisissez un montant en euros, par exemple 1 250,50.",
            "max_decimal_places": "Indiquez au plus deux chiffres après la virgule (les centimes).",
            "max_digits": "Ce montant est trop élevé.",
            "max_whole_digits": "Ce montant est trop élevé.",
            "min_value": "Le montant doit être d’au moins 0,01 €.",
            "max_value": "Ce montant est trop élevé.",
            **kwargs.pop("error_messages", {}),
        }
        super().__init__(error_messages=messages, **kwargs)
        self.localize = False

    def to_python(self, value):
        if isinstance(value, str):
            value = re.sub(r"[\s\u00a0\u202f€]", "", value).replace(",", ".")
        return super().to_python(value)

    def prepare_value(self, value):
        """Affiche « 1250,50 » (virgule décimale) plutôt que « 1250.50 »."""
        if isinstance(value, Decimal):
            return f"{value:.2f}".replace(".", ",")
        return value

"""Filtre `date_fr` des gabarits (chargé pour tous, voir `TEMPLATES` dans les réglages).

`{{ jour|date_fr }}` → « 1er janvier 2026 » ; `{{ instant|date_fr:"H:i" }}` → « 1er janvier 2026 à 14:05 »
(heure locale). Le filtre `date` de Django écrirait « 1 janvier ».
`{{ montant|montant_euros }}` → « 1 250,50 € ».
"""

from django import template
from django.utils import formats

from portail.utils import date_fr as _date_fr
from portail.utils import montant_euros as _montant_euros

register = template.Library()


@register.filter(expects_localtime=True)
def date_fr(valeur, format_heure=""):
    if not valeur:
        return ""
    texte = _date_fr(valeur)
    if format_heure:
        texte = f"{texte} à {formats.time_format(valeur, format_heure)}"
    return texte


@register.filter
def montant_euros(valeur):
    """`{{ dossier.montant_demande|montant_euros }}` → « 1 250,50 € » ("" si vide)."""
    return _montant_euros(valeur)


@register.filter
def montant_saisie(valeur):
    """Valeur d'un champ de montant : Decimal("1250.5") → « 1250,50 » ("" si vide)."""
    return "" if valeur in (None, "") else f"{valeur:.2f}".replace(".", ",")

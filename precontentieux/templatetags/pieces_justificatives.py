"""Filtre de gabarit de la table des pièces : le compteur « 3 pièces obligatoires fournies sur 7 »."""

from django import template

from precontentieux.pieces import compter

register = template.Library()


@register.filter
def compteur_pieces(groupes):
    """`groupes` : [{"attendue": PieceAttendue, "fichiers": [pièces]}] (page des pièces) → `Compteur`."""
    return compter([g["attendue"] for g in groupes], [f for g in groupes for f in g["fichiers"]])

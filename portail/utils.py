"""Petits outils partagés : dates en français, ajout de mois, références lisibles."""

import secrets

from django.utils import formats, timezone, translation

# Alphabet sans caractères ambigus (0/O, 1/I/L) pour les références lues au téléphone.
ALPHABET_REFERENCE = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def generer_reference(prefixe, longueur=6):
    return f"{prefixe}-{timezone.now():%Y}-" + "".join(secrets.choice(ALPHABET_REFERENCE) for _ in range(longueur))


def ajouter_mois(date, mois):
    """Même quantième `mois` mois plus tard (ramené au dernier jour du mois si besoin : 31/12 + 2 = 28/02)."""
    annee, index = divmod(date.month - 1 + mois, 12)
    annee += date.year
    mois_cible = index + 1
    for jour in range(date.day, 27, -1):
        try:
            return date.replace(year=annee, month=mois_cible, day=jour)
        except ValueError:
            continue
    return date.replace(year=annee, month=mois_cible, day=min(date.day, 28))


def date_fr(date):
    """« 23 novembre 2026 » (chaîne vide pour une date absente)."""
    if not date:
        return ""
    with translation.override("fr"):
        return formats.date_format(date, "j F Y")

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
    """« 23 novembre 2026 », « 1er janvier 2026 » (le premier du mois s'écrit « 1er » ; chaîne vide sans date)."""
    if not date:
        return ""
    with translation.override("fr"):
        texte = formats.date_format(date, "j F Y")
    return "1er" + texte[1:] if date.day == 1 else texte


def montant_euros(montant):
    """Decimal("1000000.5") → « 1 000 000,50 € » (espaces fines insécables entre les milliers) ; "" si None."""
    from decimal import ROUND_HALF_UP, Decimal

    if montant in (None, ""):
        return ""
    montant = Decimal(montant).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    entier, centimes = f"{montant:.2f}".split(".")
    groupes = f"{int(entier):,}".replace(",", "\u202f")
    return f"{groupes},{centimes}\u00a0€"

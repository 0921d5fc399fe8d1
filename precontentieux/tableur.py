"""Écriture des exports CSV du back-office (recherche, statistiques), lus par un tableur français.

UTF-8 avec BOM (Excel reconnaît l'encodage), séparateur « ; », et toute cellule commençant par `=`, `+`,
`-`, `@` (formule qu'un tableur exécuterait) précédée d'une apostrophe : injection CSV.
"""

import csv

BOM = "\ufeff"


class _Tampon:
    """Objet « fichier » dont `write` renvoie la ligne : csv.writer alimente ainsi un flux."""

    def write(self, valeur):
        return valeur


def cellule(valeur):
    """Neutralise les formules (=, +, -, @) qu'un tableur exécuterait : injection CSV."""
    texte = str(valeur)
    return "'" + texte if texte[:1] in ("=", "+", "-", "@", "\t", "\r") else texte


def lignes_csv(lignes):
    """Les lignes (listes de valeurs) en texte CSV, une à une ; la première commence par le BOM."""
    ecrivain = csv.writer(_Tampon(), delimiter=";")
    for numero, ligne in enumerate(lignes):
        texte = ecrivain.writerow(cellule(v) for v in ligne)
        yield BOM + texte if numero == 0 else texte

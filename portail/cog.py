"""Code officiel géographique (COG) de l'INSEE, embarqué dans le dépôt : code commune → nom, sans appel réseau.

Les données (portail/donnees/cog_communes.csv) sont générées une fois par `outils/generer_cog.py` ; leur source,
leur millésime et la façon de les mettre à jour sont dans docs/donnees-cog.md. Lu au premier appel, gardé en
mémoire (≈ 39 000 lignes).
"""

import csv
from functools import lru_cache
from pathlib import Path

FICHIER_COMMUNES = Path(__file__).resolve().parent / "donnees" / "cog_communes.csv"
CODE_FRANCE = "99100"


@lru_cache(maxsize=1)
def _communes():
    with FICHIER_COMMUNES.open(encoding="utf-8", newline="") as fichier:
        return {ligne["code"]: (ligne["nom"], ligne["departement"]) for ligne in csv.DictReader(fichier, delimiter=";")}


def commune(code):
    """« Lyon (69) » pour « 69123 » ; "" si le code est inconnu du COG embarqué."""
    trouve = _communes().get(str(code or "").strip().upper())
    if trouve is None:
        return ""
    nom, departement = trouve
    return f"{nom} ({departement})" if departement else nom

"""Génère portail/donnees/cog_communes.csv (code INSEE;nom;département) depuis le Code officiel géographique.

Source : le paquet npm `@etalab/decoupage-administratif` (données du COG de l'INSEE, fichier `data/communes.json`),
récupéré une fois par `npm pack @etalab/decoupage-administratif@<version>` ; aucun appel réseau à l'exécution.
Usage : python outils/generer_cog.py chemin/vers/package/data/communes.json > portail/donnees/cog_communes.csv
Voir docs/donnees-cog.md (version, date, règles).
"""

import csv
import json
import sys

# Un code peut désigner une commune actuelle et une commune déléguée (chef-lieu) : la commune actuelle l'emporte.
PRIORITE = {"commune-actuelle": 0, "arrondissement-municipal": 1, "commune-deleguee": 2, "commune-associee": 3}


def lignes(communes):
    retenues = {}
    for commune in communes:
        rang = PRIORITE.get(commune["type"])
        if rang is None:
            continue
        code, nom, departement = commune["code"], commune["nom"], commune.get("departement", "")
        if code not in retenues or rang < retenues[code][0]:
            retenues[code] = (rang, nom, departement)
    # Anciens codes (communes fusionnées sans commune déléguée) : le nom de la commune actuelle.
    for commune in communes:
        if commune["type"] != "commune-actuelle":
            continue
        for ancien in commune.get("anciensCodes", []):
            retenues.setdefault(ancien, (9, commune["nom"], commune.get("departement", "")))
    return sorted((code, nom, departement) for code, (_, nom, departement) in retenues.items())


def main(chemin):
    with open(chemin, encoding="utf-8") as fichier:
        communes = json.load(fichier)
    sortie = csv.writer(sys.stdout, delimiter=";", lineterminator="\n")
    sortie.writerow(["code", "nom", "departement"])
    sortie.writerows(lignes(communes))


if __name__ == "__main__":
    main(sys.argv[1])

"""Départements et collectivités d'outre-mer : code, nom, et déduction depuis un code postal."""

import re
import unicodedata

DEPARTEMENTS = {
    "01": "Ain",
    "02": "Aisne",
    "03": "Allier",
    "04": "Alpes-de-Haute-Provence",
    "05": "Hautes-Alpes",
    "06": "Alpes-Maritimes",
    "07": "Ardèche",
    "08": "Ardennes",
    "09": "Ariège",
    "10": "Aube",
    "11": "Aude",
    "12": "Aveyron",
    "13": "Bouches-du-Rhône",
    "14": "Calvados",
    "15": "Cantal",
    "16": "Charente",
    "17": "Charente-Maritime",
    "18": "Cher",
    "19": "Corrèze",
    "2A": "Corse-du-Sud",
    "2B": "Haute-Corse",
    "21": "Côte-d’Or",
    "22": "Côtes-d’Armor",
    "23": "Creuse",
    "24": "Dordogne",
    "25": "Doubs",
    "26": "Drôme",
    "27": "Eure",
    "28": "Eure-et-Loir",
    "29": "Finistère",
    "30": "Gard",
    "31": "Haute-Garonne",
    "32": "Gers",
    "33": "Gironde",
    "34": "Hérault",
    "35": "Ille-et-Vilaine",
    "36": "Indre",
    "37": "Indre-et-Loire",
    "38": "Isère",
    "39": "Jura",
    "40": "Landes",
    "41": "Loir-et-Cher",
    "42": "Loire",
    "43": "Haute-Loire",
    "44": "Loire-Atlantique",
    "45": "Loiret",
    "46": "Lot",
    "47": "Lot-et-Garonne",
    "48": "Lozère",
    "49": "Maine-et-Loire",
    "50": "Manche",
    "51": "Marne",
    "52": "Haute-Marne",
    "53": "Mayenne",
    "54": "Meurthe-et-Moselle",
    "55": "Meuse",
    "56": "Morbihan",
    "57": "Moselle",
    "58": "Nièvre",
    "59": "Nord",
    "60": "Oise",
    "61": "Orne",
    "62": "Pas-de-Calais",
    "63": "Puy-de-Dôme",
    "64": "Pyrénées-Atlantiques",
    "65": "Hautes-Pyrénées",
    "66": "Pyrénées-Orientales",
    "67": "Bas-Rhin",
    "68": "Haut-Rhin",
    "69": "Rhône",
    "70": "Haute-Saône",
    "71": "Saône-et-Loire",
    "72": "Sarthe",
    "73": "Savoie",
    "74": "Haute-Savoie",
    "75": "Paris",
    "76": "Seine-Maritime",
    "77": "Seine-et-Marne",
    "78": "Yvelines",
    "79": "Deux-Sèvres",
    "80": "Somme",
    "81": "Tarn",
    "82": "Tarn-et-Garonne",
    "83": "Var",
    "84": "Vaucluse",
    "85": "Vendée",
    "86": "Vienne",
    "87": "Haute-Vienne",
    "88": "Vosges",
    "89": "Yonne",
    "90": "Territoire de Belfort",
    "91": "Essonne",
    "92": "Hauts-de-Seine",
    "93": "Seine-Saint-Denis",
    "94": "Val-de-Marne",
    "95": "Val-d’Oise",
    "971": "Guadeloupe",
    "972": "Martinique",
    "973": "Guyane",
    "974": "La Réunion",
    "975": "Saint-Pierre-et-Miquelon",
    "976": "Mayotte",
    "977": "Saint-Barthélemy",
    "978": "Saint-Martin",
    "984": "Terres australes et antarctiques françaises",
    "986": "Wallis-et-Futuna",
    "987": "Polynésie française",
    "988": "Nouvelle-Calédonie",
}

CHOIX_DEPARTEMENTS = [(code, f"{code} — {nom}") for code, nom in DEPARTEMENTS.items()]

# Saint-Barthélemy et Saint-Martin ont des codes postaux de la Guadeloupe (971xx).
CODES_POSTAUX_PARTICULIERS = {"97133": "977", "97150": "978"}


def departement_du_code_postal(code_postal):
    """« 69003 » → « 69 », « 20090 » → « 2A », « 20600 » → « 2B », « 97400 » → « 974 » ; None si inconnu.

    Approximation connue : quelques communes frontalières ont le code postal du département voisin.
    """
    code_postal = re.sub(r"\s", "", code_postal or "")
    if not re.fullmatch(r"[0-9]{5}", code_postal):
        return None
    if code_postal in CODES_POSTAUX_PARTICULIERS:
        return CODES_POSTAUX_PARTICULIERS[code_postal]
    if code_postal.startswith("20"):
        # Corse-du-Sud : 200xx et 201xx (Ajaccio, Porto-Vecchio…) ; Haute-Corse : 202xx, 206xx (Bastia…).
        return "2A" if int(code_postal) < 20200 else "2B"
    if code_postal[:2] in {"97", "98"}:
        code = code_postal[:3]
    else:
        code = code_postal[:2]
    return code if code in DEPARTEMENTS else None


def _normaliser(texte):
    sans_accents = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", sans_accents.lower()).strip()


_NOMS_NORMALISES = {_normaliser(nom): code for code, nom in DEPARTEMENTS.items()}


def departements_recherches(saisie):
    """Interprète la saisie d'une recherche : (codes de départements, code postal saisi ou "").

    Accepte un code postal (5 chiffres), un code de département (« 69 », « 2a », « 974 », « 20 » pour
    toute la Corse) ou un nom (« Rhône », « la reunion »). Renvoie ([], "") si rien ne correspond.
    """
    brute = re.sub(r"\s", "", saisie or "").upper()
    if re.fullmatch(r"[0-9]{5}", brute):
        code = departement_du_code_postal(brute)
        return ([code], brute) if code else ([], "")
    if brute in {"20", "CORSE"}:
        return (["2A", "2B"], "")
    if re.fullmatch(r"[0-9]", brute):
        brute = "0" + brute
    if brute in DEPARTEMENTS:
        return ([brute], "")
    nom = _normaliser(saisie or "")
    if not nom:
        return ([], "")
    for candidat in (nom, nom.removeprefix("la ").removeprefix("le ").removeprefix("les ")):
        if candidat in _NOMS_NORMALISES:
            return ([_NOMS_NORMALISES[candidat]], "")
    # Nom partiel, s'il ne désigne qu'un département (« Calvados », « belfort »).
    trouves = [code for nom_normalise, code in _NOMS_NORMALISES.items() if nom in nom_normalise]
    return (trouves, "") if len(trouves) == 1 else ([], "")

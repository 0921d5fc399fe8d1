"""Validateurs de numéros : IBAN (clé ISO 13616, modulo 97), SIREN et SIRET (clé de Luhn).

Chaque validateur accepte la saisie telle qu'on la tape (espaces, tirets, points) et lève une
`ValidationError` au message français. Les fonctions `normaliser_*` renvoient la forme compacte à ranger.
"""

import re

from django.core.exceptions import ValidationError

# Longueur de l'IBAN par pays (registre SWIFT) : zone SEPA et outre-mer français.
LONGUEURS_IBAN = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20,
    "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26,
    "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28,
    "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "VA": 22,
    # Départements et collectivités d'outre-mer dotés d'un code pays ISO propre (IBAN au format français).
    "GF": 27, "GP": 27, "MQ": 27, "RE": 27, "YT": 27, "PM": 27, "BL": 27, "MF": 27, "NC": 27, "PF": 27,
    "WF": 27, "TF": 27,
}  # fmt: skip

# La Poste : les SIRET de ses établissements (sauf le siège) ne suivent pas Luhn ; la somme de leurs
# chiffres doit être un multiple de 5 (règle de l'Insee).
SIREN_LA_POSTE = "356000000"
SIRET_SIEGE_LA_POSTE = "35600000000048"

_SEPARATEURS = re.compile(r"[\s.\-]")


def compacter(valeur):
    return _SEPARATEURS.sub("", str(valeur or "")).upper()


# --- IBAN --------------------------------------------------------------------------------------


def normaliser_iban(valeur):
    return compacter(valeur)


def iban_lisible(valeur):
    """« FR7630006000011234567890189 » → « FR76 3000 6000 0112 3456 7890 189 »."""
    iban = compacter(valeur)
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def cle_iban_valide(iban):
    """Contrôle ISO 13616 : les 4 premiers caractères passés à la fin, lettres → nombres, reste modulo 97 = 1."""
    reordonne = iban[4:] + iban[:4]
    nombre = "".join(str(int(c, 36)) for c in reordonne)
    return int(nombre) % 97 == 1


def valider_iban(valeur):
    iban = compacter(valeur)
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{8,30}", iban):
        raise ValidationError(
            "Saisissez un IBAN valide : 2 lettres de pays, 2 chiffres de clé puis le numéro de compte, "
            "par exemple FR76 3000 6000 0112 3456 7890 189.",
            code="iban_format",
        )
    pays = iban[:2]
    if pays not in LONGUEURS_IBAN:
        raise ValidationError(
            "Cet IBAN n’est pas celui d’un compte de la zone de paiement européenne (SEPA) : l’indemnisation "
            "ne peut être versée que sur un tel compte.",
            code="iban_pays",
        )
    if len(iban) != LONGUEURS_IBAN[pays]:
        raise ValidationError(
            f"Un IBAN commençant par {pays} comporte {LONGUEURS_IBAN[pays]} caractères ; "
            f"celui saisi en comporte {len(iban)}. Vérifiez-le sur votre RIB.",
            code="iban_longueur",
        )
    if not cle_iban_valide(iban):
        raise ValidationError(
            "Cet IBAN est incorrect (sa clé de contrôle ne correspond pas) : vérifiez chaque caractère sur votre RIB.",
            code="iban_cle",
        )


# --- SIREN / SIRET -----------------------------------------------------------------------------


def luhn_valide(chiffres):
    total = 0
    for position, caractere in enumerate(reversed(chiffres)):
        chiffre = int(caractere)
        if position % 2 == 1:
            chiffre *= 2
            if chiffre > 9:
                chiffre -= 9
        total += chiffre
    return total % 10 == 0


def siret_valide(siret):
    if not re.fullmatch(r"\d{14}", siret):
        return False
    if siret.startswith(SIREN_LA_POSTE) and siret != SIRET_SIEGE_LA_POSTE:
        return sum(int(c) for c in siret) % 5 == 0
    return luhn_valide(siret[:9]) and luhn_valide(siret)


def valider_siren(valeur):
    siren = compacter(valeur)
    if not re.fullmatch(r"\d{9}", siren):
        raise ValidationError("Un numéro SIREN comporte 9 chiffres, par exemple 732 829 320.", code="siren_format")
    if not luhn_valide(siren):
        raise ValidationError(
            "Ce numéro SIREN est incorrect (sa clé de contrôle ne correspond pas) : vérifiez-le sur votre extrait Kbis "
            "ou sur annuaire-entreprises.data.gouv.fr.",
            code="siren_cle",
        )


def valider_siret(valeur):
    siret = compacter(valeur)
    if not re.fullmatch(r"\d{14}", siret):
        raise ValidationError(
            "Un numéro SIRET comporte 14 chiffres, par exemple 732 829 320 00074.", code="siret_format"
        )
    if not siret_valide(siret):
        raise ValidationError(
            "Ce numéro SIRET est incorrect (sa clé de contrôle ne correspond pas) : vérifiez-le sur votre extrait "
            "Kbis ou sur annuaire-entreprises.data.gouv.fr.",
            code="siret_cle",
        )


def valider_siren_ou_siret(valeur):
    """9 chiffres (SIREN) ou 14 chiffres (SIRET), clé vérifiée."""
    numero = compacter(valeur)
    if len(numero) == 9:
        valider_siren(numero)
    elif len(numero) == 14:
        valider_siret(numero)
    else:
        raise ValidationError(
            "Saisissez le numéro SIREN (9 chiffres) ou SIRET (14 chiffres) de la personne morale, "
            "par exemple 732 829 320 ou 732 829 320 00074.",
            code="siren_siret_format",
        )


def valider_code_postal(valeur):
    """Code postal français : 5 chiffres, départements 01 à 95 (Corse 20xxx), outre-mer 971 à 978, 984 à 988."""
    if not re.fullmatch(r"\d{5}", valeur):
        raise ValidationError("Le code postal doit comporter 5 chiffres, par exemple 75001.")
    departement = int(valeur[:2])
    if 1 <= departement <= 95:
        return
    if valeur[:3] in {"971", "972", "973", "974", "975", "976", "977", "978", "984", "986", "987", "988"}:
        return
    raise ValidationError("Ce code postal n’existe pas en France. Vérifiez-le (exemples : 75001, 20000, 97400).")


def telephone_valide(valeur):
    """10 chiffres nationaux ou un numéro international en +, séparateurs usuels admis."""
    return re.fullmatch(r"(0\d{9}|\+\d{8,15})", re.sub(r"[\s.\-()]", "", valeur)) is not None


def valider_telephone(valeur):
    if not telephone_valide(valeur):
        raise ValidationError(
            "Saisissez un numéro de téléphone valide : 10 chiffres (par exemple 06 00 00 00 00) "
            "ou un numéro international commençant par + (par exemple +262 262 00 00 00)."
        )

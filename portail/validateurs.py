"""Validateurs de numéros : IBAN et BIC (schwifty), SIREN et SIRET (python-stdnum), code postal, téléphone.

Chaque validateur accepte la saisie telle qu'on la tape (espaces, tirets, points) et lève une
`ValidationError` au message français. Seuls les chiffres ASCII (0-9) sont admis là où un nombre est
attendu : les chiffres « pleine chasse » (０-９) ou arabes-indiens (٠-٩) sont refusés, jamais convertis
(`re.ASCII`, et contrôle avant l'appel aux bibliothèques, qui les convertiraient en silence).
Les fonctions `normaliser_*` renvoient la forme compacte à ranger.
"""

import re

from django.core.exceptions import ValidationError
from schwifty import BIC, IBAN, registry
from schwifty import exceptions as erreurs_schwifty
from stdnum import luhn
from stdnum.exceptions import ValidationError as ErreurStdnum
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

_SEPARATEURS = re.compile(r"[\s.\-]")
_ASCII_ALPHANUMERIQUE = re.compile(r"[A-Z0-9]*", re.ASCII)


def compacter(valeur):
    return _SEPARATEURS.sub("", str(valeur or "")).upper()


def chiffres_ascii(valeur):
    """Vrai si `valeur` ne contient que des chiffres ASCII (0-9)."""
    return re.fullmatch(r"[0-9]+", valeur or "") is not None


# --- IBAN et BIC -------------------------------------------------------------------------------


def normaliser_iban(valeur):
    return compacter(valeur)


def iban_lisible(valeur):
    """« FR7630006000011234567890189 » → « FR76 3000 6000 0112 3456 7890 189 »."""
    iban = compacter(valeur)
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def _longueur_attendue(pays):
    try:
        return registry.get_iban_spec(pays).iban_length
    except erreurs_schwifty.InvalidCountryCode:
        return None


def valider_iban(valeur):
    """IBAN d'un compte de la zone SEPA (registre et clés de contrôle de schwifty)."""
    iban = compacter(valeur)
    if not _ASCII_ALPHANUMERIQUE.fullmatch(iban) or not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{8,30}", iban):
        raise ValidationError(
            "Saisissez un IBAN valide : 2 lettres de pays, 2 chiffres de clé puis le numéro de compte, "
            "par exemple FR76 3000 6000 0112 3456 7890 189.",
            code="iban_format",
        )
    pays = iban[:2]
    longueur = _longueur_attendue(pays)
    try:
        compte = IBAN(iban)
    except erreurs_schwifty.InvalidLength:
        raise ValidationError(
            f"Un IBAN commençant par {pays} comporte {longueur} caractères ; "
            f"celui saisi en comporte {len(iban)}. Vérifiez-le sur votre RIB.",
            code="iban_longueur",
        ) from None
    except erreurs_schwifty.InvalidCountryCode:
        compte = None
    except (erreurs_schwifty.InvalidChecksumDigits, erreurs_schwifty.InvalidBBANChecksum):
        raise ValidationError(
            "Cet IBAN est incorrect (sa clé de contrôle ne correspond pas) : vérifiez chaque caractère sur votre RIB.",
            code="iban_cle",
        ) from None
    except erreurs_schwifty.SchwiftyException:
        raise ValidationError(
            "Cet IBAN est incorrect : vérifiez chaque caractère sur votre RIB.", code="iban_format"
        ) from None
    if compte is None or not compte.in_sepa_zone:
        raise ValidationError(
            "Cet IBAN n’est pas celui d’un compte de la zone de paiement européenne (SEPA) : l’indemnisation "
            "ne peut être versée que sur un tel compte.",
            code="iban_pays",
        )


def valider_bic(valeur):
    bic = compacter(valeur)
    try:
        if not _ASCII_ALPHANUMERIQUE.fullmatch(bic):
            raise erreurs_schwifty.InvalidStructure(bic)
        BIC(bic)
    except erreurs_schwifty.SchwiftyException:
        raise ValidationError(
            "Saisissez un BIC valide : 8 ou 11 lettres et chiffres, par exemple BNPAFRPP ou BNPAFRPPXXX.",
            code="bic_format",
        ) from None


# --- SIREN / SIRET -----------------------------------------------------------------------------


def siret_valide(siret):
    """Clé du SIRET (python-stdnum : Luhn, et la règle propre aux établissements de La Poste)."""
    return chiffres_ascii(siret) and len(siret) == 14 and stdnum_siret.is_valid(siret)


def valider_siren(valeur):
    siren = compacter(valeur)
    if not (chiffres_ascii(siren) and len(siren) == 9):
        raise ValidationError("Un numéro SIREN comporte 9 chiffres, par exemple 732 829 320.", code="siren_format")
    try:
        stdnum_siren.validate(siren)
    except ErreurStdnum:
        raise ValidationError(
            "Ce numéro SIREN est incorrect (sa clé de contrôle ne correspond pas) : vérifiez-le sur votre extrait Kbis "
            "ou sur annuaire-entreprises.data.gouv.fr.",
            code="siren_cle",
        ) from None


def valider_siret(valeur):
    siret = compacter(valeur)
    if not (chiffres_ascii(siret) and len(siret) == 14):
        raise ValidationError(
            "Un numéro SIRET comporte 14 chiffres, par exemple 732 829 320 00074.", code="siret_format"
        )
    # Le SIREN contenu dans le SIRET doit lui aussi être valide (stdnum ne le vérifie pas pour La Poste).
    if not siret_valide(siret) or not luhn.is_valid(siret[:9]):
        raise ValidationError(
            "Ce numéro SIRET est incorrect (sa clé de contrôle ne correspond pas) : vérifiez-le sur votre extrait "
            "Kbis ou sur annuaire-entreprises.data.gouv.fr.",
            code="siret_cle",
        )


def valider_siren_ou_siret(valeur):
    """9 chiffres (SIREN) ou 14 chiffres (SIRET), clé vérifiée."""
    numero = compacter(valeur)
    if chiffres_ascii(numero) and len(numero) == 9:
        valider_siren(numero)
    elif chiffres_ascii(numero) and len(numero) == 14:
        valider_siret(numero)
    else:
        raise ValidationError(
            "Saisissez le numéro SIREN (9 chiffres) ou SIRET (14 chiffres) de la personne morale, "
            "par exemple 732 829 320 ou 732 829 320 00074.",
            code="siren_siret_format",
        )


def valider_code_postal(valeur):
    """Code postal français : 5 chiffres, départements 01 à 95 (Corse 20xxx), outre-mer 971 à 978, 984 à 988."""
    if not re.fullmatch(r"[0-9]{5}", valeur or ""):
        raise ValidationError("Le code postal doit comporter 5 chiffres, par exemple 75001.")
    departement = int(valeur[:2])
    if 1 <= departement <= 95:
        return
    if valeur[:3] in {"971", "972", "973", "974", "975", "976", "977", "978", "984", "986", "987", "988"}:
        return
    raise ValidationError("Ce code postal n’existe pas en France. Vérifiez-le (exemples : 75001, 20000, 97400).")


def telephone_valide(valeur):
    """10 chiffres nationaux ou un numéro international en +, séparateurs usuels admis."""
    return re.fullmatch(r"(0[0-9]{9}|\+[0-9]{8,15})", re.sub(r"[\s.\-()]", "", valeur or "")) is not None


def valider_telephone(valeur):
    if not telephone_valide(valeur):
        raise ValidationError(
            "Saisissez un numéro de téléphone valide : 10 chiffres (par exemple 06 00 00 00 00) "
            "ou un numéro international commençant par + (par exemple +262 262 00 00 00)."
        )

"""Déclaration d'acceptation d'une proposition d'indemnisation, signée en ligne par l'usager.

Le même texte (`templates/courriers/_acceptation_corps.html`) est relu par l'usager sur la page « Accepter » et
imprimé dans le PDF signé (`templates/courriers/acceptation.html`, pipeline commun de `precontentieux/courriers.py`).
Rédigé avec nos mots : l'usager accepte la somme en réparation du dommage causé à la porte du logement, et
reconnaît être entièrement indemnisé une fois la somme versée. Rien de la déclaration des forces de l'ordre,
sinon l'administration intervenue (« la police nationale »…), comme dans les autres courriers.
"""

from portail.utils import date_fr
from portail.validateurs import iban_lisible
from precontentieux.courriers import (
    TypeCourrier,
    contexte_commun,
    contexte_pour,
    courrier_actif,
    montant_en_chiffres,
    montant_en_lettres,
)


def _date_proposition(dossier):
    proposition = courrier_actif(dossier, TypeCourrier.PROPOSITION)
    if proposition is None or proposition.signe_le is None:
        return ""
    from django.utils import timezone

    return date_fr(timezone.localtime(proposition.signe_le).date())


def _propre(dossier, montant, iban):
    return {
        "titre": "Déclaration d’acceptation",
        "montant": montant_en_chiffres(montant),
        "montant_lettres": montant_en_lettres(montant),
        "iban": iban_lisible(iban) if iban else "",
        "date_proposition": _date_proposition(dossier),
    }


def contexte_declaration(dossier, iban=""):
    """Contexte du texte relu sur la page « Accepter » (avant signature : l'IBAN se confirme sous le texte)."""
    return {**contexte_commun(dossier), **_propre(dossier, dossier.montant_propose, iban)}


@contexte_pour(TypeCourrier.ACCEPTATION)
def contexte_acceptation(courrier):
    donnees = courrier.donnees or {}
    return {
        **_propre(courrier.dossier, courrier.montant, donnees.get("iban", "")),
        "adresse_ip": donnees.get("adresse_ip", ""),
    }

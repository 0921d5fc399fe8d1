"""La décision du rédacteur : proposer une indemnisation, proposer un rejet, clôturer.

Deux temps pour une proposition ou un rejet : l'aperçu (`apercu_proposition`, `apercu_rejet`) prépare le courrier
non signé (HTML dans la page, PDF produit par la tâche) ; la soumission (`soumettre`) fait la transition de la
table (`proposer_indemnisation` → proposition à signer, `proposer_rejet` → rejet à signer) sur ce courrier-là,
dans une seule transaction. Rien d'autre n'est tapé que le montant et le paragraphe libre (ou le texte d'un
« autre motif ») : tout le reste du courrier vient des données. Décrit dans `docs/courriers.md`.
"""

from decimal import Decimal

from django.db import transaction

from precontentieux.courriers import (
    Courrier,
    TypeCourrier,
    contexte_pour,
    montant_en_chiffres,
    montant_en_lettres,
    preparer_courrier,
)
from precontentieux.enums import MotifCloture, MotifRejet
from precontentieux.models import TransitionInterdite
from precontentieux.pieces import TYPES_AVEC_MONTANT

TRANSITION_DU_TYPE = {
    TypeCourrier.PROPOSITION: "proposer_indemnisation",
    TypeCourrier.REJET: "proposer_rejet",
}


def montants_pieces(dossier):
    """Factures et devis du dossier avec leur montant (pour l'écran de proposition)."""
    return [
        {"libelle": piece.get_type_display(), "nom": piece.nom, "montant": piece.montant}
        for piece in dossier.pieces.filter(type__in=TYPES_AVEC_MONTANT).order_by("ajoutee_le", "id")
    ]


def _verifier(dossier, acteur, type_courrier):
    possible, raison = dossier.refus(TRANSITION_DU_TYPE[type_courrier], acteur)
    if not possible:
        raise TransitionInterdite(raison)


def apercu_proposition(dossier, acteur, montant, paragraphe=""):
    """Prépare (ou refait) le courrier de proposition non signé ; la transition viendra avec `soumettre`."""
    _verifier(dossier, acteur, TypeCourrier.PROPOSITION)
    return preparer_courrier(
        dossier, TypeCourrier.PROPOSITION, auteur=acteur, montant=Decimal(montant), paragraphe=paragraphe
    )


def apercu_rejet(dossier, acteur, motif, texte=""):
    _verifier(dossier, acteur, TypeCourrier.REJET)
    if motif == MotifRejet.AUTRE and not texte.strip():
        raise TransitionInterdite("Pour un autre motif, le texte du motif est obligatoire.")
    return preparer_courrier(
        dossier, TypeCourrier.REJET, auteur=acteur, motif=str(motif), texte=texte if motif == MotifRejet.AUTRE else ""
    )


def libelle_motif_rejet(donnees):
    libelle = MotifRejet(donnees["motif"]).label
    return f"{libelle} : {donnees['texte']}" if donnees.get("texte") else libelle


def soumettre(dossier, acteur, courrier_id):
    """Soumet l'aperçu `courrier_id` à la signature : transition de la table, une seule fois."""
    with transaction.atomic():
        courrier = (
            Courrier.objects.select_for_update()
            .filter(pk=courrier_id, dossier=dossier, remplace=False, signe_le__isnull=True)
            .first()
        )
        if courrier is None or courrier.type not in TRANSITION_DU_TYPE:
            raise TransitionInterdite("Cet aperçu n’est plus valable : préparez de nouveau le courrier.")
        details = {"courrier": courrier.pk}
        if courrier.type == TypeCourrier.PROPOSITION:
            details["montant"] = courrier.donnees["montant"]
            dossier.transitionner("proposer_indemnisation", acteur, details=details, montant_propose=courrier.montant)
        else:
            details["motif_rejet"] = courrier.donnees["motif"]
            dossier.transitionner(
                "proposer_rejet", acteur, motif=libelle_motif_rejet(courrier.donnees), details=details
            )
        # L'aperçu de l'autre décision, s'il en reste un, n'a plus d'objet.
        Courrier.objects.filter(
            dossier=dossier, type__in=list(TRANSITION_DU_TYPE), remplace=False, signe_le__isnull=True
        ).exclude(pk=courrier.pk).update(remplace=True)
    return courrier


def cloturer(dossier, acteur, motif, texte=""):
    """Clôture avec un motif de la liste (texte obligatoire pour « autre ») ; courriel à l'usager (table)."""
    motif = MotifCloture(motif)
    if motif == MotifCloture.AUTRE and not texte.strip():
        raise TransitionInterdite("Pour un autre motif, précisez le motif de la clôture.")
    libelle = f"{motif.label} : {texte.strip()}" if texte.strip() else motif.label
    return dossier.transitionner("cloturer", acteur, motif=libelle, details={"motif_cloture": str(motif)})


# --- Contextes des courriers ---------------------------------------------------------------------------------


@contexte_pour(TypeCourrier.PROPOSITION)
def contexte_proposition(courrier):
    montant = courrier.montant
    return {
        "titre": "Proposition d’indemnisation",
        "montant": montant_en_chiffres(montant),
        "montant_lettres": montant_en_lettres(montant),
        "paragraphe": courrier.donnees.get("paragraphe", ""),
    }


@contexte_pour(TypeCourrier.REJET)
def contexte_rejet(courrier):
    return {
        "titre": "Décision de rejet",
        "motif": courrier.donnees.get("motif", ""),
        "texte_motif": courrier.donnees.get("texte", ""),
    }

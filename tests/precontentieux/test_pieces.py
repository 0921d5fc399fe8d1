"""La table des pièces : chaque situation donne les types attendus (requis / facultatifs)."""

import pytest

from precontentieux.enums import OrigineDossier as O
from precontentieux.enums import QualiteRequerant as Q
from precontentieux.enums import TypePersonneMorale as PM
from precontentieux.enums import TypePiece as T
from precontentieux.enums import TypeRequerant as R
from precontentieux.pieces import FACULTATIF, REQUIS, Situation, compter, pieces_attendues, types_requis

COMMUNS = {T.PHOTO_PORTE, T.RIB, T.PIECE_IDENTITE, T.ATTESTATION_ASSURANCE}


def niveaux(situation):
    return {p.type: p.niveau for p in pieces_attendues(situation)}


@pytest.mark.parametrize(
    ("situation", "requis_attendus"),
    [
        (
            Situation(O.DECLARATION, R.PERSONNE_PHYSIQUE, "", Q.PROPRIETAIRE_OCCUPANT, True),
            COMMUNS | {T.FACTURE, T.TITRE_PROPRIETE},
        ),
        (
            Situation(O.DECLARATION, R.PERSONNE_PHYSIQUE, "", Q.LOCATAIRE, True),
            COMMUNS | {T.FACTURE, T.BAIL, T.ATTESTATION_BAILLEUR},
        ),
        (
            Situation(O.DECLARATION, R.PERSONNE_PHYSIQUE, "", Q.LOCATAIRE, False),
            COMMUNS | {T.DEVIS, T.BAIL, T.ATTESTATION_BAILLEUR},
        ),
        (
            Situation(O.DECLARATION, R.PERSONNE_PHYSIQUE, "", Q.PROPRIETAIRE_BAILLEUR, False),
            COMMUNS | {T.DEVIS, T.TITRE_PROPRIETE},
        ),
        (
            Situation(O.DECLARATION, R.PERSONNE_PHYSIQUE, "", Q.AUTRE, False),
            COMMUNS | {T.DEVIS, T.JUSTIFICATIF_OCCUPATION},
        ),
        (
            Situation(O.DECLARATION, R.PERSONNE_MORALE, PM.SCI, Q.PROPRIETAIRE_BAILLEUR, True),
            COMMUNS | {T.FACTURE, T.TITRE_PROPRIETE, T.KBIS, T.STATUTS, T.POUVOIR_SIGNATAIRE},
        ),
        (
            Situation(O.DECLARATION, R.PERSONNE_MORALE, PM.BAILLEUR_SOCIAL, Q.PROPRIETAIRE_BAILLEUR, False),
            COMMUNS | {T.DEVIS, T.TITRE_PROPRIETE, T.KBIS, T.POUVOIR_SIGNATAIRE},
        ),
        (
            Situation(O.DECLARATION, R.PERSONNE_MORALE, PM.ASSOCIATION, Q.LOCATAIRE, False),
            COMMUNS | {T.DEVIS, T.BAIL, T.ATTESTATION_BAILLEUR, T.STATUTS, T.POUVOIR_SIGNATAIRE},
        ),
        (
            # L'assureur qui demande n'a pas à produire d'attestation de non prise en charge.
            Situation(O.DECLARATION, R.PERSONNE_MORALE, PM.ASSUREUR, Q.AUTRE, True),
            (COMMUNS - {T.ATTESTATION_ASSURANCE})
            | {T.FACTURE, T.JUSTIFICATIF_OCCUPATION, T.KBIS, T.POUVOIR_SIGNATAIRE},
        ),
        (
            # Sans déclaration des forces de l'ordre : l'attestation remise par les policiers est requise.
            Situation(O.USAGER, R.PERSONNE_PHYSIQUE, "", Q.PROPRIETAIRE_OCCUPANT, True),
            COMMUNS | {T.FACTURE, T.TITRE_PROPRIETE, T.ATTESTATION_FORCES_DE_L_ORDRE},
        ),
    ],
)
def test_types_requis_par_situation(situation, requis_attendus):
    assert types_requis(situation) == requis_attendus


def test_declaration_fdo_ne_demande_pas_d_attestation_police():
    avec = niveaux(Situation(O.DECLARATION, R.PERSONNE_PHYSIQUE, "", Q.LOCATAIRE, True))
    sans = niveaux(Situation(O.USAGER, R.PERSONNE_PHYSIQUE, "", Q.LOCATAIRE, True))
    assert T.ATTESTATION_FORCES_DE_L_ORDRE not in avec
    assert sans[T.ATTESTATION_FORCES_DE_L_ORDRE] == REQUIS


def test_preuve_de_paiement_facultative_avec_un_devis_seul():
    devis = niveaux(Situation(O.DECLARATION, R.PERSONNE_PHYSIQUE, "", Q.LOCATAIRE, False))
    assert devis[T.PREUVE_PAIEMENT] == FACULTATIF
    assert T.FACTURE not in devis


def test_la_facture_acquittee_suffit_la_preuve_de_paiement_n_est_pas_redemandee():
    """Issue 11, item 16 : un locataire dont la porte est réparée devait fournir 8 pièces obligatoires, dont
    une facture acquittée ET une preuve de paiement séparée ; la facture acquittée prouve le paiement."""
    situation = Situation(O.DECLARATION, R.PERSONNE_PHYSIQUE, "", Q.LOCATAIRE, True, True)
    facture = niveaux(situation)
    assert facture[T.FACTURE] == REQUIS
    assert facture[T.PREUVE_PAIEMENT] == FACULTATIF
    assert T.DEVIS not in facture
    assert len(types_requis(situation)) == 7
    (aide_facture,) = [p.aide for p in pieces_attendues(situation) if p.type == T.FACTURE]
    assert "prouve aussi le paiement" in aide_facture


def test_compteur_des_pieces_obligatoires():
    from types import SimpleNamespace

    from portail.enums import EtatAnalyse

    situation = Situation(O.DECLARATION, R.PERSONNE_PHYSIQUE, "", Q.LOCATAIRE, True, True)
    attendues = pieces_attendues(situation)

    def piece(type_, etat=EtatAnalyse.SAINE):
        return SimpleNamespace(type=type_, utilisable=etat in (EtatAnalyse.SAINE, EtatAnalyse.NON_ANALYSEE))

    pieces = [piece(T.BAIL), piece(T.BAIL), piece(T.RIB), piece(T.FACTURE), piece(T.AUTRE)]
    pieces += [piece(T.PHOTO_PORTE, EtatAnalyse.EN_ANALYSE), piece(T.PIECE_IDENTITE, EtatAnalyse.INFECTEE)]
    compteur = compter(attendues, pieces)
    assert (compteur.fournies, compteur.requises, compteur.complet) == (3, 7, False)
    assert compteur.texte == "3 pièces obligatoires fournies sur 7"
    assert compter(attendues, [piece(T.RIB)]).texte == "1 pièce obligatoire fournie sur 7"
    assert compter(attendues, []).texte == "0 pièce obligatoire fournie sur 7"


def test_facultatifs_proposes_et_requis_en_premier():
    liste = pieces_attendues(Situation(O.DECLARATION, R.PERSONNE_PHYSIQUE, "", Q.PROPRIETAIRE_BAILLEUR, True))
    assert [p.requise for p in liste] == sorted([p.requise for p in liste], reverse=True)
    niveaux_ = {p.type: p.niveau for p in liste}
    assert niveaux_[T.BAIL] == FACULTATIF
    assert niveaux_[T.AUTRE] == FACULTATIF
    assert all(p.aide and p.libelle for p in liste)


def test_situation_incomplete():
    assert not Situation(O.DECLARATION).complete
    assert not Situation(O.DECLARATION, R.PERSONNE_MORALE, "", Q.LOCATAIRE, True).complete
    # « Le logement était-il assuré ? » sans réponse : la liste reste provisoire.
    assert not Situation(O.DECLARATION, R.PERSONNE_PHYSIQUE, "", Q.LOCATAIRE, False).complete
    assert Situation(O.DECLARATION, R.PERSONNE_PHYSIQUE, "", Q.LOCATAIRE, False, True).complete
    assert Situation(O.DECLARATION, R.PERSONNE_PHYSIQUE, "", Q.LOCATAIRE, False, False).complete


@pytest.mark.parametrize("origine", [O.DECLARATION, O.USAGER])
@pytest.mark.parametrize("qualite", [Q.PROPRIETAIRE_OCCUPANT, Q.LOCATAIRE, Q.PROPRIETAIRE_BAILLEUR, Q.AUTRE])
def test_logement_non_assure_aucune_attestation_d_assurance(origine, qualite):
    """Non assuré : l'attestation de l'assureur n'est ni requise ni remplacée par une autre pièce ; assuré ou
    sans réponse : elle est requise. Le reste de la liste ne dépend pas de la réponse."""
    assure = Situation(origine, R.PERSONNE_PHYSIQUE, "", qualite, True, True)
    non_assure = Situation(origine, R.PERSONNE_PHYSIQUE, "", qualite, True, False)
    sans_reponse = Situation(origine, R.PERSONNE_PHYSIQUE, "", qualite, True, None)
    assert T.ATTESTATION_ASSURANCE in types_requis(assure)
    assert T.ATTESTATION_ASSURANCE in types_requis(sans_reponse)
    assert T.ATTESTATION_ASSURANCE not in niveaux(non_assure)
    assert types_requis(non_assure) == types_requis(assure) - {T.ATTESTATION_ASSURANCE}


def test_personne_morale_non_assuree_et_assureur():
    sci = Situation(O.DECLARATION, R.PERSONNE_MORALE, PM.SCI, Q.PROPRIETAIRE_BAILLEUR, False, False)
    assert T.ATTESTATION_ASSURANCE not in types_requis(sci)
    assert {T.KBIS, T.STATUTS, T.POUVOIR_SIGNATAIRE} <= types_requis(sci)
    # L'assureur demandeur : jamais d'attestation, quelle que soit la réponse.
    for assure in (True, False, None):
        assureur = Situation(O.DECLARATION, R.PERSONNE_MORALE, PM.ASSUREUR, Q.AUTRE, True, assure)
        assert T.ATTESTATION_ASSURANCE not in types_requis(assureur)

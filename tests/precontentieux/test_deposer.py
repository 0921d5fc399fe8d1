"""Transition `Dossier.deposer` : validation complète, état, accusé de réception, récépissé figé."""

import datetime
import io

import pytest
from django.core.files.storage import default_storage
from pypdf import PdfReader

from portail.emails import rendre
from portail.models import EmailSortant
from portail.utils import ajouter_mois, date_fr
from precontentieux.enums import StatutDossier, TypeEvenementDossier, TypePiece
from precontentieux.models import DossierIncomplet, TransitionInterdite
from precontentieux.recepisse import obtenir_recepisse
from tests.fabriques import TEXTES_SENTINELLES, UtilisateurFactory, completer, dossier_declare, dossier_usager

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _stockage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"


def texte_pdf(contenu):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(contenu)).pages)


@pytest.mark.parametrize(
    ("date", "mois", "attendu"),
    [
        (datetime.date(2026, 11, 23), 2, datetime.date(2027, 1, 23)),
        (datetime.date(2026, 12, 31), 2, datetime.date(2027, 2, 28)),
        (datetime.date(2027, 12, 31), 2, datetime.date(2028, 2, 29)),
        (datetime.date(2026, 8, 31), 2, datetime.date(2026, 10, 31)),
    ],
)
def test_ajouter_mois(date, mois, attendu):
    assert ajouter_mois(date, mois) == attendu


def test_depot_refuse_nomme_la_piece_manquante():
    usager = UtilisateurFactory()
    dossier = completer(dossier_declare(usager), sauf={TypePiece.ATTESTATION_BAILLEUR})
    with pytest.raises(DossierIncomplet) as refus:
        dossier.deposer(usager)
    assert refus.value.manquants == ["pièce manquante : Attestation du bailleur"]
    assert "Attestation du bailleur" in str(refus.value)
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.A_COMPLETER
    assert dossier.depose_le is None
    assert not EmailSortant.objects.filter(gabarit="accuse_reception").exists()


def test_depot_refuse_nomme_les_informations_manquantes():
    usager = UtilisateurFactory()
    dossier = completer(dossier_declare(usager), iban="", attestation_honneur=False, prenoms="")
    with pytest.raises(DossierIncomplet) as refus:
        dossier.deposer(usager)
    assert "information manquante : IBAN" in refus.value.manquants
    assert "information manquante : prénoms" in refus.value.manquants
    assert "attestation sur l’honneur non cochée" in refus.value.manquants


def test_depot_refuse_iban_invalide_en_base():
    usager = UtilisateurFactory()
    dossier = completer(dossier_declare(usager), iban="FR7630006000011234567890188")
    with pytest.raises(DossierIncomplet) as refus:
        dossier.deposer(usager)
    assert refus.value.manquants == ["IBAN invalide"]


def test_seul_le_requerant_depose():
    usager = UtilisateurFactory()
    dossier = completer(dossier_declare(usager))
    for intrus in (
        UtilisateurFactory(),
        UtilisateurFactory(agent_mj=True, roles=["redacteur"]),
        dossier.declaration.agent,
    ):
        assert dossier.peut_deposer(intrus)[0] is False
        with pytest.raises(TransitionInterdite):
            dossier.deposer(intrus)
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.A_COMPLETER


def test_depot_reussi_etat_evenement_courriel_recepisse():
    usager = UtilisateurFactory(email="compte@exemple.fr", adresse_verifiee=True)
    dossier = completer(dossier_declare(usager))
    assert dossier.peut_deposer(usager) == (True, "")
    assert dossier.manquants() == []

    dossier.deposer(usager)

    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.DEPOSE
    assert dossier.depose_le is not None
    assert dossier.brouillon == {}
    evenement = dossier.evenements.get(type=TypeEvenementDossier.CHANGEMENT_STATUT)
    assert (evenement.statut_avant, evenement.statut_apres, evenement.acteur) == (
        StatutDossier.A_COMPLETER,
        StatutDossier.DEPOSE,
        usager,
    )
    # Deuxième dépôt : refusé, rien ne change.
    assert dossier.peut_deposer(usager) == (False, "Cette demande a déjà été déposée.")
    with pytest.raises(TransitionInterdite):
        dossier.deposer(usager)

    # Accusé de réception dans la boîte d'envoi, à l'adresse vérifiée du compte (jamais à l'adresse tapée
    # dans la demande, ici martin.dupont@courriel.fr).
    email = EmailSortant.objects.get(gabarit="accuse_reception")
    assert email.destinataire == "compte@exemple.fr"
    date_rejet = ajouter_mois(dossier.date_depot, 2)
    assert email.contexte["date_rejet_implicite"] == date_fr(date_rejet)
    rendu = rendre(email)
    assert dossier.reference in rendu.sujet
    for texte in (rendu.texte, rendu.html):
        assert date_fr(date_rejet) in texte
        assert date_fr(ajouter_mois(date_rejet, 2)) in texte
        assert "tribunal administratif" in texte
        assert "deux mois" in texte
        for sentinelle in TEXTES_SENTINELLES:
            assert sentinelle not in texte

    # Récépissé produit après le COMMIT (tâche Celery exécutée en mode synchrone dans les tests) et figé.
    assert dossier.recepisse
    with default_storage.open(dossier.recepisse, "rb") as fichier:
        texte = texte_pdf(fichier.read())
    for attendu in (
        dossier.reference,
        "DUPONT",
        "Martin Paul",
        "12 rue des Lilas",
        date_fr(dossier.date_depot),
        date_fr(date_rejet),
        "tribunal administratif",
        "Attestation du bailleur",
        "attestation_bailleur.pdf",
        "Logement assuré",
    ):
        assert attendu in texte, attendu
    for sentinelle in TEXTES_SENTINELLES:
        assert sentinelle not in texte
    assert obtenir_recepisse(dossier.pk) == dossier.recepisse


def test_depot_sans_declaration_exige_l_attestation_des_forces_de_l_ordre():
    usager = UtilisateurFactory()
    dossier = completer(
        dossier_usager(usager),
        sauf={TypePiece.ATTESTATION_FORCES_DE_L_ORDRE},
        date_operation=datetime.date(2026, 10, 1),
        adresse_voie="3 place Bellecour",
        adresse_code_postal="69002",
        adresse_ville="Lyon",
    )
    with pytest.raises(DossierIncomplet) as refus:
        dossier.deposer(usager)
    assert refus.value.manquants == ["pièce manquante : Attestation remise par les forces de l’ordre"]


def test_depot_logement_non_assure_sans_attestation_d_assurance():
    """Non assuré : la demande se dépose sans attestation d'assurance (l'attestation sur l'honneur couvre la
    déclaration) ; assuré, la même demande est refusée en nommant l'attestation."""
    usager = UtilisateurFactory()
    dossier = completer(dossier_declare(usager), logement_assure=False)
    assert not dossier.pieces.filter(type=TypePiece.ATTESTATION_ASSURANCE).exists()
    assert dossier.manquants() == []
    dossier.deposer(usager)
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.DEPOSE

    autre = UtilisateurFactory()
    assure = completer(dossier_declare(autre), logement_assure=True, sauf={TypePiece.ATTESTATION_ASSURANCE})
    with pytest.raises(DossierIncomplet) as refus:
        assure.deposer(autre)
    assert refus.value.manquants == ["pièce manquante : Attestation de non prise en charge par l’assurance"]


def test_depot_refuse_sans_reponse_sur_l_assurance():
    usager = UtilisateurFactory()
    dossier = completer(dossier_declare(usager), logement_assure=None)
    with pytest.raises(DossierIncomplet) as refus:
        dossier.deposer(usager)
    assert refus.value.manquants == ["information manquante : logement assuré"]
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.A_COMPLETER


def test_depot_personne_morale_et_recepisse():
    from precontentieux.enums import QualiteRequerant, TypePersonneMorale, TypeRequerant
    from tests.fabriques import SIRET_VALIDE

    usager = UtilisateurFactory()
    champs = {
        "type_requerant": TypeRequerant.PERSONNE_MORALE,
        "type_personne_morale": TypePersonneMorale.SCI,
        "qualite": QualiteRequerant.PROPRIETAIRE_BAILLEUR,
        "civilite": "",
        "prenoms": "",
        "nom_naissance": "",
        "date_naissance": None,
        "lieu_naissance": "",
    }
    dossier = completer(dossier_declare(usager), pieces=False, **champs)
    with pytest.raises(DossierIncomplet) as refus:
        dossier.deposer(usager)
    assert "information manquante : raison sociale" in refus.value.manquants
    assert "pièce manquante : Extrait Kbis de moins de 3 mois" in refus.value.manquants
    assert "pièce manquante : Statuts de la personne morale" in refus.value.manquants
    assert not any("prénoms" in m for m in refus.value.manquants)

    dossier = completer(
        dossier,
        **champs,
        raison_sociale="SCI Les Lilas",
        siren_siret=SIRET_VALIDE,
        representant_legal="Claire MARTIN, gérante",
    )
    dossier.deposer(usager)
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.DEPOSE
    with default_storage.open(dossier.recepisse, "rb") as fichier:
        texte = texte_pdf(fichier.read())
    assert "SCI Les Lilas" in texte
    assert SIRET_VALIDE in texte
    assert "Claire MARTIN, gérante" in texte


def test_ajout_de_piece_selon_l_etat():
    usager = UtilisateurFactory()
    dossier = completer(dossier_declare(usager))
    dossier.deposer(usager)
    assert dossier.peut_ajouter_piece(usager) == (True, "")
    assert dossier.peut_ajouter_piece(UtilisateurFactory())[0] is False
    dossier.statut = StatutDossier.REJETE
    assert dossier.peut_ajouter_piece(usager) == (
        False,
        "Il n’est plus possible d’ajouter des documents à cette demande.",
    )

"""Antivirus des pièces déposées (issue 11, item 3) : chaque fichier est analysé par un vrai clamd
(base de signatures EICAR écrite par le test, socket privée), la pièce reste « en cours d'analyse »
tant que l'analyse n'a pas conclu, n'est ni téléchargeable ni comptée, et le dépôt l'attend."""

import datetime

import pytest
from django.core.checks import Error, Warning
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from declarations.models import DeclarationIncomplete, PieceJointeDeclaration, envoyer_declaration
from portail import antivirus, checks
from portail.enums import EtatAnalyse
from portail.tasks import balayer_analyses
from precontentieux.enums import StatutDossier, TypePiece
from precontentieux.models import PieceJointeDossier
from tests import fichiers_exemples as ex
from tests.clamav import NOM_SIGNATURE
from tests.fabriques import DeclarationFactory, UtilisateurFactory, completer, dossier_declare

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _stockage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"


@pytest.fixture
def usager():
    return UtilisateurFactory(email="martin@exemple.fr")


@pytest.fixture
def dossier(usager):
    return dossier_declare(usager)


def url_pieces(dossier):
    return reverse("usagers:completer_etape", args=[dossier.reference, "pieces-justificatives"])


def televerser(client, dossier, type_piece, nom, contenu):
    dossier.refresh_from_db()
    return client.post(
        url_pieces(dossier),
        {"version": dossier.version, "action": "televerser", f"fichiers-{type_piece}": ex.televerse(nom, contenu)},
    )


def deposer(client, dossier):
    dossier.refresh_from_db()
    return client.post(
        reverse("usagers:completer_etape", args=[dossier.reference, "recapitulatif"]),
        {"version": dossier.version, "attestation_honneur": "on"},
    )


def test_clamd_prive_detecte_eicar_et_laisse_passer_un_pdf_sain(antivirus_actif):
    assert antivirus.analyser_octets(ex.pdf_simple()) == antivirus.Verdict(sain=True)
    verdict = antivirus.analyser_octets(ex.pdf_avec_eicar())
    assert not verdict.sain
    assert NOM_SIGNATURE in verdict.signature


def test_piece_saine_analysee_puis_telechargeable(client, usager, dossier, antivirus_actif):
    client.force_login(usager)
    assert televerser(client, dossier, TypePiece.AUTRE, "facture.pdf", ex.pdf_simple()).status_code == 302
    piece = dossier.pieces.get()
    assert piece.etat_analyse == EtatAnalyse.SAINE
    assert piece.analysee_le is not None
    reponse = client.get(reverse("usagers:demande_piece", args=[dossier.reference, piece.pk]))
    assert reponse.status_code == 200
    assert b"".join(reponse.streaming_content) == ex.pdf_simple()


def test_piece_infectee_supprimee_signalee_et_bloque_le_depot(client, usager, dossier, antivirus_actif):
    client.force_login(usager)
    completer(dossier)
    assert televerser(client, dossier, TypePiece.AUTRE, "virus.pdf", ex.pdf_avec_eicar()).status_code == 302
    piece = dossier.pieces.get(nom="virus.pdf")
    assert piece.etat_analyse == EtatAnalyse.INFECTEE
    assert NOM_SIGNATURE in piece.signature_virus
    assert not default_storage.exists(piece.fichier.name)  # le fichier infecté n'est jamais gardé

    page = client.get(url_pieces(dossier)).content.decode()
    assert "Refusé : virus détecté" in page
    assert reverse("usagers:demande_piece", args=[dossier.reference, piece.pk]) not in page
    assert client.get(reverse("usagers:demande_piece", args=[dossier.reference, piece.pk])).status_code == 404

    reponse = deposer(client, dossier)
    assert reponse.status_code == 400
    assert "document refusé par l’antivirus, à retirer : virus.pdf" in reponse.content.decode()
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.A_COMPLETER


def test_piece_en_cours_d_analyse_ni_telechargeable_ni_comptee_puis_reprise_par_le_balayage(
    client, usager, dossier, settings, clamd_prive, tmp_path
):
    """clamd injoignable : la pièce reste « en cours d'analyse », le dépôt attend ; le balayage la reprend."""
    settings.CLAMAV_SOCKET = clamd_prive
    completer(dossier, sauf={TypePiece.RIB})
    settings.CLAMAV_SOCKET = str(tmp_path / "absent.sock")
    client.force_login(usager)
    assert televerser(client, dossier, TypePiece.RIB, "rib.pdf", ex.pdf_simple()).status_code == 302
    piece = dossier.pieces.get(type=TypePiece.RIB)
    assert piece.etat_analyse == EtatAnalyse.EN_ANALYSE

    page = client.get(url_pieces(dossier)).content.decode()
    assert "En cours d’analyse" in page
    assert client.get(reverse("usagers:demande_piece", args=[dossier.reference, piece.pk])).status_code == 404
    reponse = deposer(client, dossier)
    assert reponse.status_code == 400
    contenu = reponse.content.decode()
    assert "document en cours d’analyse antivirus, patientez quelques instants : rib.pdf" in contenu
    assert "pièce manquante : Relevé d’identité bancaire (RIB)" in contenu

    # clamd revient ; le balayage périodique relance les pièces en attente depuis plus de deux minutes.
    settings.CLAMAV_SOCKET = clamd_prive
    PieceJointeDossier.objects.filter(pk=piece.pk).update(ajoutee_le=timezone.now() - datetime.timedelta(minutes=3))
    assert balayer_analyses() == {"relances": 1}
    piece.refresh_from_db()
    assert piece.etat_analyse == EtatAnalyse.SAINE
    assert deposer(client, dossier).status_code == 302
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.DEPOSE


def test_sans_antivirus_la_piece_est_non_analysee_et_utilisable(client, usager, dossier, settings):
    settings.CLAMAV_SOCKET = ""
    client.force_login(usager)
    televerser(client, dossier, TypePiece.AUTRE, "facture.pdf", ex.pdf_avec_eicar())
    piece = dossier.pieces.get()
    assert piece.etat_analyse == EtatAnalyse.NON_ANALYSEE
    reponse = client.get(reverse("usagers:demande_piece", args=[dossier.reference, piece.pk]))
    assert reponse.status_code == 200
    assert b"".join(reponse.streaming_content) == ex.pdf_avec_eicar()


def test_declaration_piece_infectee_bloque_l_envoi(client, antivirus_actif):
    declaration = DeclarationFactory(complete=True)
    client.force_login(declaration.agent)
    url = reverse("declarations:etape", args=[declaration.pk, "service-enqueteur"])
    declaration.refresh_from_db()
    client.post(
        url,
        {"version": declaration.version, "action": "televerser", "pieces": ex.televerse("pv.pdf", ex.pdf_avec_eicar())},
    )
    piece = PieceJointeDeclaration.objects.get(declaration=declaration)
    assert piece.etat_analyse == EtatAnalyse.INFECTEE
    assert client.get(reverse("declarations:piece", args=[declaration.pk, piece.pk])).status_code == 404
    with pytest.raises(DeclarationIncomplete) as incomplete:
        envoyer_declaration(declaration.pk, declaration.agent)
    assert "document « pv.pdf » : refusé par l’antivirus, à retirer" in incomplete.value.champs


def test_demarrage_sans_antivirus_averti_et_production_refusee(settings):
    settings.CLAMAV_SOCKET = ""
    (avertissement,) = checks.antivirus_configure(None)
    assert isinstance(avertissement, Warning) and avertissement.id == "portail.W001"
    assert "Analyse antivirus désactivée" in avertissement.msg
    (erreur,) = checks.antivirus_obligatoire_en_production(None)
    assert isinstance(erreur, Error) and erreur.id == "portail.E001"
    settings.CLAMAV_SOCKET = "/run/clamav/clamd.ctl"
    assert checks.antivirus_configure(None) == [] and checks.antivirus_obligatoire_en_production(None) == []

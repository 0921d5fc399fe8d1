"""Montant demandé par l'usager (issue 9) : saisi dans l'assistant (euros et centimes), montants des factures et
devis, affiché sur le récapitulatif, le récépissé, la page de la demande et la fiche du back-office ; les dossiers
antérieurs sans montant restent valides."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from precontentieux.enums import TypePiece
from precontentieux.models import Dossier
from precontentieux.recepisse import contexte_recepisse, rendre_recepisse
from tests.fabriques import UtilisateurFactory, ajouter_piece, dossier_declare
from tests.precontentieux.outils_backoffice import agents, dossier_depose
from tests.usagers.test_demande import E1, E3, ETAPE1, poster, texte, url, version

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _stockage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"


@pytest.fixture
def usager():
    return UtilisateurFactory(adresse_verifiee=True)


@pytest.fixture
def dossier(usager):
    return dossier_declare(usager)


@pytest.mark.parametrize(
    ("saisie", "attendu"),
    [("1 234,56", "1234.56"), ("80", "80.00"), ("0,01", "0.01"), ("1\u00a0000 000,50 €", "1000000.50")],
)
def test_montant_saisi_a_la_francaise(client, usager, dossier, saisie, attendu):
    client.force_login(usager)
    assert poster(client, dossier, E1, {**ETAPE1, "montant_demande": saisie}).status_code == 302
    dossier.refresh_from_db()
    assert dossier.montant_demande == Decimal(attendu)
    # Réaffiché tel que saisi (brouillon de l'assistant).
    assert f'value="{saisie}"' in texte(client.get(url(dossier, E1)))


@pytest.mark.parametrize(
    ("saisie", "message"),
    [
        ("", "Indiquez le montant que vous demandez, en euros."),
        ("douze", "Saisissez un montant en euros, par exemple 1 250,50."),
        ("0", "Le montant doit être d’au moins 0,01 €."),
        ("12,345", "Indiquez au plus deux chiffres après la virgule"),
    ],
)
def test_montant_invalide_explique(client, usager, dossier, saisie, message):
    client.force_login(usager)
    reponse = poster(client, dossier, E1, {**ETAPE1, "montant_demande": saisie})
    assert reponse.status_code == 400 and message in texte(reponse)
    assert 'href="#id_le-bris-de-porte-montant_demande"' in texte(reponse)
    dossier.refresh_from_db()
    assert dossier.montant_demande is None


def test_le_depot_exige_le_montant(dossier):
    from tests.fabriques import completer

    completer(dossier, montant_demande=None)
    assert "information manquante : montant demandé (euros)" in dossier.manquants()


def test_montant_des_factures_et_devis(client, usager, dossier):
    client.force_login(usager)
    poster(client, dossier, E1, {**ETAPE1, "montant_demande": "900"})
    devis = ajouter_piece(dossier, TypePiece.DEVIS, nom="devis.pdf")
    photo = ajouter_piece(dossier, TypePiece.PHOTO_PORTE, nom="photo.pdf")
    page = texte(client.get(url(dossier, E3)))
    assert f'name="montant-piece-{devis.pk}"' in page and f'name="montant-piece-{photo.pk}"' not in page
    donnees = {"version": version(dossier), "action": "televerser", f"montant-piece-{devis.pk}": "douze"}
    reponse = client.post(url(dossier, E3), donnees)
    assert reponse.status_code == 400 and "Montant du document « devis.pdf »" in texte(reponse)
    donnees.update(version=version(dossier), **{f"montant-piece-{devis.pk}": "899,90"})
    assert client.post(url(dossier, E3), donnees).status_code == 302
    devis.refresh_from_db()
    assert devis.montant == Decimal("899.90")
    # Une pièce d'un autre dossier ne se modifie pas par ce biais.
    autre = ajouter_piece(dossier_declare(UtilisateurFactory()), TypePiece.DEVIS)
    donnees.update(version=version(dossier), **{f"montant-piece-{autre.pk}": "1"})
    client.post(url(dossier, E3), donnees)
    autre.refresh_from_db()
    assert autre.montant is None


def test_recapitulatif_recepisse_et_fiche_montrent_le_montant(client, usager):
    dossier = dossier_depose(usager)  # demande complète : 1 234,56 €
    client.force_login(usager)
    assert "1\u202f234,56\u00a0€" in texte(client.get(reverse("usagers:demande", args=[dossier.reference])))
    assert "1\u202f234,56\u00a0€" in texte(client.get(reverse("usagers:ajouter_pieces", args=[dossier.reference])))
    assert contexte_recepisse(dossier)["montant_demande"] == "1\u202f234,56\u00a0€"
    pdf = PdfReader(io.BytesIO(rendre_recepisse(dossier)))
    contenu = " ".join(page.extract_text() for page in pdf.pages)
    assert "Montant demandé" in contenu and "234,56" in contenu
    equipe = agents()
    client.force_login(equipe["attributeur"])
    assert "1\u202f234,56\u00a0€" in texte(client.get(reverse("precontentieux:dossier", args=[dossier.reference])))


def test_dossier_depose_sans_montant_reste_valide(client, usager):
    dossier = dossier_depose(usager)
    Dossier.objects.filter(pk=dossier.pk).update(montant_demande=None)  # déposé avant la saisie du montant
    dossier.refresh_from_db()
    client.force_login(usager)
    reponse = client.get(reverse("usagers:demande", args=[dossier.reference]))
    assert reponse.status_code == 200 and "non précisé" in texte(reponse)
    assert contexte_recepisse(dossier)["montant_demande"] == "Non précisé"
    assert rendre_recepisse(dossier).startswith(b"%PDF")
    equipe = agents()
    client.force_login(equipe["attributeur"])
    reponse = client.get(reverse("precontentieux:dossier", args=[dossier.reference]))
    assert reponse.status_code == 200 and "non précisé" in texte(reponse)
    # Et il s'instruit jusqu'à la décision.
    dossier.attribuer(equipe["attributeur"], equipe["redacteur"])
    dossier.demarrer_instruction(equipe["redacteur"])
    client.force_login(equipe["redacteur"])
    reponse = client.get(reverse("precontentieux:proposer_indemnisation", args=[dossier.reference]))
    assert reponse.status_code == 200 and 'name="montant"' in texte(reponse)

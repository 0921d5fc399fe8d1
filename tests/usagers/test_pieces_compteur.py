"""Page des pièces (issue 11, item 16) : un locataire dont la porte est réparée ne fournit plus la même preuve
deux fois, voit un compteur des pièces obligatoires, et le badge « Obligatoire » est neutre."""

import re

import pytest
from django.urls import reverse

from precontentieux.enums import StatutDossier, TypePiece
from precontentieux.models import Dossier
from tests import fichiers_exemples as ex
from tests.fabriques import UtilisateurFactory, completer, dossier_declare

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _stockage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"


@pytest.fixture
def usager():
    return UtilisateurFactory(email="martin@exemple.fr")


def url_pieces(dossier):
    return reverse("usagers:completer_etape", args=[dossier.reference, "pieces-justificatives"])


def test_locataire_repare_sept_pieces_obligatoires_compteur_et_badge_neutre(client, usager):
    dossier = completer(dossier_declare(usager), pieces=False)  # locataire, réparation faite et payée
    client.force_login(usager)
    page = client.get(url_pieces(dossier)).content.decode()
    assert '<p class="fr-text--bold fr-mb-1w" id="compteur-pieces">0 pièce obligatoire fournie sur 7</p>' in page
    assert page.count(">Obligatoire</span>") == 7
    assert "fr-badge--warning" not in page
    badges = re.findall(r'<span class="([^"]*)">Obligatoire</span>', page)
    assert set(badges) == {"fr-badge fr-badge--sm fr-badge--no-icon fr-ml-1w"}
    # La preuve de paiement reste proposée, comme pièce facultative, pour une facture non acquittée.
    legende = re.search(r'id="legende-preuve_paiement">(.*?)</legend>', page, re.S).group(1)
    assert "Facultatif" in legende and "Obligatoire" not in legende

    dossier.refresh_from_db()
    client.post(
        url_pieces(dossier),
        {
            "version": dossier.version,
            "action": "televerser",
            "fichiers-bail": ex.televerse("bail.pdf", ex.pdf_simple()),
        },
    )
    dossier.refresh_from_db()
    client.post(
        url_pieces(dossier),
        {"version": dossier.version, "action": "televerser", "fichiers-rib": ex.televerse("rib.pdf", ex.pdf_simple())},
    )
    page = client.get(url_pieces(dossier)).content.decode()
    assert "2 pièces obligatoires fournies sur 7" in page


def test_depot_sans_preuve_de_paiement_separee(client, usager):
    dossier = completer(dossier_declare(usager))
    assert not dossier.pieces.filter(type=TypePiece.PREUVE_PAIEMENT).exists()
    assert dossier.pieces.filter(type=TypePiece.FACTURE).exists()
    client.force_login(usager)
    dossier.refresh_from_db()
    reponse = client.post(
        reverse("usagers:completer_etape", args=[dossier.reference, "recapitulatif"]),
        {"version": dossier.version, "attestation_honneur": "on"},
    )
    assert reponse.status_code == 302, reponse.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).statut == StatutDossier.DEPOSE

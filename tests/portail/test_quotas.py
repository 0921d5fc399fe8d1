"""Quotas des comptes (issue 11, item 3) : demandes ouvertes créées seul, octets par demande, fichiers par heure.
Requêtes HTTP réelles, base réelle ; chaque refus est affirmé par son message français et l'état de la base."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from portail.models import Televersement
from precontentieux.enums import OrigineDossier, StatutDossier, TypePiece
from precontentieux.models import Dossier
from tests import fichiers_exemples as ex
from tests.fabriques import UtilisateurFactory, dossier_declare

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _stockage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"


@pytest.fixture
def usager():
    return UtilisateurFactory(email="martin@exemple.fr")


def televerser(client, dossier, *fichiers):
    dossier.refresh_from_db()
    return client.post(
        reverse("usagers:completer_etape", args=[dossier.reference, "pieces-justificatives"]),
        {"version": dossier.version, "action": "televerser", f"fichiers-{TypePiece.AUTRE}": list(fichiers)},
    )


def test_fichiers_par_heure_limites_par_compte(client, usager, settings):
    settings.QUOTA_TELEVERSEMENTS_PAR_HEURE = 3
    dossier = dossier_declare(usager)
    client.force_login(usager)
    fichiers = [ex.televerse(f"document-{i}.pdf", ex.pdf_simple()) for i in range(4)]
    reponse = televerser(client, dossier, *fichiers)
    assert reponse.status_code == 400
    assert (
        "Le fichier « document-3.pdf » n’a pas été envoyé : vous avez déjà envoyé 3 fichiers dans l’heure, "
        "le maximum autorisé. Réessayez dans une heure."
    ) in reponse.content.decode()
    assert dossier.pieces.count() == 3
    assert Televersement.objects.filter(utilisateur=usager).count() == 3

    # Une heure plus tard, la fenêtre est libre.
    Televersement.objects.update(recu_le=timezone.now() - datetime.timedelta(minutes=61))
    assert televerser(client, dossier, ex.televerse("suite.pdf", ex.pdf_simple())).status_code == 302
    assert dossier.pieces.count() == 4


def test_un_fichier_refuse_compte_dans_le_quota_horaire(client, usager, settings):
    """Un refus par le contenu compte aussi : l'analyse a un coût, qu'elle accepte ou non le fichier."""
    settings.QUOTA_TELEVERSEMENTS_PAR_HEURE = 1
    dossier = dossier_declare(usager)
    client.force_login(usager)
    televerser(client, dossier, ex.televerse("faux.pdf", ex.HTML))
    reponse = televerser(client, dossier, ex.televerse("vrai.pdf", ex.pdf_simple()))
    assert "vous avez déjà envoyé 1 fichier dans l’heure" in reponse.content.decode()
    assert not dossier.pieces.exists()


def test_octets_par_demande_limites(client, usager, settings):
    taille = len(ex.pdf_simple())
    settings.QUOTA_OCTETS_PAR_DEMANDE = 2 * taille + 10
    dossier = dossier_declare(usager)
    client.force_login(usager)
    fichiers = [ex.televerse(f"document-{i}.pdf", ex.pdf_simple()) for i in range(3)]
    reponse = televerser(client, dossier, *fichiers)
    assert reponse.status_code == 400
    assert (
        "Le fichier « document-2.pdf » n’a pas été ajouté : l’ensemble des documents ne peut pas dépasser"
        in reponse.content.decode()
    )
    assert dossier.pieces.count() == 2


def jeton(client):
    return client.get(reverse("usagers:nouvelle_demande")).context["jeton"]


def test_demandes_ouvertes_limitees_par_compte(client, usager, settings):
    settings.QUOTA_DEMANDES_OUVERTES = 2
    client.force_login(usager)
    for _ in range(2):
        assert client.post(reverse("usagers:nouvelle_demande"), {"jeton": jeton(client)}).status_code == 302
    # Une demande reçue par invitation (déclaration des forces de l'ordre) ne compte pas.
    dossier_declare(usager)
    assert Dossier.objects.filter(requerant=usager).count() == 3

    page = client.get(reverse("usagers:nouvelle_demande")).content.decode()
    assert 'id="quota-demandes"' in page
    assert "Vous avez déjà 2 demandes en cours, le maximum pour un même compte" in page
    assert "Commencer ma demande</button>" not in page
    reponse = client.post(reverse("usagers:nouvelle_demande"), {"jeton": jeton(client)}, follow=True)
    assert "Vous avez déjà 2 demandes en cours" in reponse.content.decode()
    assert Dossier.objects.filter(requerant=usager, origine=OrigineDossier.USAGER).count() == 2

    # Une demande terminée libère une place.
    Dossier.objects.filter(requerant=usager, origine=OrigineDossier.USAGER).update(statut=StatutDossier.CLOTURE)
    assert client.post(reverse("usagers:nouvelle_demande"), {"jeton": jeton(client)}).status_code == 302
    assert Dossier.objects.filter(requerant=usager, origine=OrigineDossier.USAGER).count() == 3


def test_le_journal_des_envois_est_purge_apres_un_jour(usager):
    from portail.tasks import balayer_analyses

    ancien = Televersement.objects.create(utilisateur=usager, taille=10)
    recent = Televersement.objects.create(utilisateur=usager, taille=10)
    Televersement.objects.filter(pk=ancien.pk).update(recu_le=timezone.now() - datetime.timedelta(days=1, minutes=1))
    balayer_analyses()
    assert list(Televersement.objects.values_list("pk", flat=True)) == [recent.pk]

"""« Mes demandes » et la page d'une demande : contenu en mots d'usager, portée, nombre de requêtes constant."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from precontentieux.enums import OrigineDossier, StatutDossier, TypeEvenementDossier, TypePiece
from precontentieux.models import Dossier, EvenementDossier
from tests.fabriques import DossierFactory, UtilisateurFactory, ajouter_piece, completer, dossier_declare
from tests.usagers.outils_usagers import texte
from usagers.suivi import STATUTS_USAGER

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fichiers(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"


def creer_dossiers(usager, nombre):
    return [Dossier.creer(origine=OrigineDossier.USAGER, acteur=usager, requerant=usager) for _ in range(nombre)]


def requetes(client, url):
    with CaptureQueriesContext(connection) as capture:
        reponse = client.get(url)
    assert reponse.status_code == 200
    return len(capture.captured_queries)


def test_chaque_statut_a_un_libelle_usager():
    assert set(STATUTS_USAGER) == set(StatutDossier)
    # Les étapes internes de signature ne se distinguent pas de l'instruction pour l'usager.
    assert STATUTS_USAGER[StatutDossier.PROPOSITION_A_SIGNER] == STATUTS_USAGER[StatutDossier.EN_INSTRUCTION]


def test_mes_demandes_liste_reference_statut_dates_et_prochaine_action(client):
    usager = UtilisateurFactory()
    a_completer = dossier_declare(requerant=usager)
    deposee = DossierFactory(requerant=usager, depose=True)
    autre = creer_dossiers(UtilisateurFactory(), 1)[0]
    client.force_login(usager)

    reponse = client.get(reverse("usagers:accueil"))
    html = texte(reponse)
    assert html.count("<h1") == 1
    assert a_completer.reference in html and deposee.reference in html
    assert autre.reference not in html
    assert "À compléter" in html and "Déposée" in html
    assert "Complétez votre demande" in html
    assert "12 rue des Lilas" in html
    assert f"Créée le {timezone.localdate(a_completer.cree_le):%-d}" in html
    assert "déposée le" in html
    assert reverse("usagers:demande", args=[a_completer.reference]) in html
    # Même page sous son autre adresse.
    assert a_completer.reference in texte(client.get(reverse("usagers:mes_demandes")))


def test_mes_demandes_vide_explique_quoi_faire(client):
    client.force_login(UtilisateurFactory())
    html = texte(client.get(reverse("usagers:accueil")))
    assert "Vous n’avez pas encore de demande" in html


def test_mes_demandes_reserve_aux_usagers(client):
    client.force_login(UtilisateurFactory(policier=True))
    assert client.get(reverse("usagers:accueil")).status_code == 403


def test_mes_demandes_nombre_de_requetes_constant(client):
    usager = UtilisateurFactory()
    client.force_login(usager)
    creer_dossiers(usager, 2)
    deux = requetes(client, reverse("usagers:accueil"))
    creer_dossiers(usager, 28)
    trente = requetes(client, reverse("usagers:accueil"))
    assert trente == deux
    # 20 demandes par page.
    assert texte(client.get(reverse("usagers:accueil"))).count("Demande n°") == 20
    assert texte(client.get(reverse("usagers:accueil"), {"page": 2})).count("Demande n°") == 10


@pytest.mark.parametrize("nombre", [5, 5000])
def test_mes_demandes_paginee_nombre_de_requetes_constant_a_5_et_5000(client, django_assert_num_queries, nombre):
    usager = UtilisateurFactory()
    client.force_login(usager)
    Dossier.objects.bulk_create(
        Dossier(
            reference=f"MIJ-MASSE-{i:05d}",
            origine=OrigineDossier.USAGER,
            requerant=usager,
            statut=[StatutDossier.A_COMPLETER, StatutDossier.DEPOSE][i % 2],
            depose_le=timezone.now() if i % 2 else None,
        )
        for i in range(nombre)
    )
    # Session, utilisateur, nombre de demandes, page de demandes, configuration du DSFR (2).
    with django_assert_num_queries(6):
        reponse = client.get(reverse("usagers:accueil"))
    contenu = texte(reponse)
    assert contenu.count("Demande n°") == min(nombre, 20)
    if nombre > 20:
        assert f"{nombre} demandes, des plus récentes aux plus anciennes. Page 1 sur 250." in contenu
        assert 'class="fr-pagination"' in reponse.content.decode()
        with django_assert_num_queries(6):
            assert texte(client.get(reverse("usagers:accueil"), {"page": 250})).count("Demande n°") == 20
    else:
        assert 'class="fr-pagination"' not in reponse.content.decode()


def test_mes_demandes_nombre_de_requetes_avec_django_assert(client, django_assert_num_queries):
    usager = UtilisateurFactory()
    client.force_login(usager)
    creer_dossiers(usager, 2)
    n = requetes(client, reverse("usagers:accueil"))
    creer_dossiers(usager, 28)
    with django_assert_num_queries(n):
        client.get(reverse("usagers:accueil"))


def test_page_demande_resume_historique_et_documents(client):
    usager = UtilisateurFactory()
    dossier = completer(dossier_declare(requerant=usager))
    dossier.deposer(usager)
    EvenementDossier.objects.create(
        dossier=dossier,
        acteur=UtilisateurFactory(agent_mj=True, prenom="Agathe", nom="Attributrice"),
        type=TypeEvenementDossier.CHANGEMENT_STATUT,
        statut_avant=StatutDossier.DEPOSE,
        statut_apres=StatutDossier.A_INSTRUIRE,
    )
    EvenementDossier.objects.create(
        dossier=dossier, acteur=UtilisateurFactory(agent_mj=True), type=TypeEvenementDossier.CONSULTATION
    )
    client.force_login(usager)
    reponse = client.get(reverse("usagers:demande", args=[dossier.reference]))
    html = texte(reponse)
    assert html.count("<h1") == 1
    assert dossier.reference in html
    assert "12 rue des Lilas" in html and "2 novembre 2026" in html
    assert "Déposée" in html
    # Le cadre légal, en dates : rejet implicite après deux mois, puis deux mois pour le recours.
    assert f"Sans réponse au {dossier.date_rejet_implicite.day} " in html
    assert "tribunal administratif" in html
    assert reverse("usagers:recepisse", args=[dossier.reference]) in html
    # Historique en mots d'usager, sans nom d'agent ni consultation.
    assert "Les forces de l’ordre ont signalé le bris de porte" in html
    assert "Vous avez déposé votre demande." in html
    assert "enregistrée par le ministère de la Justice" in html
    assert "Attributrice" not in html and "Agathe" not in html
    assert "Consultation" not in html
    # Documents envoyés, téléchargeables.
    piece = dossier.pieces.first()
    url = reverse("usagers:demande_piece", args=[dossier.reference, piece.pk])
    assert url in html
    telechargement = client.get(url)
    assert telechargement.status_code == 200
    assert telechargement["Content-Disposition"].startswith("attachment")
    assert telechargement["X-Content-Type-Options"] == "nosniff"
    assert b"".join(telechargement.streaming_content).startswith(b"%PDF")


def test_page_demande_nombre_de_requetes_constant(client, django_assert_num_queries):
    usager = UtilisateurFactory()
    dossier = creer_dossiers(usager, 1)[0]
    ajouter_piece(dossier, TypePiece.PHOTO_PORTE, nom="photo.pdf")
    client.force_login(usager)
    url = reverse("usagers:demande", args=[dossier.reference])
    n = requetes(client, url)
    for i in range(19):
        ajouter_piece(dossier, TypePiece.FACTURE, nom=f"facture-{i}.pdf")
        EvenementDossier.objects.create(dossier=dossier, type=TypeEvenementDossier.PIECE_AJOUTEE)
    with django_assert_num_queries(n):
        reponse = client.get(url)
    assert texte(reponse).count(reverse("usagers:demande", args=[dossier.reference]) + "documents/") == 20


def test_apres_rattachement_mes_demandes_conduit_une_seule_fois_a_la_demande(client):
    usager = UtilisateurFactory()
    dossier = creer_dossiers(usager, 1)[0]
    client.force_login(usager)
    session = client.session
    session["invitation_dossier_rattache"] = dossier.reference
    session.save()
    assert client.get(reverse("usagers:accueil"))["Location"] == reverse("usagers:demande", args=[dossier.reference])
    assert client.get(reverse("usagers:accueil")).status_code == 200


def test_reference_d_un_autre_en_session_ne_redirige_pas(client):
    autre = creer_dossiers(UtilisateurFactory(), 1)[0]
    client.force_login(UtilisateurFactory())
    session = client.session
    session["invitation_dossier_rattache"] = autre.reference
    session.save()
    reponse = client.get(reverse("usagers:accueil"))
    assert reponse.status_code == 200
    assert autre.reference not in texte(reponse)

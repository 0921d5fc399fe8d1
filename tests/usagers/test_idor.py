"""IDOR : un usager n'atteint aucune adresse du dossier d'un autre (404), et rien ne change.

Les adresses sont découvertes en parcourant les motifs d'URL de l'espace usager : toute page ajoutée
plus tard (assistant de complétion, récépissé, pièces…) est couverte sans modifier ce test.
"""

import pytest
from django.core.cache import cache
from django.urls import reverse

from precontentieux.enums import StatutDossier, TypePiece
from precontentieux.models import Dossier, Invitation
from tests.fabriques import UtilisateurFactory, ajouter_piece, completer, dossier_declare
from tests.usagers.outils_usagers import photographie_base, urls_du_dossier

pytestmark = pytest.mark.django_db

CHARGES_POST = (
    {},
    {"action": "deposer", "attestation_honneur": "on"},
    {"action": "supprimer"},
    {"statut": StatutDossier.INDEMNISE},
)


@pytest.fixture(autouse=True)
def _isolement(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def dossiers_de_a():
    """Deux dossiers de l'usager A : l'un à compléter (brouillon, pièce), l'autre déposé (récépissé)."""
    a = UtilisateurFactory(email="a@exemple.fr")
    a_completer = dossier_declare(requerant=a)
    piece_brouillon = ajouter_piece(a_completer, TypePiece.PHOTO_PORTE, nom="photo-a.pdf")
    Dossier.objects.filter(pk=a_completer.pk).update(brouillon={"etape": "bris-de-porte", "donnees": {"x": 1}})
    depose = completer(dossier_declare(requerant=a))
    depose.deposer(a)
    # Une proposition signée (page de décision, accepter, refuser, courriers signés) : toutes ses adresses aussi.
    from tests.fabriques import DossierFactory

    propose = DossierFactory(requerant=a, proposition_envoyee=True)
    identifiants = {
        piece_brouillon.pk,
        *depose.pieces.values_list("pk", flat=True),
        *propose.courriers.values_list("pk", flat=True),
    }
    return a, [a_completer, depose, propose], identifiants


def test_le_parcours_couvre_les_pages_du_dossier(dossiers_de_a):
    _, (dossier, _, _), identifiants = dossiers_de_a
    noms = {nom for nom, _ in urls_du_dossier(dossier, identifiants)}
    assert {"demande", "demande_piece", "decision", "accepter", "refuser"} <= noms


def test_usager_b_recoit_404_partout_et_rien_ne_change(client, dossiers_de_a):
    a, dossiers, identifiants = dossiers_de_a
    b = UtilisateurFactory(email="b@exemple.fr")
    Dossier.creer(origine="usager", acteur=b, requerant=b)  # B a aussi sa propre demande
    client.force_login(b)
    avant = photographie_base()
    essais = get_404 = 0
    for dossier in dossiers:
        for nom, url in urls_du_dossier(dossier, identifiants):
            reponse = client.get(url)
            # 405 : la page n'accepte pas GET (et ne révèle donc rien non plus).
            assert reponse.status_code in (404, 405), (nom, url, "GET", reponse.status_code)
            get_404 += reponse.status_code == 404
            for donnees in CHARGES_POST:
                reponse = client.post(url, donnees)
                assert reponse.status_code in (404, 405), (nom, url, "POST", donnees, reponse.status_code)
            essais += 1
    assert essais >= 2 * 8 and get_404 >= 2 * 6
    assert photographie_base() == avant
    # Les pages de A ne citent jamais le dossier de A pour B.
    html = client.get(reverse("usagers:accueil")).content.decode()
    for dossier in dossiers:
        assert dossier.reference not in html


def test_les_memes_adresses_repondent_au_proprietaire(client, dossiers_de_a):
    """Contrôle du test précédent : les 404 viennent bien de la portée, pas d'adresses fausses."""
    a, (a_completer, depose, propose), identifiants = dossiers_de_a
    client.force_login(a)
    assert client.get(reverse("usagers:demande", args=[a_completer.reference])).status_code == 200
    piece = a_completer.pieces.get()
    reponse = client.get(reverse("usagers:demande_piece", args=[a_completer.reference, piece.pk]))
    assert reponse.status_code == 200
    b"".join(reponse.streaming_content)  # lu jusqu'au bout : le client de test ferme le fichier
    # Mais une pièce de A demandée sous la référence d'un autre de ses dossiers : 404.
    assert client.get(reverse("usagers:demande_piece", args=[depose.reference, piece.pk])).status_code == 404
    for nom in ("decision", "accepter", "refuser"):
        assert client.get(reverse(f"usagers:{nom}", args=[propose.reference])).status_code == 200


def test_un_agent_n_entre_pas_dans_l_espace_usager(client, dossiers_de_a):
    _, dossiers, identifiants = dossiers_de_a
    client.force_login(UtilisateurFactory(policier=True))
    avant = photographie_base()
    for dossier in dossiers:
        for nom, url in urls_du_dossier(dossier, identifiants):
            assert client.get(url).status_code in (403, 404), (nom, url)
            assert client.post(url, {"action": "deposer"}).status_code in (403, 404, 405), (nom, url)
    assert photographie_base() == avant


def test_visiteur_anonyme_renvoye_a_la_connexion_sans_rien_changer(client, dossiers_de_a):
    _, dossiers, identifiants = dossiers_de_a
    avant = photographie_base()
    utilisees = Invitation.objects.filter(utilisee_le__isnull=False).count()
    for dossier in dossiers:
        for nom, url in urls_du_dossier(dossier, identifiants):
            reponse = client.get(url)
            assert reponse.status_code == 302 and reponse["Location"].startswith(reverse("portail:connexion")), nom
            # L'enregistrement automatique répond 401 (JSON avec le lien de reconnexion) au lieu de rediriger.
            attendus = (401,) if nom == "brouillon_demande" else (302, 403)
            assert client.post(url, {"action": "deposer"}).status_code in attendus, nom
    assert photographie_base() == avant
    assert Invitation.objects.filter(utilisee_le__isnull=False).count() == utilisees

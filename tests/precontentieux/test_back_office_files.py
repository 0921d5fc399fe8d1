"""Navigation par rôle, compteurs vivants et files d'attente du back-office."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portail.enums import Role
from portail.utils import ajouter_mois
from precontentieux import volume
from precontentieux.files_attente import FILES, compter
from precontentieux.horloge import Echeance, premier_depot_non_echu
from precontentieux.models import Dossier
from tests.fabriques import UtilisateurFactory
from tests.precontentieux.outils_back_office import agent, deposer_il_y_a, dossier_dans

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fichiers(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"


@pytest.fixture
def equipe():
    attributeur = agent(Role.ATTRIBUTEUR)
    redacteur = agent(Role.REDACTEUR, prenom="Rose", nom="RÉDACTRICE")
    autre_redacteur = agent(Role.REDACTEUR, prenom="Paul", nom="AUTRE")
    validateur = agent(Role.VALIDATEUR)
    return attributeur, redacteur, autre_redacteur, validateur


@pytest.fixture
def dossiers(equipe):
    attributeur, redacteur, autre, _ = equipe
    return {
        "depose": [dossier_dans("depose", attributeur=attributeur, redacteur=redacteur) for _ in range(2)],
        "a_instruire": [dossier_dans("a_instruire", attributeur=attributeur, redacteur=redacteur)],
        "a_instruire_autre": [dossier_dans("a_instruire", attributeur=attributeur, redacteur=autre)],
        "en_instruction": [dossier_dans("en_instruction", attributeur=attributeur, redacteur=redacteur)],
        "attente": [dossier_dans("attente_complements", attributeur=attributeur, redacteur=redacteur)],
    }


def compteurs_affiches(html):
    """{libellé du lien: compteur} lus dans le menu latéral."""
    menu = html.split('class="fr-sidemenu"', 1)[1].split("</nav>", 1)[0]
    resultat = {}
    for libelle, nombre in re.findall(r"<a [^>]*>\s*([^<]+?)\s*<span [^>]*data-compteur>(\d+)<", menu):
        resultat[libelle] = int(nombre)
    return resultat


def references(html):
    return re.findall(r'data-reference="([^"]+)"', html)


def test_compteurs_egaux_aux_files_pour_chaque_role(client, equipe, dossiers):
    attributeur, redacteur, autre, validateur = equipe
    for user in (attributeur, redacteur, autre, validateur):
        client.force_login(user)
        html = client.get(reverse("precontentieux:accueil")).content.decode()
        affiches = compteurs_affiches(html)
        for file in FILES:
            if file.role not in user.roles:
                assert file.libelle not in affiches
                continue
            page = client.get(reverse("precontentieux:file", args=[file.cle]), {"par_page": 100})
            assert page.status_code == 200
            assert (
                affiches[file.libelle] == page.context["page"].paginator.count == len(references(page.content.decode()))
            )
    client.force_login(redacteur)
    assert compter(redacteur) == {
        "a-instruire": 1,
        "en-instruction": 1,
        "attente-complements": 1,
        "arrete-a-preparer": 0,
    }
    client.force_login(attributeur)
    assert compter(attributeur) == {"a-attribuer": 2}


def test_les_files_du_redacteur_ne_montrent_que_ses_dossiers(client, equipe, dossiers):
    _, redacteur, autre, _ = equipe
    client.force_login(redacteur)
    html = client.get(reverse("precontentieux:file", args=["a-instruire"])).content.decode()
    assert references(html) == [dossiers["a_instruire"][0].reference]
    assert dossiers["a_instruire_autre"][0].reference not in html


def test_agent_a_plusieurs_roles_voit_l_union(client, equipe, dossiers):
    _, redacteur, _, _ = equipe
    multi = agent(Role.ATTRIBUTEUR, Role.VALIDATEUR, Role.REDACTEUR)
    client.force_login(multi)
    with CaptureQueriesContext(connection) as requetes:
        html = client.get(reverse("precontentieux:accueil")).content.decode()
    affiches = compteurs_affiches(html)
    assert affiches == {
        "À attribuer": 2,
        "À instruire": 0,
        "En instruction": 0,
        "En attente de compléments": 0,
        "Propositions à signer": 0,
        "Rejets à signer": 0,
        "Arrêtés à signer": 0,
        "Arrêté de paiement à préparer": 0,
    }
    assert "Rechercher un dossier" in html and "Mes dossiers" in html
    # Une seule requête agrégée pour tous les compteurs (menu et tuiles de l'accueil la partagent).
    agregats = [q["sql"] for q in requetes.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(agregats) == 1, agregats


def test_gestionnaire_voit_la_recherche_sans_file(client):
    client.force_login(agent(Role.GESTIONNAIRE))
    html = client.get(reverse("precontentieux:accueil")).content.decode()
    # Aucune file de dossiers : seul le compteur des agents en attente (gestion des agents, docs/agents.md).
    assert compteurs_affiches(html) == {"Agents en attente": 0}
    assert reverse("precontentieux:recherche") in html
    assert client.get(reverse("precontentieux:file", args=["a-attribuer"])).status_code == 403


def test_file_colonnes_jours_restants_et_tri(client, equipe):
    attributeur, redacteur, _, _ = equipe
    recent = deposer_il_y_a(dossier_dans("depose", attributeur=attributeur, redacteur=redacteur), 2)
    proche = deposer_il_y_a(dossier_dans("depose", attributeur=attributeur, redacteur=redacteur), 52)
    depasse = deposer_il_y_a(dossier_dans("depose", attributeur=attributeur, redacteur=redacteur), 75)
    client.force_login(attributeur)
    url = reverse("precontentieux:file", args=["a-attribuer"])
    reponse = client.get(url)
    html = reponse.content.decode()
    # Tri par défaut : échéance la plus proche d'abord (= dépôt le plus ancien).
    assert references(html) == [depasse.reference, proche.reference, recent.reference]
    assert references(client.get(url, {"tri": "-depot"}).content.decode()) == [
        recent.reference,
        proche.reference,
        depasse.reference,
    ]
    lignes = {ligne.dossier.reference: ligne for ligne in reponse.context["page"].object_list}
    aujourd_hui = timezone.localdate()
    assert lignes[depasse.reference].echeance.depassee
    assert lignes[proche.reference].echeance.proche
    assert lignes[proche.reference].echeance.jours_restants == (proche.date_rejet_implicite - aujourd_hui).days
    assert not lignes[recent.reference].echeance.proche and not lignes[recent.reference].echeance.depassee
    ligne_proche = html.split(f'data-reference="{proche.reference}"')[1].split("</tr>")[0]
    assert "fr-text-default--error" in ligne_proche
    ligne_depasse = html.split(f'data-reference="{depasse.reference}"')[1].split("</tr>")[0]
    assert "dépassé" in ligne_depasse
    ligne_recente = html.split(f'data-reference="{recent.reference}"')[1].split("</tr>")[0]
    assert "fr-text-default--error" not in ligne_recente
    # Colonnes : référence, statut, requérant, commune, date de dépôt, rédacteur.
    assert "Déposé" in ligne_recente and recent.nom_requerant in ligne_recente
    assert recent.adresse_ville in ligne_recente and "Non attribué" in ligne_recente
    assert recent.date_depot.strftime("%d/%m/%Y") in ligne_recente


def test_echeance_libelles():
    aujourd_hui = datetime.date(2026, 3, 1)
    dossier = Dossier(statut="en_instruction", depose_le=timezone.make_aware(datetime.datetime(2026, 1, 1, 12)))
    echeance = Echeance.du_dossier(dossier, aujourd_hui)
    assert echeance.date == datetime.date(2026, 3, 1) and echeance.libelle == "aujourd’hui" and echeance.proche
    assert Echeance.du_dossier(dossier, datetime.date(2026, 3, 2)).libelle == "dépassé"
    assert Echeance.du_dossier(dossier, datetime.date(2026, 2, 14)).libelle == "15 jours"
    assert not Echeance.du_dossier(dossier, datetime.date(2026, 2, 14)).proche
    assert Echeance.du_dossier(dossier, datetime.date(2026, 2, 15)).proche
    dossier.statut = "indemnise"
    assert Echeance.du_dossier(dossier, aujourd_hui).libelle == "—"


@pytest.mark.parametrize("jour", [datetime.date(2026, 2, 28), datetime.date(2026, 3, 1), datetime.date(2024, 4, 30)])
def test_premier_depot_non_echu(jour):
    seuil = premier_depot_non_echu(jour)
    assert ajouter_mois(seuil, 2) >= jour
    assert ajouter_mois(seuil - datetime.timedelta(days=1), 2) < jour


def nombre_de_requetes(client, url, **params):
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(url, params)
    assert reponse.status_code == 200
    return len(requetes.captured_queries), reponse


def test_meme_nombre_de_requetes_pour_5_et_50_lignes(client):
    volume.semer(120, redacteurs=6)
    attributeur = agent(Role.ATTRIBUTEUR, Role.REDACTEUR, Role.VALIDATEUR)
    client.force_login(attributeur)
    for cle in ("a-attribuer",):
        url = reverse("precontentieux:file", args=[cle])
        n5, r5 = nombre_de_requetes(client, url, par_page=5)
        n50, r50 = nombre_de_requetes(client, url, par_page=50)
        assert len(r5.context["page"].object_list) == 5
        assert len(r50.context["page"].object_list) == min(50, r50.context["page"].paginator.count) > 5
        assert n5 == n50
    url = reverse("precontentieux:recherche")
    n5, r5 = nombre_de_requetes(client, url, par_page=5, tri="-depot")
    n50, r50 = nombre_de_requetes(client, url, par_page=50, tri="-depot")
    assert (len(r5.context["page"].object_list), len(r50.context["page"].object_list)) == (5, 50)
    assert n5 == n50
    # Lignes rédacteur variées : le rédacteur est chargé avec la page, pas ligne par ligne.
    assert len({ligne.dossier.redacteur_id for ligne in r50.context["page"].object_list}) > 2


def test_page_hors_limites_et_cle_inconnue(client, equipe, dossiers):
    attributeur = equipe[0]
    client.force_login(attributeur)
    reponse = client.get(reverse("precontentieux:file", args=["a-attribuer"]), {"page": "999", "par_page": "1"})
    assert reponse.context["page"].number == 2
    assert client.get(reverse("precontentieux:file", args=["inconnue"])).status_code == 404


URLS_G1 = [
    ("precontentieux:accueil", []),
    ("precontentieux:file", ["a-attribuer"]),
    ("precontentieux:file", ["a-instruire"]),
    ("precontentieux:file", ["propositions-a-signer"]),
    ("precontentieux:file", ["rejets-a-signer"]),
    ("precontentieux:file", ["arretes-a-signer"]),
    ("precontentieux:recherche", []),
    ("precontentieux:export_csv", []),
]


@pytest.mark.parametrize("qui", ["usager", "policier", "gendarme"])
def test_404_pour_usager_et_forces_de_l_ordre(client, qui):
    if qui == "usager":
        user = UtilisateurFactory()
    else:
        user = UtilisateurFactory(policier=True)
    client.force_login(user)
    for nom, args in URLS_G1:
        assert client.get(reverse(nom, args=args)).status_code == 404, nom
        assert client.get(reverse(nom, args=args), {"q": "dup"}).status_code == 404, nom


def test_refus_403_pour_agent_mj_sans_le_role(client, equipe):
    client.force_login(agent(Role.LIAISON_BUDGET))
    assert client.get(reverse("precontentieux:accueil")).status_code == 200
    for cle in ("a-attribuer", "a-instruire", "propositions-a-signer", "rejets-a-signer", "arretes-a-signer"):
        assert client.get(reverse("precontentieux:file", args=[cle])).status_code == 403
    client.force_login(agent())
    assert client.get(reverse("precontentieux:accueil")).status_code == 403


def test_garde_refuse_aussi_sans_requete_http():
    from precontentieux.acces import back_office

    class Requete:
        user = agent(Role.REDACTEUR)

    with pytest.raises(PermissionDenied):
        back_office(Role.ATTRIBUTEUR)(lambda request: None)(Requete())

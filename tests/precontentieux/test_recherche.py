"""Recherche de dossiers (plein texte sur PostgreSQL, repli icontains sur SQLite), filtres, export CSV."""

import csv
import io
import re

import pytest
from django.db import connection
from django.urls import reverse

from portail.enums import CodeAdministration, Role, TypeEvenement
from portail.models import Administration, Evenement
from precontentieux.enums import StatutDossier, TypePersonneMorale, TypeRequerant
from precontentieux.models import Dossier
from tests.fabriques import UtilisateurFactory
from tests.precontentieux.outils_back_office import agent, deposer_il_y_a, dossier_dans, dossier_depose

pytestmark = pytest.mark.django_db
postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="plein texte PostgreSQL : lancer avec DATABASE_URL=postgres://…"
)


@pytest.fixture(autouse=True)
def _fichiers(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"


@pytest.fixture
def equipe():
    return agent(Role.ATTRIBUTEUR), agent(Role.REDACTEUR, prenom="Rose", nom="RÉDACTRICE")


@pytest.fixture
def jeu(equipe):
    attributeur, redacteur = equipe
    dupont = dossier_depose(nom_naissance="DUPONT", prenoms="Martin", adresse_ville="Lyon")
    lefevre = dossier_dans(
        "en_instruction",
        attributeur=attributeur,
        redacteur=redacteur,
        nom_naissance="LEFÈVRE",
        prenoms="Hélène",
        adresse_ville="Saint-Étienne",
    )
    societe = dossier_depose(
        type_requerant=TypeRequerant.PERSONNE_MORALE,
        type_personne_morale=TypePersonneMorale.SCI,
        raison_sociale="SCI Les Érables",
        siren_siret="73282932000074",
        representant_legal="Jean Morel",
        nom_naissance="",
        prenoms="",
    )
    return {"dupont": dupont, "lefevre": lefevre, "societe": societe}


def references(reponse):
    assert reponse.status_code == 200
    return set(re.findall(r'data-reference="([^"]+)"', reponse.content.decode()))


@pytest.fixture
def chercher(client, equipe):
    client.force_login(equipe[0])

    def chercher(**params):
        return references(client.get(reverse("precontentieux:recherche"), params))

    return chercher


def test_prefixe_trouve_dupont(chercher, jeu):
    assert chercher(q="dup") == {jeu["dupont"].reference}
    assert chercher(q="DUPONT martin") == {jeu["dupont"].reference}
    assert chercher(q="dup lyon") == {jeu["dupont"].reference}
    assert chercher(q="dup saint") == set()


def test_reference_siret_code_postal_raison_sociale(chercher, jeu):
    assert chercher(q=jeu["societe"].reference) == {jeu["societe"].reference}
    assert chercher(q="732829") == {jeu["societe"].reference}
    assert chercher(q="SCI") == {jeu["societe"].reference}


@postgresql
def test_prefixe_sans_accent_plein_texte(chercher, jeu):
    assert chercher(q="lefevre") == {jeu["lefevre"].reference}
    assert chercher(q="lefe") == {jeu["lefevre"].reference}
    assert chercher(q="helene saint etienne") == {jeu["lefevre"].reference}
    assert chercher(q="erables") == {jeu["societe"].reference}
    # Référence BP de la déclaration des forces de l'ordre.
    assert chercher(q=jeu["dupont"].declaration.reference) == {jeu["dupont"].reference}


@postgresql
def test_index_gin_et_vecteur_a_jour():
    with connection.cursor() as curseur:
        curseur.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'dossier_vecteur_recherche_gin'")
        assert "gin" in curseur.fetchone()[0].lower()
    dossier = dossier_depose(nom_naissance="GARNIER")
    Dossier.objects.filter(pk=dossier.pk).update(nom_naissance="FAURÉ")
    assert Dossier.objects.filter(pk=dossier.pk, vecteur_recherche__isnull=False).exists()
    assert str(Dossier.objects.values_list("vecteur_recherche", flat=True).get(pk=dossier.pk)).count("faur") == 1


def test_saisie_hostile_ne_casse_rien(chercher, jeu):
    for saisie in ("dup & | ! :* ()", "'); DROP TABLE x; --", "<script>", "\\", "::"):
        chercher(q=saisie)
    assert chercher(q="dup & |") == {jeu["dupont"].reference}


def test_filtres(chercher, jeu, equipe):
    _, redacteur = equipe
    tous = {d.reference for d in jeu.values()}
    assert chercher() == tous
    assert chercher(statut=[StatutDossier.DEPOSE]) == {jeu["dupont"].reference, jeu["societe"].reference}
    assert chercher(statut=[StatutDossier.DEPOSE, StatutDossier.EN_INSTRUCTION]) == tous
    assert chercher(redacteur="aucun") == {jeu["dupont"].reference, jeu["societe"].reference}
    assert chercher(redacteur=str(redacteur.pk)) == {jeu["lefevre"].reference}
    assert chercher(administration=CodeAdministration.PN) == tous  # déclarés par un policier
    assert chercher(administration=CodeAdministration.GN) == set()
    deposer_il_y_a(jeu["dupont"], 80)
    jour = jeu["dupont"].date_depot.isoformat()
    assert chercher(depose_du=jour, depose_au=jour) == {jeu["dupont"].reference}
    assert chercher(depose_au=jour) == {jeu["dupont"].reference}
    assert chercher(echeance_depassee="on") == {jeu["dupont"].reference}


def test_administration_du_declarant_gendarmerie(chercher, jeu):
    gendarme = jeu["societe"].declaration.agent
    gendarme.administration = Administration.objects.get(code=CodeAdministration.GN)
    gendarme.save()
    assert chercher(administration=CodeAdministration.GN) == {jeu["societe"].reference}


def test_dossier_a_completer_absent(chercher, jeu):
    from tests.fabriques import dossier_declare

    brouillon = dossier_declare(requerant=UtilisateurFactory(), adresse_ville="Lyon")
    assert brouillon.reference not in chercher(q="lyon")


def test_erreur_de_saisie_liee_au_champ(client, equipe):
    client.force_login(equipe[0])
    reponse = client.get(reverse("precontentieux:recherche"), {"depose_du": "2026-05-02", "depose_au": "2026-05-01"})
    html = reponse.content.decode()
    assert reponse.status_code == 200 and reponse.context["page"] is None
    assert "postérieure ou égale" in html and "<title>Erreur" in html
    reponse = client.get(reverse("precontentieux:recherche"), {"depose_du": "hier"})
    assert "fr-input-group--error" in reponse.content.decode()


def test_export_csv(client, equipe, jeu):
    client.force_login(equipe[0])
    Dossier.objects.filter(pk=jeu["dupont"].pk).update(nom_naissance='=HYPERLINK("x")')
    reponse = client.get(reverse("precontentieux:export_csv"), {"statut": [StatutDossier.DEPOSE]})
    assert reponse.status_code == 200 and reponse.streaming
    assert reponse["Content-Type"] == "text/csv; charset=utf-8"
    assert reponse["Content-Disposition"].startswith('attachment; filename="dossiers-')
    contenu = b"".join(reponse.streaming_content).decode("utf-8")
    assert contenu.startswith("\ufeff")
    lignes = list(csv.reader(io.StringIO(contenu.lstrip("\ufeff")), delimiter=";"))
    assert lignes[0][:3] == ["Référence", "Statut", "Requérant"]
    assert {ligne[0] for ligne in lignes[1:]} == {jeu["dupont"].reference, jeu["societe"].reference}
    # Formule neutralisée (injection CSV).
    assert not any(cellule.startswith("=") for ligne in lignes for cellule in ligne)
    evenement = Evenement.objects.get(type=TypeEvenement.EXPORT_RECHERCHE)
    assert evenement.acteur == equipe[0]
    assert evenement.details == {"criteres": {"statut": [StatutDossier.DEPOSE]}, "nombre": 2}


def test_export_csv_refuse_usager_et_n_ecrit_rien(client, jeu):
    client.force_login(UtilisateurFactory())
    assert client.get(reverse("precontentieux:export_csv")).status_code == 404
    assert not Evenement.objects.filter(type=TypeEvenement.EXPORT_RECHERCHE).exists()

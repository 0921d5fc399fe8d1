"""Caractères refusés de bout en bout : pas d'erreur 500 (PostgreSQL refuse le caractère NUL), une erreur
française liée au champ, rien d'écrit. À lancer aussi avec DATABASE_URL vers PostgreSQL (issue 11, item 6)."""

import pytest
from django.urls import reverse

from precontentieux.models import Dossier
from tests.fabriques import UtilisateurFactory, dossier_declare
from tests.portail.comptes_outils import creer_compte

pytestmark = pytest.mark.django_db

E1, E2 = "le-bris-de-porte", "vos-informations"
MESSAGE_NUL = "caractère invisible non autorisé (caractère de contrôle U+0000)"
MESSAGE_BIDI = "modifie le sens d’écriture du texte (U+202E)"


def texte(reponse):
    return reponse.content.decode()


def test_nul_dans_la_connexion_et_la_reinitialisation(client):
    creer_compte()
    reponse = client.post(reverse("account_login"), {"login": "camille@exemple.fr\x00", "password": "x\x00y"})
    assert reponse.status_code == 200
    assert MESSAGE_NUL in texte(reponse)
    assert "_auth_user_id" not in client.session
    reponse = client.post(reverse("account_reset_password"), {"email": "camille\x00@exemple.fr"})
    assert reponse.status_code == 200
    assert MESSAGE_NUL in texte(reponse)
    reponse = client.post(reverse("account_signup"), {"email": "a\x00@exemple.fr", "password1": "x", "password2": "x"})
    assert reponse.status_code == 200
    assert MESSAGE_NUL in texte(reponse)


@pytest.fixture
def usager():
    return UtilisateurFactory(prenom="Martin", nom="DUPONT", email="martin@exemple.fr")


def poster(client, dossier, etape, champs):
    version = Dossier.objects.values_list("version", flat=True).get(pk=dossier.pk)
    donnees = {f"{etape}-{k}": v for k, v in champs.items()}
    donnees.update(version=version, action="continuer")
    return client.post(reverse("usagers:completer_etape", args=[dossier.reference, etape]), donnees)


def test_nul_et_inversion_de_sens_dans_la_demande_de_l_usager(client, usager):
    dossier = dossier_declare(usager)
    client.force_login(usager)
    champs = {
        "type_requerant": "physique\x00",
        "qualite": "locataire",
        "date_operation": "2026-11-02",
        "adresse_voie": "12 rue des Lilas\x00",
        "adresse_code_postal": "６９003",
        "adresse_ville": "\u202enoyL",
        "description": "Porte \u202eenfoncée.",
        "porte_blindee": "non",
        "reparation_effectuee": "non",
        "logement_assure": "oui",
    }
    reponse = poster(client, dossier, E1, champs)
    assert reponse.status_code == 400
    contenu = texte(reponse)
    # Date et adresse déclarées par l'agent sont en lecture seule (item 7) : leur saisie est ignorée.
    assert contenu.count(MESSAGE_NUL) >= 1
    assert MESSAGE_BIDI in contenu
    # Le brouillon garde la saisie brute (sans NUL) ; aucune colonne ne reçoit une valeur refusée.
    colonnes = Dossier.objects.values().get(pk=dossier.pk)
    brouillon = colonnes.pop("brouillon")
    assert "\x00" not in str(brouillon)
    for nom, valeur in colonnes.items():
        assert "\x00" not in str(valeur) and "\u202e" not in str(valeur), nom


def test_nul_dans_l_enregistrement_automatique(client, usager):
    dossier = dossier_declare(usager)
    client.force_login(usager)
    version = Dossier.objects.values_list("version", flat=True).get(pk=dossier.pk)
    reponse = client.post(
        reverse("usagers:brouillon_demande", args=[dossier.reference]),
        {"etape": E1, "version": version, f"{E1}-description": "Porte\x00 fendue", f"{E1}-adresse_ville": "Ly\x00on"},
    )
    assert reponse.status_code == 200
    dossier.refresh_from_db()
    assert "\x00" not in dossier.description
    assert "\x00" not in str(dossier.brouillon)


@pytest.mark.parametrize("chiffres", ["０６ ００ ００ ００ ００", "٠٦ ٠٠ ٠٠ ٠٠ ٠٠"])
def test_chiffres_pleine_chasse_et_arabes_indiens_refuses(client, usager, chiffres):
    dossier = dossier_declare(usager)
    client.force_login(usager)
    poster(
        client,
        dossier,
        E1,
        {
            "type_requerant": "morale",
            "type_personne_morale": "sci",
            "qualite": "locataire",
            "date_operation": "2026-11-02",
            "adresse_voie": "12 rue des Lilas",
            "adresse_code_postal": "69003",
            "adresse_ville": "Lyon",
            "description": "Porte enfoncée.",
            "porte_blindee": "non",
            "reparation_effectuee": "non",
            "logement_assure": "oui",
        },
    )
    reponse = poster(
        client,
        dossier,
        E2,
        {
            "raison_sociale": "SCI Les Lilas",
            "siren_siret": "７３２ ８２９ ３２０ ０００７４",
            "representant_legal": "Claire MARTIN",
            "requerant_adresse_voie": "12 rue des Lilas",
            "requerant_adresse_code_postal": "٦٩٠٠٣",
            "requerant_adresse_ville": "Lyon",
            "telephone": chiffres,
            "courriel": "martin.dupont@courriel.fr",
            "iban": "FR76 ３000 6000 0112 3456 7890 189",
            "titulaire_compte": "SCI Les Lilas",
        },
    )
    assert reponse.status_code == 400
    contenu = texte(reponse)
    assert "Saisissez le numéro SIREN (9 chiffres) ou SIRET (14 chiffres)" in contenu
    assert "Le code postal doit comporter 5 chiffres" in contenu
    assert "Saisissez un numéro de téléphone valide" in contenu
    assert "Saisissez un IBAN valide" in contenu
    dossier.refresh_from_db()
    assert dossier.iban == "" and dossier.siren_siret == "" and dossier.telephone == ""

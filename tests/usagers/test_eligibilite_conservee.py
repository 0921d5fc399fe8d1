"""Issue 8 : les réponses du test d'éligibilité fait avant de créer la demande sont conservées avec elle et montrées
aux agents dans la section « Demande de l'usager » de la fiche ; les dossiers sans test restent affichables."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse

from precontentieux.models import Dossier
from tests.fabriques import UtilisateurFactory, completer
from tests.precontentieux.outils_backoffice import agents, dossier_depose

pytestmark = pytest.mark.django_db

REPONSES = {
    "statut": "locataire",
    "personne_recherchee": "ne_sait_pas",
    "domicile": "non",
    "assurance": "sans_assurance",
    "bailleur": "oui",
}


@pytest.fixture(autouse=True)
def _isolement(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"
    cache.clear()


def repondre_au_test(client):
    client.post(reverse("eligibilite:debut"))
    for cle, valeur in REPONSES.items():
        reponse = client.post(reverse("eligibilite:question", args=[cle]), {cle: valeur})
        assert reponse.status_code == 302, (cle, reponse.status_code)
    assert client.get(reverse("eligibilite:resultat")).status_code == 200


def test_reponses_conservees_puis_montrees_sur_la_fiche(client):
    usager = UtilisateurFactory()
    repondre_au_test(client)  # avant de se connecter, comme sur le site public
    client.force_login(usager)
    jeton = client.get(reverse("usagers:nouvelle_demande")).context["jeton"]
    client.post(reverse("usagers:nouvelle_demande"), {"jeton": jeton})
    dossier = Dossier.objects.get(requerant=usager)
    conservees = dossier.reponses_eligibilite
    assert [ligne["cle"] for ligne in conservees["reponses"]] == list(REPONSES)
    assert {
        "cle": "assurance",
        "question": "Avez-vous contacté votre assureur ?",
        "reponse": "Je n’ai pas d’assurance pour ce logement",
    } in conservees["reponses"]
    assert conservees["issue"] == "Éligible"

    completer(
        dossier,
        date_operation=datetime.date(2026, 11, 2),
        adresse_voie="12 rue des Lilas",
        adresse_code_postal="69003",
        adresse_ville="Lyon",
    )
    dossier.deposer(usager, attestation=True)
    client.force_login(agents()["attributeur"])
    html = client.get(reverse("precontentieux:dossier", args=[dossier.reference])).content.decode()
    section = html.split('id="demande"', 1)[1].split("</section>", 1)[0]
    assert "Test d’éligibilité" in section and "Résultat : Éligible." in section
    assert "Étiez-vous la personne recherchée par les forces de l’ordre ?" in section
    assert "Je ne sais pas" in section and "Locataire" in section


def test_dossier_sans_test_d_eligibilite_la_fiche_le_dit(client):
    dossier = dossier_depose()
    assert dossier.reponses_eligibilite == {}
    client.force_login(agents()["attributeur"])
    reponse = client.get(reverse("precontentieux:dossier", args=[dossier.reference]))
    assert reponse.status_code == 200
    assert "Aucune réponse conservée" in reponse.content.decode()


def test_demande_creee_sans_test_ne_conserve_rien(client):
    usager = UtilisateurFactory()
    client.force_login(usager)
    jeton = client.get(reverse("usagers:nouvelle_demande")).context["jeton"]
    client.post(reverse("usagers:nouvelle_demande"), {"jeton": jeton})
    assert Dossier.objects.get(requerant=usager).reponses_eligibilite == {}

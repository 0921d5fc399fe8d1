import pytest
from django.urls import reverse

from precontentieux.enums import OrigineDossier, QualiteRequerant, StatutDossier, TypePiece, TypeRequerant
from precontentieux.models import Dossier
from precontentieux.pieces import AIDE_DOCUMENT_FORCES_DE_L_ORDRE, Situation, types_requis
from tests.fabriques import UtilisateurFactory

pytestmark = pytest.mark.django_db


def jeton(client):
    reponse = client.get(reverse("usagers:nouvelle_demande"))
    assert reponse.status_code == 200
    assert reponse.content.decode().count("<h1") == 1
    return reponse.context["jeton"]


def test_le_get_ne_cree_rien_et_le_post_cree_une_demande_a_completer(client):
    usager = UtilisateurFactory()
    client.force_login(usager)
    valeur = jeton(client)
    assert not Dossier.objects.exists()
    reponse = client.post(reverse("usagers:nouvelle_demande"), {"jeton": valeur})
    dossier = Dossier.objects.get()
    assert (dossier.requerant, dossier.origine, dossier.statut) == (
        usager,
        OrigineDossier.USAGER,
        StatutDossier.A_COMPLETER,
    )
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("usagers:completer", args=[dossier.reference])
    assert dossier.evenements.count() == 1


def test_double_clic_ou_rejeu_ne_cree_qu_une_demande(client):
    client.force_login(UtilisateurFactory())
    valeur = jeton(client)
    premiere = client.post(reverse("usagers:nouvelle_demande"), {"jeton": valeur})
    seconde = client.post(reverse("usagers:nouvelle_demande"), {"jeton": valeur})
    assert Dossier.objects.count() == 1
    assert seconde["Location"] == premiere["Location"]


def test_le_resultat_du_test_d_eligibilite_pre_remplit_la_situation(client):
    client.force_login(UtilisateurFactory())
    session = client.session
    session["eligibilite_resultat"] = {"issue": "eligible", "statut": "locataire", "personne_morale": False}
    session.save()
    client.post(reverse("usagers:nouvelle_demande"), {"jeton": jeton(client)})
    dossier = Dossier.objects.get()
    assert (dossier.type_requerant, dossier.qualite) == (TypeRequerant.PERSONNE_PHYSIQUE, QualiteRequerant.LOCATAIRE)


def test_la_page_annonce_le_document_des_forces_de_l_ordre(client):
    client.force_login(UtilisateurFactory())
    html = client.get(reverse("usagers:nouvelle_demande")).content.decode()
    assert 'id="document-forces-de-l-ordre"' in html
    assert AIDE_DOCUMENT_FORCES_DE_L_ORDRE in html
    for mot in ("attestation", "procès-verbal", "récépissé", "avis de passage"):
        assert mot in html


@pytest.mark.parametrize(("assurance", "assure"), [("sans_assurance", False), ("attestation", True), ("non", None)])
def test_la_reponse_sur_l_assurance_pre_remplit_logement_assure(client, assurance, assure):
    client.force_login(UtilisateurFactory())
    session = client.session
    session["eligibilite_resultat"] = {
        "issue": "eligible",
        "statut": "proprietaire_occupant",
        "personne_morale": False,
        "reponses": {"statut": "proprietaire_occupant", "assurance": assurance},
    }
    session.save()
    client.post(reverse("usagers:nouvelle_demande"), {"jeton": jeton(client)})
    dossier = Dossier.objects.get()
    assert dossier.logement_assure is assure
    # Sans assurance : la table des pièces ne demande aucune attestation d'assureur, la personne peut déposer.
    requis = types_requis(Situation.du_dossier(dossier))
    assert (TypePiece.ATTESTATION_ASSURANCE in requis) is (assure is not False)
    assert TypePiece.ATTESTATION_FORCES_DE_L_ORDRE in requis


@pytest.mark.parametrize("profil", [{"policier": True}, {"agent_mj": True}])
def test_reserve_aux_usagers(client, profil):
    client.force_login(UtilisateurFactory(**profil))
    assert client.get(reverse("usagers:nouvelle_demande")).status_code == 403
    assert client.post(reverse("usagers:nouvelle_demande"), {"jeton": "x"}).status_code == 403
    assert not Dossier.objects.exists()


def test_un_anonyme_est_renvoye_vers_la_connexion(client):
    reponse = client.post(reverse("usagers:nouvelle_demande"))
    assert reponse.status_code == 302 and reponse["Location"].startswith(reverse("portail:connexion"))
    assert not Dossier.objects.exists()


def test_jeton_non_ascii_ne_provoque_pas_d_erreur_et_ne_cree_rien(client):
    """`secrets.compare_digest` lève TypeError sur une chaîne non ASCII : le formulaire rejoué avec un jeton
    trafiqué doit être traité comme un rejeu (redirection), jamais comme une erreur 500."""
    client.force_login(UtilisateurFactory())
    jeton(client)
    reponse = client.post(reverse("usagers:nouvelle_demande"), {"jeton": "jéton-trafiqué-€"})
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("usagers:nouvelle_demande")
    assert not Dossier.objects.exists()

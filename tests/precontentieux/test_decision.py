"""Décision du rédacteur à l'écran : proposer une indemnisation, proposer un rejet (aperçu puis soumission), clôturer
avec un motif ; lecture et PDF des courriers (back-office et usager). Vraies transitions, vraie base, vraie boîte
d'envoi."""

from decimal import Decimal

import pytest
from django.urls import reverse

from portail.enums import Role
from portail.models import EmailSortant
from precontentieux.courriers import Courrier, TypeCourrier, courrier_actif, signer_courrier
from precontentieux.enums import MotifCloture, MotifRejet, StatutDossier, TypePiece
from precontentieux.models import Dossier
from tests.fabriques import PieceFactory, UtilisateurFactory
from tests.precontentieux.outils_backoffice import agents, dossier_en_instruction, photographie_base

pytestmark = pytest.mark.django_db
S = StatutDossier


@pytest.fixture(autouse=True)
def _fichiers(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"


@pytest.fixture
def equipe():
    return agents()


@pytest.fixture
def dossier(equipe):
    dossier = dossier_en_instruction(equipe)
    Dossier.objects.filter(pk=dossier.pk).update(montant_demande=Decimal("1234.56"))
    dossier.refresh_from_db()
    return dossier


def url(nom, dossier, *args):
    return reverse(f"precontentieux:{nom}", args=[dossier.reference, *args])


def texte(reponse):
    return reponse.content.decode()


def test_la_fiche_propose_les_decisions_et_montre_le_montant_demande(client, equipe, dossier):
    client.force_login(equipe["redacteur"])
    page = texte(client.get(url("dossier", dossier)))
    for nom in ("proposer_indemnisation", "proposer_rejet", "cloturer"):
        assert url(nom, dossier) in page
    assert "1\u202f234,56\u00a0€" in page


def test_proposer_une_indemnisation_de_bout_en_bout(client, equipe, dossier):
    facture = PieceFactory(dossier=dossier, type=TypePiece.DEVIS, par=equipe["redacteur"], nom="devis.pdf")
    PieceJointe = type(facture)
    PieceJointe.objects.filter(pk=facture.pk).update(montant=Decimal("999.90"))
    client.force_login(equipe["redacteur"])
    page = texte(client.get(url("proposer_indemnisation", dossier)))
    assert 'value="1234,56"' in page  # prérempli avec le montant demandé
    assert "999,90\u00a0€" in page and "devis.pdf" in page  # montants des factures et devis
    # Aperçu : le courrier est préparé (non signé), rien ne change encore dans le dossier.
    reponse = client.post(url("proposer_indemnisation", dossier), {"montant": "1 500,00", "paragraphe": "Devis <i>"})
    courrier = courrier_actif(dossier, TypeCourrier.PROPOSITION)
    assert reponse.status_code == 302 and reponse["Location"] == url("courrier", dossier, courrier.pk)
    dossier.refresh_from_db()
    assert dossier.statut == S.EN_INSTRUCTION and dossier.montant_propose is None
    page = texte(client.get(reponse["Location"]))
    assert "mille cinq cents euros" in page
    assert "La proposition dépasse le montant demandé" in page
    assert "Devis &lt;i&gt;" in page
    assert "Soumettre à la signature" in page
    pdf = client.get(url("courrier_pdf", dossier, courrier.pk))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    # Soumission : la transition a lieu une fois ; un second envoi (double clic) ne fait rien de plus.
    reponse = client.post(url("soumettre_courrier", dossier, courrier.pk))
    assert reponse.status_code == 302
    dossier.refresh_from_db()
    assert dossier.statut == S.PROPOSITION_A_SIGNER and dossier.montant_propose == Decimal("1500.00")
    avant = photographie_base()
    reponse = client.post(url("soumettre_courrier", dossier, courrier.pk))
    assert reponse.status_code == 302 and photographie_base() == avant
    assert "impossible : le dossier est « Proposition à signer »" in texte(client.get(reponse["Location"]))


def test_pas_d_alerte_quand_la_proposition_ne_depasse_pas(client, equipe, dossier):
    client.force_login(equipe["redacteur"])
    reponse = client.post(url("proposer_indemnisation", dossier), {"montant": "80", "paragraphe": ""})
    page = texte(client.get(reponse["Location"]))
    assert "quatre-vingts euros" in page and "dépasse" not in page


@pytest.mark.parametrize("saisie", ["", "abc", "0", "12,345", "-5"])
def test_montant_invalide_refuse(client, equipe, dossier, saisie):
    client.force_login(equipe["redacteur"])
    reponse = client.post(url("proposer_indemnisation", dossier), {"montant": saisie})
    assert reponse.status_code == 400 and "Le formulaire contient des erreurs" in texte(reponse)
    assert not Courrier.objects.exists()


def test_dossier_sans_montant_demande_reste_valide(client, equipe):
    dossier = dossier_en_instruction(equipe)
    Dossier.objects.filter(pk=dossier.pk).update(montant_demande=None)  # déposé avant la saisie du montant
    dossier.refresh_from_db()
    client.force_login(equipe["redacteur"])
    assert "non précisé" in texte(client.get(url("dossier", dossier)))
    page = texte(client.get(url("proposer_indemnisation", dossier)))
    assert "non précisé par l’usager" in page
    reponse = client.post(url("proposer_indemnisation", dossier), {"montant": "300"})
    assert reponse.status_code == 302
    assert "Vous évaluez" not in texte(client.get(reponse["Location"]))


@pytest.mark.parametrize("motif", list(MotifRejet))
def test_proposer_un_rejet_pour_chaque_motif(client, equipe, dossier, motif):
    client.force_login(equipe["redacteur"])
    donnees = {"motif": motif, "texte": "Le logement n’existe pas." if motif == MotifRejet.AUTRE else ""}
    reponse = client.post(url("proposer_rejet", dossier), donnees)
    courrier = courrier_actif(dossier, TypeCourrier.REJET)
    assert reponse.status_code == 302 and courrier.donnees["motif"] == motif
    client.post(url("soumettre_courrier", dossier, courrier.pk))
    dossier.refresh_from_db()
    assert dossier.statut == S.REJET_A_SIGNER
    evenement = dossier.evenements.latest("id")
    assert evenement.details["motif_rejet"] == motif and MotifRejet(motif).label in evenement.details["motif"]


def test_autre_motif_de_rejet_sans_texte_refuse(client, equipe, dossier):
    client.force_login(equipe["redacteur"])
    reponse = client.post(url("proposer_rejet", dossier), {"motif": MotifRejet.AUTRE, "texte": " "})
    assert reponse.status_code == 400 and "écrivez le texte du motif" in texte(reponse)
    assert not Courrier.objects.exists()


def test_un_rejet_soumis_remplace_l_apercu_de_proposition(client, equipe, dossier):
    client.force_login(equipe["redacteur"])
    client.post(url("proposer_indemnisation", dossier), {"montant": "80"})
    client.post(url("proposer_rejet", dossier), {"motif": MotifRejet.PARTIES_COMMUNES})
    rejet = courrier_actif(dossier, TypeCourrier.REJET)
    client.post(url("soumettre_courrier", dossier, rejet.pk))
    assert courrier_actif(dossier, TypeCourrier.PROPOSITION) is None


@pytest.mark.parametrize("role", ["validateur", "redacteur2", "attributeur", "liaison_budget", "gestionnaire"])
def test_mauvais_role_refuse_sans_rien_ecrire(client, equipe, dossier, role):
    # Un aperçu préparé par le rédacteur en charge, que l'intrus essaierait de soumettre.
    client.force_login(equipe["redacteur"])
    client.post(url("proposer_indemnisation", dossier), {"montant": "80"})
    courrier = courrier_actif(dossier, TypeCourrier.PROPOSITION)
    client.force_login(equipe[role])
    avant = photographie_base(), Courrier.objects.count()
    for nom, donnees in (
        ("proposer_indemnisation", {"montant": "80"}),
        ("proposer_rejet", {"motif": MotifRejet.PARTIES_COMMUNES}),
    ):
        reponse = client.get(url(nom, dossier))
        if role == "redacteur2":  # rédacteur, mais pas en charge : la page dit pourquoi, sans formulaire
            assert reponse.status_code == 200 and "attribué à un autre rédacteur" in texte(reponse)
            assert "Voir l’aperçu du courrier" not in texte(reponse)
        else:
            assert reponse.status_code == 403
        reponse = client.post(url(nom, dossier), donnees)
        assert reponse.status_code in (302, 403)
    reponse = client.post(url("soumettre_courrier", dossier, courrier.pk))
    assert reponse.status_code in (302, 403)
    if role != "attributeur":
        client.post(url("cloturer", dossier), {"motif": MotifCloture.DOUBLON})
    assert (photographie_base(), Courrier.objects.count()) == avant


def test_cloturer_avec_un_motif_averti_l_usager(client, equipe, dossier):
    client.force_login(equipe["redacteur"])
    assert "Demande en double" in texte(client.get(url("cloturer", dossier)))
    reponse = client.post(url("cloturer", dossier), {"motif": MotifCloture.AUTRE, "texte": ""})
    assert reponse.status_code == 400
    reponse = client.post(url("cloturer", dossier), {"motif": MotifCloture.AUTRE, "texte": "Indemnisé par l’assureur"})
    assert reponse.status_code == 302
    dossier.refresh_from_db()
    assert dossier.statut == S.CLOTURE
    courriel = EmailSortant.objects.filter(gabarit="cloture").latest("pk")
    assert courriel.destinataire == dossier.requerant.email
    assert "Autre motif : Indemnisé par l’assureur" in courriel.contexte["motif"]
    assert dossier.evenements.latest("id").details["motif_cloture"] == MotifCloture.AUTRE
    # Double envoi : rien de plus.
    avant = photographie_base()
    client.post(url("cloturer", dossier), {"motif": MotifCloture.DOUBLON})
    assert photographie_base() == avant


def test_cloture_seulement_depuis_les_etats_de_la_table(client, equipe, dossier):
    client.force_login(equipe["redacteur"])
    client.post(url("proposer_indemnisation", dossier), {"montant": "80"})
    client.post(url("soumettre_courrier", dossier, courrier_actif(dossier, TypeCourrier.PROPOSITION).pk))
    page = texte(client.get(url("cloturer", dossier)))
    assert "Clôturer définitivement" not in page  # l'alerte dit pourquoi, pas de formulaire
    avant = photographie_base()
    client.post(url("cloturer", dossier), {"motif": MotifCloture.DOUBLON})
    assert photographie_base() == avant


def test_pdf_en_preparation_tant_que_la_tache_n_a_pas_tourne(client, equipe, dossier, monkeypatch):
    from precontentieux import tasks

    client.force_login(equipe["redacteur"])
    client.post(url("proposer_indemnisation", dossier), {"montant": "80"})
    courrier = courrier_actif(dossier, TypeCourrier.PROPOSITION)
    Courrier.objects.filter(pk=courrier.pk).update(fichier="")

    def broker_arrete(*args, **kwargs):
        raise ConnectionError("broker arrêté")

    monkeypatch.setattr(tasks.generer_courrier, "delay", broker_arrete)
    reponse = client.get(url("courrier_pdf", dossier, courrier.pk))
    assert reponse.status_code == 202


def test_usager_ne_telecharge_que_le_courrier_signe_de_sa_demande(client, equipe, dossier):
    client.force_login(equipe["redacteur"])
    client.post(url("proposer_indemnisation", dossier), {"montant": "80"})
    courrier = courrier_actif(dossier, TypeCourrier.PROPOSITION)
    adresse = reverse("usagers:courrier_pdf", args=[dossier.reference, courrier.pk])
    client.force_login(dossier.requerant)
    assert client.get(adresse).status_code == 404  # aperçu non signé : jamais montré à l'usager
    signer_courrier(courrier, equipe["validateur"], "Cheffe du bureau")
    reponse = client.get(adresse)
    assert reponse.status_code == 200 and b"".join(reponse.streaming_content).startswith(b"%PDF")
    client.force_login(UtilisateurFactory())
    assert client.get(adresse).status_code == 404
    client.force_login(UtilisateurFactory(policier=True))
    assert client.get(adresse).status_code in (403, 404)  # espace des usagers : refusé aux agents


def test_validateur_lit_le_courrier_sans_pouvoir_le_soumettre(client, equipe, dossier):
    client.force_login(equipe["redacteur"])
    client.post(url("proposer_indemnisation", dossier), {"montant": "80"})
    courrier = courrier_actif(dossier, TypeCourrier.PROPOSITION)
    client.force_login(equipe["validateur"])
    page = texte(client.get(url("courrier", dossier, courrier.pk)))
    assert "quatre-vingts euros" in page and "Soumettre à la signature" not in page
    assert Role.VALIDATEUR  # rôle de lecture


@pytest.mark.parametrize("nombre", [5, 50])
def test_requetes_de_la_fiche_constantes_quel_que_soit_le_nombre_de_courriers(client, equipe, dossier, nombre):
    """La liste des courriers de la fiche : une requête (préparés et signés par des agents différents)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(equipe["redacteur"])
    client.get(url("dossier", dossier))
    with CaptureQueriesContext(connection) as reference:
        client.get(url("dossier", dossier))
    auteurs = [equipe["redacteur"], equipe["redacteur2"], equipe["validateur"]]
    Courrier.objects.bulk_create(
        Courrier(
            dossier=dossier,
            type=TypeCourrier.PROPOSITION,
            cree_par=auteurs[i % 3],
            signe_par=auteurs[(i + 1) % 3],
            remplace=True,
            donnees={"montant": "80"},
        )
        for i in range(nombre)
    )
    with CaptureQueriesContext(connection) as avec_courriers:
        page = texte(client.get(url("dossier", dossier)))
    assert page.count("Remplacé") == nombre
    assert len(avec_courriers) == len(reference)  # la liste des courriers : une requête, déjà faite à vide

"""Page de décision de l'usager (issue 9, partie 4) : rejet expliqué avec le recours, proposition acceptée (IBAN
vérifié ou corrigé, horodatage, compte, adresse IP, déclaration d'acceptation signée en PDF figé) ou refusée,
double clic sans effet double, un autre usager reçoit 404, jamais de courrier non signé ni de champ confidentiel."""

import hashlib
import io

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.urls import reverse
from pypdf import PdfReader

from portail.models import EmailSortant
from precontentieux.courriers import Courrier, TypeCourrier, courrier_actif
from precontentieux.enums import MotifRejet, StatutDossier
from tests.fabriques import IBAN_VALIDE, TEXTES_SENTINELLES, DossierFactory, UtilisateurFactory
from tests.precontentieux.outils_backoffice import photographie_base
from usagers.motifs import EXPLICATIONS

pytestmark = pytest.mark.django_db
S = StatutDossier

AUTRE_IBAN = "FR7610107001011234567890129"  # IBAN français valide (clé correcte), différent de IBAN_VALIDE
IP = "203.0.113.42"


@pytest.fixture(autouse=True)
def _fichiers(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"


def espaces(texte):
    return texte.replace("\u00a0", " ").replace("\u202f", " ")


def decide(etat):
    requerant = UtilisateurFactory(adresse_verifiee=True, prenom="Martin", nom="DUPONT")
    return DossierFactory(etat=etat, requerant=requerant)


def lire(nom):
    with default_storage.open(nom) as fichier:
        return fichier.read()


def url(nom, dossier):
    return reverse(f"usagers:{nom}", args=[dossier.reference])


def test_chaque_motif_de_rejet_a_son_explication():
    assert set(EXPLICATIONS) == set(MotifRejet)


def test_page_du_rejet_motif_en_mots_simples_et_recours(client):
    dossier = decide(S.REJETE)
    client.force_login(dossier.requerant)
    demande = client.get(url("demande", dossier)).content.decode()
    assert url("decision", dossier) in demande  # « Lire la décision » depuis la page de la demande
    reponse = client.get(url("decision", dossier))
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert EXPLICATIONS[MotifRejet.LOCATAIRE_MIS_EN_CAUSE] in html
    assert "tribunal administratif" in html and "deux mois" in html and "116 006" in html
    courrier = courrier_actif(dossier, TypeCourrier.REJET)
    assert courrier.signe_le and "Signé électroniquement le" in html  # le texte du courrier signé
    assert reverse("usagers:courrier_pdf", args=[dossier.reference, courrier.pk]) in html
    assert "Aperçu non signé" not in html
    for sentinelle in TEXTES_SENTINELLES:
        assert sentinelle not in html
    # Pas de réponse à donner à un rejet.
    assert client.get(url("accepter", dossier)).status_code == 302
    assert client.post(url("refuser", dossier), {"confirme": "on"}).status_code == 302
    dossier.refresh_from_db()
    assert dossier.statut == S.REJETE


@pytest.mark.parametrize("etat", [S.EN_INSTRUCTION, S.PROPOSITION_A_SIGNER, S.REJET_A_SIGNER])
def test_pas_de_page_de_decision_avant_la_signature(client, etat):
    """L'usager ne voit jamais un courrier non signé : avant la signature, la page n'existe pas."""
    dossier = decide(etat)
    client.force_login(dossier.requerant)
    for nom in ("decision", "accepter", "refuser"):
        assert client.get(url(nom, dossier)).status_code == 404
    assert "Signé" not in client.get(url("demande", dossier)).content.decode()


def test_page_de_la_proposition(client):
    dossier = decide(S.PROPOSITION_ENVOYEE)
    client.force_login(dossier.requerant)
    html = espaces(client.get(url("decision", dossier)).content.decode())
    assert "850,00 €" in html
    assert url("accepter", dossier) in html and url("refuser", dossier) in html
    assert "huit cent cinquante euros" in html  # le courrier signé, dans la page
    for sentinelle in TEXTES_SENTINELLES:
        assert sentinelle not in html


def test_accepter_avec_iban_corrige(client):
    dossier = decide(S.PROPOSITION_ENVOYEE)
    usager = dossier.requerant
    client.force_login(usager)
    page = espaces(client.get(url("accepter", dossier)).content.decode())
    # La déclaration d'acceptation, avec nos mots, et l'IBAN de la demande pré-rempli.
    assert "déclare accepter la somme de <strong>850,00 €</strong>" in page
    assert "en réparation du dommage causé à la porte du logement situé" in page
    assert "je serai entièrement indemnisé de ce dommage" in page
    assert "FR76 3000 6000 0112 3456 7890 189" in page
    # IBAN invalide : refusé par schwifty, rien n'est écrit.
    avant = photographie_base()
    reponse = client.post(url("accepter", dossier), {"iban": "FR7630006000011234567890188", "accepte": "on"})
    assert reponse.status_code == 400 and "clé de contrôle" in reponse.content.decode()
    # Case non cochée : refusé aussi.
    reponse = client.post(url("accepter", dossier), {"iban": AUTRE_IBAN})
    assert reponse.status_code == 400 and "Cochez la case" in reponse.content.decode()
    assert photographie_base() == avant

    reponse = client.post(
        url("accepter", dossier), {"iban": "fr76 1010 7001 0112 3456 7890 129", "accepte": "on"}, REMOTE_ADDR=IP
    )
    assert reponse.status_code == 302 and reponse["Location"] == url("decision", dossier)
    dossier.refresh_from_db()
    assert dossier.statut == S.PROPOSITION_ACCEPTEE
    assert dossier.iban == AUTRE_IBAN  # corrigé, vérifié, normalisé
    assert dossier.acceptation_par == usager and dossier.acceptation_ip == IP and dossier.reponse_usager_le
    evenement = dossier.evenements.get(details__transition="accepter_proposition")
    assert evenement.acteur == usager and evenement.details["adresse_ip"] == IP and evenement.details["iban_corrige"]
    # La déclaration signée, PDF figé rangé en privé avec son empreinte : ni impression ni scan.
    acceptation = courrier_actif(dossier, TypeCourrier.ACCEPTATION)
    assert acceptation.signe_par == usager and acceptation.signe_le
    assert acceptation.role_signataire == "requérant"
    contenu = lire(acceptation.fichier.name)
    assert acceptation.sha256 == hashlib.sha256(contenu).hexdigest()
    texte = espaces(" ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(contenu)).pages).split()))
    assert "850,00 €" in texte and "FR76 1010 7001 0112 3456 7890 129" in texte and IP in texte
    assert "Martin DUPONT" in texte  # le compte qui signe
    # Le rédacteur est averti ; la page de décision dit ce qui suit et donne la déclaration.
    courriel = EmailSortant.objects.get(gabarit="accepter_proposition")
    assert courriel.destinataire == dossier.redacteur.email
    html = client.get(url("decision", dossier)).content.decode()
    assert "Vous avez accepté cette proposition" in html
    assert reverse("usagers:courrier_pdf", args=[dossier.reference, acceptation.pk]) in html


def test_double_clic_sur_accepter(client):
    dossier = decide(S.PROPOSITION_ENVOYEE)
    client.force_login(dossier.requerant)
    donnees = {"iban": IBAN_VALIDE, "accepte": "on"}
    client.post(url("accepter", dossier), donnees)
    avant = photographie_base()
    courriers = Courrier.objects.count()
    reponse = client.post(url("accepter", dossier), donnees, follow=True)
    assert "déjà enregistrée" in reponse.content.decode()
    assert photographie_base() == avant and Courrier.objects.count() == courriers
    assert Courrier.objects.filter(dossier=dossier, type=TypeCourrier.ACCEPTATION).count() == 1
    # Ni refuser après avoir accepté.
    client.post(url("refuser", dossier), {"confirme": "on"})
    assert photographie_base() == avant


def test_refuser_avec_une_raison(client):
    dossier = decide(S.PROPOSITION_ENVOYEE)
    client.force_login(dossier.requerant)
    page = client.get(url("refuser", dossier)).content.decode()
    assert "tribunal administratif" in page and "définitif" in page
    avant = photographie_base()
    reponse = client.post(url("refuser", dossier), {"raison": "Le montant ne couvre pas la porte blindée."})
    assert reponse.status_code == 400 and "confirmer votre refus" in reponse.content.decode()
    assert photographie_base() == avant
    raison = "Le montant ne couvre pas la <porte> blindée."
    reponse = client.post(url("refuser", dossier), {"raison": raison, "confirme": "on"})
    assert reponse.status_code == 302
    dossier.refresh_from_db()
    assert dossier.statut == S.PROPOSITION_REFUSEE and dossier.reponse_usager_le
    assert dossier.evenements.get(details__transition="refuser_proposition").details["motif"] == raison
    courriel = EmailSortant.objects.get(gabarit="refuser_proposition")
    assert courriel.destinataire == dossier.redacteur.email
    envoye = [m for m in mail.outbox if m.to == [dossier.redacteur.email]][-1]
    assert raison in envoye.body and "Ce qui se passe ensuite" in envoye.body
    assert "&lt;porte&gt;" in envoye.alternatives[0][0]
    html = client.get(url("decision", dossier)).content.decode()
    assert "Vous avez refusé cette proposition" in html and "tribunal administratif" in html
    # Double clic : rien de plus.
    avant = photographie_base()
    client.post(url("refuser", dossier), {"raison": raison, "confirme": "on"})
    assert photographie_base() == avant
    assert not Courrier.objects.filter(dossier=dossier, type=TypeCourrier.ACCEPTATION).exists()


def test_un_autre_usager_recoit_404_et_rien_ne_change(client):
    dossier = decide(S.PROPOSITION_ENVOYEE)
    client.force_login(UtilisateurFactory())
    avant = photographie_base()
    for nom in ("decision", "accepter", "refuser"):
        assert client.get(url(nom, dossier)).status_code == 404
        assert client.post(url(nom, dossier), {"iban": IBAN_VALIDE, "accepte": "on", "confirme": "on"}).status_code in (
            404,
            405,
        )
    assert photographie_base() == avant


def test_un_agent_n_accepte_pas_a_la_place_de_l_usager(client):
    dossier = decide(S.PROPOSITION_ENVOYEE)
    avant = photographie_base()
    for intrus in (dossier.redacteur, dossier.declaration.agent):
        client.force_login(intrus)
        for nom in ("decision", "accepter", "refuser"):
            assert client.get(url(nom, dossier)).status_code in (403, 404)
            assert client.post(url(nom, dossier), {"iban": IBAN_VALIDE, "accepte": "on"}).status_code in (403, 404)
    assert photographie_base() == avant

"""Signature par le validateur (issue 9, partie 3) : files « à signer », lecture du courrier, « Signer et envoyer »
(PDF figé, SHA-256 qui ne change plus), « Renvoyer au rédacteur » (commentaire obligatoire), séparation des
fonctions, refus sans effet pour les autres rôles, double clic."""

import datetime
import hashlib
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from portail.enums import Role
from portail.models import EmailSortant
from precontentieux import signature
from precontentieux.courriers import Courrier, TypeCourrier, courrier_actif, produire_pdf
from precontentieux.enums import OrigineDossier, StatutDossier
from precontentieux.files_attente import FILES, compter
from precontentieux.models import Dossier, EvenementDossier
from precontentieux.tasks import generer_courrier
from tests.fabriques import DossierFactory, UtilisateurFactory, agent
from tests.precontentieux.outils_backoffice import photographie_base
from tests.precontentieux.test_back_office_files import compteurs_affiches, references

pytestmark = pytest.mark.django_db
S = StatutDossier


@pytest.fixture(autouse=True)
def _fichiers(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"


def lire(nom):
    with default_storage.open(nom) as fichier:
        return fichier.read()


def espaces(texte):
    """Espaces insécables (montants, dates) ramenées à des espaces simples pour comparer."""
    return texte.replace("\u00a0", " ").replace("\u202f", " ")


def texte_pdf(contenu):
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(contenu)).pages)


def a_signer(etat=S.PROPOSITION_A_SIGNER, **acteurs):
    """Dossier amené par les transitions (aperçu du courrier puis soumission) ; requérant à l'adresse prouvée."""
    requerant = UtilisateurFactory(adresse_verifiee=True)
    return DossierFactory(etat=etat, requerant=requerant, acteurs=acteurs)


@pytest.fixture
def validateur():
    return UtilisateurFactory(agent_mj=True, roles=[Role.VALIDATEUR], prenom="Valérie", nom="VALIDATRICE")


# --- Files du validateur ------------------------------------------------------------------------------------


def test_trois_files_de_signature_et_compteurs_egaux_aux_files(client, validateur):
    propositions = [a_signer() for _ in range(2)]
    rejet = a_signer(S.REJET_A_SIGNER)
    arrete = a_signer(S.ARRETE_A_SIGNER)
    a_signer(S.EN_INSTRUCTION)
    client.force_login(validateur)
    with CaptureQueriesContext(connection) as requetes:
        html = client.get(reverse("precontentieux:accueil")).content.decode()
    affiches = compteurs_affiches(html)
    assert affiches == {"Propositions à signer": 2, "Rejets à signer": 1, "Arrêtés à signer": 1}
    # Les compteurs viennent de la requête agrégée existante (une seule requête COUNT).
    assert len([q for q in requetes.captured_queries if "COUNT(" in q["sql"].upper()]) == 1
    assert compter(validateur) == {"propositions-a-signer": 2, "rejets-a-signer": 1, "arretes-a-signer": 1}
    attendus = {
        "propositions-a-signer": {d.reference for d in propositions},
        "rejets-a-signer": {rejet.reference},
        "arretes-a-signer": {arrete.reference},
    }
    for file in FILES:
        if file.role != Role.VALIDATEUR:
            continue
        page = client.get(reverse("precontentieux:file", args=[file.cle]))
        assert page.status_code == 200
        assert set(references(page.content.decode())) == attendus[file.cle]
        assert affiches[file.libelle] == page.context["page"].paginator.count


def test_file_des_propositions_montant_redacteur_anciennete_et_tri(client, validateur):
    redactrice = UtilisateurFactory(agent_mj=True, roles=[Role.REDACTEUR], prenom="Rose", nom="RÉDACTRICE")
    ancienne = a_signer(redacteur=redactrice)
    recente = a_signer()
    Dossier.objects.filter(pk=ancienne.pk).update(decision_proposee_le=timezone.now() - datetime.timedelta(days=9))
    Dossier.objects.filter(pk=recente.pk).update(montant_propose=Decimal("1234.50"))
    client.force_login(validateur)
    url = reverse("precontentieux:file", args=["propositions-a-signer"])
    html = espaces(client.get(url).content.decode())
    # Par défaut : la plus ancienne en attente d'abord.
    assert references(html) == [ancienne.reference, recente.reference]
    ligne = html.split(f'data-reference="{ancienne.reference}"')[1].split("</tr>")[0]
    assert "850,00 €" in ligne and "Rose RÉDACTRICE" in ligne and "9 jours" in ligne
    assert "1 234,50 €" in html.split(f'data-reference="{recente.reference}"')[1].split("</tr>")[0]
    assert references(client.get(url, {"tri": "-anciennete"}).content.decode()) == [
        recente.reference,
        ancienne.reference,
    ]
    assert references(client.get(url, {"tri": "montant"}).content.decode()) == [recente.reference, ancienne.reference]


def _semer_propositions(nombre):
    """`nombre` dossiers « proposition à signer » en écriture directe (le nombre de requêtes d'une page ne dépend
    pas de leur histoire), chacun avec son rédacteur."""
    redacteurs = [agent(Role.REDACTEUR) for _ in range(5)]
    maintenant = timezone.now()
    Dossier.objects.bulk_create(
        Dossier(
            reference=f"SIG-{n:05d}",
            statut=S.PROPOSITION_A_SIGNER,
            origine=OrigineDossier.USAGER,
            nom_naissance=f"NOM{n}",
            redacteur=redacteurs[n % 5],
            montant_propose=Decimal(100 + n),
            depose_le=maintenant - datetime.timedelta(days=30, minutes=n),
            decision_proposee_le=maintenant - datetime.timedelta(hours=n),
        )
        for n in range(nombre)
    )


@pytest.mark.parametrize("cle", ["propositions-a-signer"])
def test_meme_nombre_de_requetes_pour_5_et_50_lignes(client, validateur, cle):
    _semer_propositions(60)
    client.force_login(validateur)
    url = reverse("precontentieux:file", args=[cle])
    nombres = {}
    for par_page in (5, 50):
        with CaptureQueriesContext(connection) as requetes:
            reponse = client.get(url, {"par_page": par_page})
        assert reponse.status_code == 200
        assert len(reponse.context["page"].object_list) == par_page
        nombres[par_page] = len(requetes.captured_queries)
    assert nombres[5] == nombres[50]


# --- Lire puis signer ---------------------------------------------------------------------------------------


def test_le_validateur_lit_le_courrier_puis_signe_pdf_fige(client, validateur):
    dossier = a_signer()
    courrier = courrier_actif(dossier, TypeCourrier.PROPOSITION)
    client.force_login(validateur)
    fiche = client.get(reverse("precontentieux:dossier", args=[dossier.reference])).content.decode()
    assert reverse("precontentieux:signer", args=[dossier.reference]) in fiche
    assert reverse("precontentieux:renvoyer", args=[dossier.reference]) in fiche
    # Seule la signature de cet état est proposée (pas de bouton « rejet » ni « arrêté » désactivé).
    assert "Signer et envoyer le rejet" not in fiche and "Signer l’arrêté de paiement" not in fiche
    page = client.get(reverse("precontentieux:signer", args=[dossier.reference]))
    html = espaces(page.content.decode())
    assert page.status_code == 200
    assert "850,00" in html and "huit cent cinquante euros" in html  # l'aperçu HTML du courrier
    assert "Aperçu non signé" in html
    assert reverse("precontentieux:courrier_pdf", args=[dossier.reference, courrier.pk]) in html

    reponse = client.post(reverse("precontentieux:signer", args=[dossier.reference]))
    assert reponse.status_code == 302
    dossier.refresh_from_db()
    courrier.refresh_from_db()
    assert dossier.statut == S.PROPOSITION_ENVOYEE and dossier.decision_signee_le
    assert courrier.signe_par == validateur and courrier.role_signataire == "validateur" and courrier.signe_le
    # PDF figé, rangé en privé avec son empreinte ; signataire, rôle et horodatage imprimés dessus.
    contenu = lire(courrier.fichier.name)
    assert courrier.sha256 == hashlib.sha256(contenu).hexdigest()
    texte = " ".join(texte_pdf(contenu).split())
    heure = timezone.localtime(courrier.signe_le).strftime("%H:%M")
    assert "Valérie VALIDATRICE" in texte and "validateur" in texte and f"à {heure}" in texte
    # … et inscrits dans l'historique.
    evenement = dossier.evenements.get(details__transition="signer_proposition")
    assert evenement.acteur == validateur
    assert evenement.details["signataire"] == "Valérie VALIDATRICE"
    assert evenement.details["courrier"] == courrier.pk
    fiche = client.get(reverse("precontentieux:dossier", args=[dossier.reference])).content.decode()
    assert "courrier signé par Valérie VALIDATRICE (validateur)" in fiche
    # Relancer la tâche (ou la production) ne réécrit pas le PDF figé.
    nom, empreinte = courrier.fichier.name, courrier.sha256
    generer_courrier.delay(courrier.pk)
    assert produire_pdf(courrier.pk) == nom
    courrier.refresh_from_db()
    assert (courrier.fichier.name, courrier.sha256) == (nom, empreinte)
    assert hashlib.sha256(lire(nom)).hexdigest() == empreinte
    # L'usager est averti : ce qui se passe ensuite et quand.
    (courriel,) = [m for m in mail.outbox if m.to == [dossier.requerant.email]][-1:]
    assert "Ce qui se passe ensuite" in courriel.body
    assert reverse("usagers:demande", args=[dossier.reference]) in courriel.body


def test_signer_le_rejet_et_l_arrete_par_la_meme_vue(client, validateur):
    rejet = a_signer(S.REJET_A_SIGNER)
    client.force_login(validateur)
    client.post(reverse("precontentieux:signer", args=[rejet.reference]))
    rejet.refresh_from_db()
    assert rejet.statut == S.REJETE
    assert courrier_actif(rejet, TypeCourrier.REJET).sha256
    assert EmailSortant.objects.filter(gabarit="signer_rejet", destinataire=rejet.requerant.email).exists()
    # Arrêté de paiement : courrier ARRETE actif préparé par le rédacteur (aide P), signé par la même vue.
    from precontentieux.courriers import preparer_courrier

    arrete = a_signer(S.ARRETE_A_SIGNER)
    courrier = preparer_courrier(arrete, TypeCourrier.ARRETE, auteur=arrete.redacteur, montant="850.00")
    assert client.post(reverse("precontentieux:signer", args=[arrete.reference])).status_code == 302
    arrete.refresh_from_db()
    courrier.refresh_from_db()
    assert arrete.statut == S.A_INDEMNISER and courrier.signe_par == validateur and courrier.signe_le


def test_double_clic_sur_signer_ne_signe_qu_une_fois(client, validateur):
    dossier = a_signer()
    client.force_login(validateur)
    url = reverse("precontentieux:signer", args=[dossier.reference])
    client.post(url)
    avant = photographie_base()
    fichiers = list(Courrier.objects.values_list("fichier", "sha256"))
    assert client.post(url).status_code == 302
    assert photographie_base() == avant
    assert list(Courrier.objects.values_list("fichier", "sha256")) == fichiers
    # La raison, lisible sur la fiche où le second clic ramène.
    assert (
        "Proposition envoyée"
        in client.get(reverse("precontentieux:dossier", args=[dossier.reference])).content.decode()
    )
    assert dossier.evenements.filter(details__transition="signer_proposition").count() == 1


def test_separation_des_fonctions_par_l_interface(client):
    """Un agent rédacteur ET validateur ne signe pas la décision qu'il a préparée : bouton désactivé avec la
    raison, et le POST ne change rien ; un autre validateur signe."""
    double = UtilisateurFactory(agent_mj=True, roles=[Role.REDACTEUR, Role.VALIDATEUR], prenom="Jo", nom="DOUBLE")
    dossier = a_signer(redacteur=double)
    assert dossier.redacteur == double
    client.force_login(double)
    fiche = client.get(reverse("precontentieux:dossier", args=[dossier.reference])).content.decode()
    assert "Vous ne pouvez pas signer une décision que vous avez vous-même préparée." in fiche
    assert 'href="' + reverse("precontentieux:signer", args=[dossier.reference]) not in fiche
    page = client.get(reverse("precontentieux:signer", args=[dossier.reference])).content.decode()
    assert "Vous ne pouvez pas signer une décision que vous avez vous-même préparée." in page
    assert "Signer et envoyer</button>" not in page
    avant = photographie_base()
    client.post(reverse("precontentieux:signer", args=[dossier.reference]))
    assert photographie_base() == avant
    assert not courrier_actif(dossier, TypeCourrier.PROPOSITION).signe_le
    client.force_login(agent(Role.VALIDATEUR))
    client.post(reverse("precontentieux:signer", args=[dossier.reference]))
    dossier.refresh_from_db()
    assert dossier.statut == S.PROPOSITION_ENVOYEE


def test_sans_courrier_rien_n_est_signe(validateur):
    dossier = a_signer()
    Courrier.objects.filter(dossier=dossier).update(remplace=True)
    with pytest.raises(signature.TransitionInterdite):
        signature.signer_decision(dossier, validateur)
    dossier.refresh_from_db()
    assert dossier.statut == S.PROPOSITION_A_SIGNER


# --- Renvoyer au rédacteur ---------------------------------------------------------------------------------


def test_renvoyer_sans_commentaire_est_refuse(client, validateur):
    dossier = a_signer()
    client.force_login(validateur)
    avant = photographie_base()
    reponse = client.post(reverse("precontentieux:renvoyer", args=[dossier.reference]), {"commentaire": "   "})
    assert reponse.status_code == 400
    html = reponse.content.decode()
    assert "le renvoi sans commentaire n’est pas possible" in html and "<title>\n  Erreur" in html
    assert photographie_base() == avant


def test_renvoyer_au_redacteur_avec_commentaire(client, validateur):
    dossier = a_signer()
    redacteur = dossier.redacteur
    courrier = courrier_actif(dossier, TypeCourrier.PROPOSITION)
    client.force_login(validateur)
    commentaire = "Le montant dépasse la facture : <b>revoir</b> le devis."
    reponse = client.post(reverse("precontentieux:renvoyer", args=[dossier.reference]), {"commentaire": commentaire})
    assert reponse.status_code == 302
    dossier.refresh_from_db()
    courrier.refresh_from_db()
    assert dossier.statut == S.EN_INSTRUCTION
    assert courrier.remplace and not courrier.signe_le
    assert courrier_actif(dossier, TypeCourrier.PROPOSITION) is None
    evenement = dossier.evenements.get(details__transition="renvoyer_au_redacteur")
    assert evenement.details["motif"] == commentaire
    # Le rédacteur reçoit un courriel avec le commentaire et ce qui se passe ensuite…
    courriel = EmailSortant.objects.get(gabarit="renvoyer_au_redacteur")
    assert courriel.destinataire == redacteur.email and courriel.contexte["motif"] == commentaire
    envoye = [m for m in mail.outbox if m.to == [redacteur.email]][-1]
    assert "revoir" in envoye.body and "Ce qui se passe ensuite" in envoye.body
    # … et le lit en tête de la fiche (échappé).
    client.force_login(redacteur)
    fiche = client.get(reverse("precontentieux:dossier", args=[dossier.reference])).content.decode()
    encart = fiche.split('id="renvoi-validateur"')[1].split("</div>")[0]
    assert "&lt;b&gt;revoir&lt;/b&gt;" in encart and "Valérie VALIDATRICE" in encart
    # Une nouvelle proposition efface l'encart.
    from precontentieux import decision

    nouveau = decision.apercu_proposition(dossier, redacteur, Decimal("700"))
    decision.soumettre(dossier, redacteur, nouveau.pk)
    fiche = client.get(reverse("precontentieux:dossier", args=[dossier.reference])).content.decode()
    assert 'id="renvoi-validateur"' not in fiche


# --- Mauvais rôle : refusé, rien d'écrit ----------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.REDACTEUR, Role.ATTRIBUTEUR, Role.LIAISON_BUDGET, Role.GESTIONNAIRE])
@pytest.mark.parametrize("vue", ["signer", "renvoyer"])
def test_un_autre_role_est_refuse_et_rien_ne_change(client, role, vue):
    dossier = a_signer()
    intrus = dossier.redacteur if role == Role.REDACTEUR else agent(role)
    client.force_login(intrus)
    avant = photographie_base()
    url = reverse(f"precontentieux:{vue}", args=[dossier.reference])
    assert client.get(url).status_code == 403
    assert client.post(url, {"commentaire": "Je renvoie"}).status_code == 403
    assert photographie_base() == avant
    assert not Courrier.objects.filter(dossier=dossier, signe_le__isnull=False).exists()


@pytest.mark.parametrize("qui", ["requerant", "policier"])
def test_hors_justice_404_sur_la_signature(client, qui):
    dossier = a_signer()
    client.force_login(dossier.requerant if qui == "requerant" else dossier.declaration.agent)
    avant = photographie_base()
    for vue in ("signer", "renvoyer"):
        url = reverse(f"precontentieux:{vue}", args=[dossier.reference])
        assert client.get(url).status_code == 404
        assert client.post(url, {"commentaire": "x"}).status_code == 404
    assert photographie_base() == avant


def test_la_vue_de_signature_hors_etat_explique_et_ne_fait_rien(client, validateur):
    dossier = a_signer(S.EN_INSTRUCTION)
    client.force_login(validateur)
    page = client.get(reverse("precontentieux:signer", args=[dossier.reference]))
    assert page.status_code == 200 and "Action « Signer et envoyer la proposition » impossible" in page.content.decode()
    avant = photographie_base()
    client.post(reverse("precontentieux:signer", args=[dossier.reference]))
    client.post(reverse("precontentieux:renvoyer", args=[dossier.reference]), {"commentaire": "x"})
    assert photographie_base() == avant
    assert EvenementDossier.objects.filter(dossier=dossier, details__transition__startswith="signer").count() == 0

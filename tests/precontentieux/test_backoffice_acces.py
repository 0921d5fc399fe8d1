"""Sécurité du back-office : toutes ses adresses sont découvertes en parcourant l'espace de noms `precontentieux`
(toute page ajoutée plus tard est couverte sans modifier ce test).

- un agent des forces de l'ordre (même celui qui a déclaré), un usager (même le requérant) reçoivent 404 partout,
  en GET comme en POST (un agent de la Justice sans rôle : 403), et rien ne change ;
- un visiteur anonyme est renvoyé à la connexion ;
- matrice rôle × route : chaque rôle de la Justice obtient exactement les écrans de son rôle, les autres actions
  sont refusées (403) sans rien changer ;
- CSRF exigé sur chaque action, actions en POST seulement.
"""

import uuid

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from portail.enums import Role
from precontentieux.enums import StatutDossier
from tests.fabriques import UtilisateurFactory
from tests.precontentieux.outils_backoffice import (
    agent_justice,
    agents,
    dossier_en_instruction,
    photographie_base,
    urls_backoffice,
)

pytestmark = pytest.mark.django_db

CHARGES_POST = (
    {},
    {"motif": "Essai", "message": "Essai", "texte": "Essai", "jeton": "6f1c1b7e-0000-4000-8000-000000000002"},
    {"redacteur": "1", "motif": "Essai"},
)


@pytest.fixture(autouse=True)
def _isolement(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"
    cache.clear()


@pytest.fixture
def equipe():
    return agents()


@pytest.fixture
def dossier(equipe):
    from decimal import Decimal

    from precontentieux.decision import apercu_proposition

    dossier = dossier_en_instruction(equipe)
    # Un aperçu de courrier : les adresses des courriers sont parcourues elles aussi.
    apercu_proposition(dossier, equipe["redacteur"], Decimal("80"))
    return dossier


def _urls(dossier):
    identifiants = set(dossier.pieces.values_list("pk", flat=True)) | set(
        dossier.courriers.values_list("pk", flat=True)
    )
    return urls_backoffice(dossier, identifiants)


def test_le_parcours_couvre_les_ecrans_de_la_fiche(dossier):
    noms = {nom for nom, _ in _urls(dossier)}
    attendus = {"accueil", "dossier", "ajouter_note", "ajouter_piece", "piece", "piece_apercu", "piece_declaration"}
    assert attendus | {"attribuer", "reattribuer", "demander_complements", "action"} <= noms
    assert {"proposer_indemnisation", "proposer_rejet", "cloturer", "courrier", "courrier_pdf"} <= noms
    assert "soumettre_courrier" in noms


@pytest.mark.parametrize(
    ("persona", "code"),
    [("policier_declarant", 404), ("policier", 404), ("requerant", 404), ("usager", 404), ("agent_sans_role", 403)],
)
def test_hors_justice_refuse_partout_et_rien_ne_change(client, dossier, persona, code):
    """404 pour qui ne doit pas savoir que le back-office existe ; 403 pour un agent du ministère sans rôle."""
    utilisateur = {
        "policier_declarant": lambda: dossier.declaration.agent,
        "policier": lambda: UtilisateurFactory(policier=True),
        "requerant": lambda: dossier.requerant,
        "usager": lambda: UtilisateurFactory(),
        "agent_sans_role": lambda: agent_justice(),
    }[persona]()
    client.force_login(utilisateur)
    avant = photographie_base()
    urls = _urls(dossier)
    for nom, url in urls:
        assert client.get(url).status_code == code, (persona, nom, url)
        for donnees in CHARGES_POST:
            assert client.post(url, donnees).status_code == code, (persona, nom, url, donnees)
    assert len(urls) >= 12
    assert photographie_base() == avant


def test_visiteur_anonyme_renvoye_a_la_connexion(client, dossier):
    avant = photographie_base()
    for nom, url in _urls(dossier):
        reponse = client.get(url)
        assert reponse.status_code == 302 and reponse["Location"].startswith(reverse("portail:connexion")), nom
        assert client.post(url, {"motif": "x"}).status_code in (302, 403), nom
    assert photographie_base() == avant


# Matrice rôle × route (GET), sur un dossier en instruction confié au rédacteur « redacteur ».
# 200 : l'écran s'affiche ; 403 : pas acteur de cette action ; 405 : action en POST seulement.
TOUS = ("attributeur", "redacteur", "redacteur2", "validateur", "liaison_budget", "gestionnaire")
MATRICE = {
    "accueil": dict.fromkeys(TOUS, 200),
    "dossier": dict.fromkeys(TOUS, 200),
    "piece": dict.fromkeys(TOUS, 200),
    "piece_apercu": dict.fromkeys(TOUS, 200),
    # Signature (validateur) : hors état de signature, l'écran dit pourquoi (200) ; les autres rôles : 403.
    "signer": {**dict.fromkeys(TOUS, 403), "validateur": 200},
    "renvoyer": {**dict.fromkeys(TOUS, 403), "validateur": 200},
    "ajouter_note": dict.fromkeys(TOUS, 405),
    "ajouter_piece": {**dict.fromkeys(TOUS, 403), "redacteur": 200, "redacteur2": 200},
    "attribuer": {**dict.fromkeys(TOUS, 403), "attributeur": 200},
    "reattribuer": {**dict.fromkeys(TOUS, 403), "attributeur": 200},
    "demander_complements": {**dict.fromkeys(TOUS, 403), "redacteur": 200, "redacteur2": 200},
    "action:demarrer_instruction": {**dict.fromkeys(TOUS, 403), "redacteur": 200, "redacteur2": 200},
    "action:recevoir_complements": {**dict.fromkeys(TOUS, 403), "redacteur": 200, "redacteur2": 200},
    "action:cloturer": dict.fromkeys(TOUS, 404),  # écran propre (motifs) : precontentieux:cloturer
    "cloturer": {**dict.fromkeys(TOUS, 403), "attributeur": 200, "redacteur": 200, "redacteur2": 200},
    "proposer_indemnisation": {**dict.fromkeys(TOUS, 403), "redacteur": 200, "redacteur2": 200},
    "proposer_rejet": {**dict.fromkeys(TOUS, 403), "redacteur": 200, "redacteur2": 200},
    "courrier": dict.fromkeys(TOUS, 200),
    "courrier_pdf": dict.fromkeys(TOUS, 200),
    "soumettre_courrier": dict.fromkeys(TOUS, 405),
    "action:inconnue": dict.fromkeys(TOUS, 404),
    # Paiement : l'écran s'affiche à l'acteur de la transition (avec la raison si l'état ne le permet pas) ;
    # le dossier de paiement (ZIP) n'existe pas avant l'arrêté signé (404 pour la liaison budget).
    "preparer_arrete": {**dict.fromkeys(TOUS, 403), "redacteur": 200, "redacteur2": 200},
    "transmettre_budget": {**dict.fromkeys(TOUS, 403), "liaison_budget": 200},
    "marquer_indemnise": {**dict.fromkeys(TOUS, 403), "liaison_budget": 200},
    "dossier_de_paiement": {**dict.fromkeys(TOUS, 403), "liaison_budget": 404},
    "contentieux": {**dict.fromkeys(TOUS, 200), "attributeur": 403, "liaison_budget": 403},
}


def _url_matrice(cle, dossier):
    nom, _, parametre = cle.partition(":")
    if nom == "accueil":
        return reverse("precontentieux:accueil")
    if nom in ("piece", "piece_apercu"):
        return reverse(f"precontentieux:{nom}", args=[dossier.reference, dossier.pieces.first().pk])
    if nom in ("courrier", "courrier_pdf", "soumettre_courrier"):
        return reverse(f"precontentieux:{nom}", args=[dossier.reference, dossier.courriers.first().pk])
    args = [dossier.reference, parametre] if parametre else [dossier.reference]
    return reverse(f"precontentieux:{nom}", args=args)


def test_matrice_role_route(client, equipe, dossier):
    ecarts = []
    for cle, attendus in MATRICE.items():
        url = _url_matrice(cle, dossier)
        for role, attendu in attendus.items():
            client.force_login(equipe[role])
            reponse = client.get(url)
            if hasattr(reponse, "streaming_content"):
                b"".join(reponse.streaming_content)
            if reponse.status_code != attendu:
                ecarts.append((cle, role, attendu, reponse.status_code))
    assert not ecarts


@pytest.mark.parametrize(
    ("role", "cle", "donnees"),
    [
        ("validateur", "attribuer", {"redacteur": "REDACTEUR2"}),
        ("redacteur", "reattribuer", {"redacteur": "REDACTEUR2", "motif": "Je me dessaisis"}),
        ("liaison_budget", "cloturer", {"motif": "doublon"}),
        ("validateur", "proposer_indemnisation", {"montant": "80"}),
        ("attributeur", "proposer_rejet", {"motif": "parties_communes"}),
        ("validateur", "soumettre_courrier", {}),
        ("gestionnaire", "demander_complements", {"message": "Envoyez le RIB"}),
        ("attributeur", "action:recevoir_complements", {}),
    ],
)
def test_un_role_sans_l_action_est_refuse_et_rien_ne_change(client, equipe, dossier, role, cle, donnees):
    donnees = {k: (equipe["redacteur2"].pk if v == "REDACTEUR2" else v) for k, v in donnees.items()}
    client.force_login(equipe[role])
    avant = photographie_base()
    assert client.post(_url_matrice(cle, dossier), donnees).status_code == 403
    assert photographie_base() == avant


def test_csrf_exige_sur_chaque_action(equipe, dossier):
    client = Client(enforce_csrf_checks=True)
    client.force_login(equipe["redacteur"])
    avant = photographie_base()
    for cle, donnees in (
        ("cloturer", {"motif": "doublon"}),
        ("proposer_indemnisation", {"montant": "80"}),
        ("soumettre_courrier", {}),
        ("demander_complements", {"message": "x"}),
        ("ajouter_note", {"texte": "x", "jeton": str(uuid.uuid4())}),
    ):
        assert client.post(_url_matrice(cle, dossier), donnees).status_code == 403, cle
    assert photographie_base() == avant
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.EN_INSTRUCTION


def test_agent_desactive_ne_voit_plus_rien(client, equipe, dossier):
    agent = equipe["validateur"]
    client.force_login(agent)
    agent.is_active = False
    agent.save()
    assert client.get(reverse("precontentieux:dossier", args=[dossier.reference])).status_code in (302, 404)


def test_plusieurs_roles_donnent_l_union(client, dossier):
    agent = agent_justice(Role.ATTRIBUTEUR, Role.VALIDATEUR)
    client.force_login(agent)
    html = client.get(reverse("precontentieux:dossier", args=[dossier.reference])).content.decode()
    assert "Journal des consultations" in html  # validateur
    assert reverse("precontentieux:reattribuer", args=[dossier.reference]) in html  # attributeur


def test_le_parcours_couvre_la_signature(dossier):
    assert {"signer", "renvoyer"} <= {nom for nom, _ in _urls(dossier)}


def test_le_parcours_couvre_le_paiement(dossier):
    noms = {nom for nom, _ in _urls(dossier)}
    assert {"preparer_arrete", "transmettre_budget", "marquer_indemnise", "dossier_de_paiement"} <= noms


@pytest.mark.parametrize("persona", ["policier_declarant", "requerant", "usager", "agent_sans_role"])
def test_hors_justice_refuse_le_paiement_d_un_dossier_a_indemniser(client, persona):
    """Sur un dossier dont le dossier de paiement (ZIP) existe : les mêmes refus partout, rien ne change."""
    from tests.fabriques import DossierFactory

    dossier = DossierFactory(requerant=UtilisateurFactory(adresse_verifiee=True), etat=StatutDossier.A_INDEMNISER)
    utilisateur = {
        "policier_declarant": lambda: dossier.declaration.agent,
        "requerant": lambda: dossier.requerant,
        "usager": lambda: UtilisateurFactory(),
        "agent_sans_role": lambda: agent_justice(),
    }[persona]()
    code = 403 if persona == "agent_sans_role" else 404
    client.force_login(utilisateur)
    avant = photographie_base()
    for nom, url in _urls(dossier):
        reponse = client.get(url)
        assert reponse.status_code == code, (persona, nom, url)
        assert not hasattr(reponse, "streaming_content"), (persona, nom)
        for donnees in CHARGES_POST:
            assert client.post(url, donnees).status_code == code, (persona, nom, url, donnees)
    assert photographie_base() == avant

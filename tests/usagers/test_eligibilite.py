"""Test d'éligibilité public : règles de décision (fonction pure) et pages (client HTTP)."""

import re

import pytest
from django.urls import reverse

from portail.enums import TypeUtilisateur
from portail.models import Utilisateur
from precontentieux.pieces import AIDE_DOCUMENT_FORCES_DE_L_ORDRE
from usagers.eligibilite import (
    CLE_SESSION_RESULTAT,
    ELIGIBLE,
    INCOMPLET,
    NON_ELIGIBLE,
    ReponsesIncompletes,
    evaluer,
    parcours,
    question_suivante,
)

# ---------------------------------------------------------------------------------------------------------------
# Règles (fonction pure)


@pytest.mark.parametrize(
    ("reponses", "questions"),
    [
        ({}, ["statut"]),
        ({"statut": "locataire"}, ["statut", "personne_recherchee"]),
        ({"statut": "locataire", "personne_recherchee": "oui"}, ["statut", "personne_recherchee"]),
        ({"statut": "locataire", "personne_recherchee": "non"}, ["statut", "personne_recherchee", "domicile"]),
        (
            {"statut": "locataire", "personne_recherchee": "non", "domicile": "oui"},
            ["statut", "personne_recherchee", "domicile"],
        ),
        (
            {"statut": "locataire", "personne_recherchee": "non", "domicile": "non"},
            ["statut", "personne_recherchee", "domicile", "assurance", "bailleur"],
        ),
        (
            {"statut": "proprietaire_occupant", "personne_recherchee": "ne_sait_pas", "domicile": "ne_sait_pas"},
            ["statut", "personne_recherchee", "domicile", "assurance"],
        ),
        # Bailleur : pas de question sur le domicile (il n'habite pas le logement).
        (
            {"statut": "proprietaire_bailleur", "personne_recherchee": "non"},
            ["statut", "personne_recherchee", "assurance"],
        ),
        # Personne morale : ni personne recherchée, ni domicile.
        ({"statut": "personne_morale"}, ["statut", "assurance"]),
    ],
)
def test_parcours_selon_les_reponses(reponses, questions):
    assert parcours(reponses) == questions


def test_question_suivante_et_reponses_sans_objet_ignorees():
    assert question_suivante({}) == "statut"
    assert question_suivante({"statut": "locataire"}) == "personne_recherchee"
    # Une valeur inconnue vaut absence de réponse.
    assert question_suivante({"statut": "locataire", "personne_recherchee": "peut-etre"}) == "personne_recherchee"
    # Une réponse à une question qui ne se pose pas (bailleur pour un propriétaire) ne compte pas.
    reponses = {"statut": "proprietaire_occupant", "personne_recherchee": "non", "domicile": "non", "bailleur": "non"}
    assert question_suivante(reponses) == "assurance"
    assert question_suivante({**reponses, "assurance": "attestation"}) is None


def test_evaluer_refuse_des_reponses_incompletes():
    with pytest.raises(ReponsesIncompletes):
        evaluer({"statut": "locataire", "personne_recherchee": "non"})


LOCATAIRE_COMPLET = {
    "statut": "locataire",
    "personne_recherchee": "non",
    "domicile": "non",
    "assurance": "attestation",
    "bailleur": "oui",
}


def test_locataire_complet_eligible():
    resultat = evaluer(LOCATAIRE_COMPLET)
    assert resultat.issue == ELIGIBLE
    assert resultat.a_obtenir == []
    assert resultat.personne_morale is False
    pieces = " ".join(resultat.a_preparer)
    assert "bail" in pieces and "attestation de non prise en charge" in pieces
    assert "propriété" not in pieces and "Kbis" not in pieces


@pytest.mark.parametrize("statut", ["proprietaire_occupant", "locataire", "proprietaire_bailleur"])
def test_personne_recherchee_non_eligible(statut):
    resultat = evaluer({"statut": statut, "personne_recherchee": "oui"})
    assert resultat.issue == NON_ELIGIBLE
    assert "personne recherchée" in resultat.motifs[0]
    assert resultat.a_preparer == []


@pytest.mark.parametrize("statut", ["proprietaire_occupant", "locataire"])
def test_personne_recherchee_hebergee_non_eligible(statut):
    resultat = evaluer({"statut": statut, "personne_recherchee": "non", "domicile": "oui"})
    assert resultat.issue == NON_ELIGIBLE
    assert "réside ou est hébergée chez vous" in resultat.motifs[0]


def test_doute_n_exclut_pas():
    resultat = evaluer(
        {
            "statut": "proprietaire_occupant",
            "personne_recherchee": "ne_sait_pas",
            "domicile": "ne_sait_pas",
            "assurance": "attestation",
        }
    )
    assert resultat.issue == ELIGIBLE
    assert any("vérifiera" in motif for motif in resultat.motifs)
    assert any("titre de propriété" in piece for piece in resultat.a_preparer)


def test_assurance_contactee_sans_attestation_incomplet():
    resultat = evaluer({**LOCATAIRE_COMPLET, "assurance": "contacte_sans_attestation"})
    assert resultat.issue == INCOMPLET
    assert [titre for titre, _ in resultat.a_obtenir] == ["L’attestation de non prise en charge de votre assureur"]


def test_assurance_non_contactee_incomplet():
    resultat = evaluer({**LOCATAIRE_COMPLET, "assurance": "non"})
    assert resultat.issue == INCOMPLET
    assert [titre for titre, _ in resultat.a_obtenir] == ["Contacter votre assureur"]


def test_sans_assurance_eligible_sans_attestation():
    resultat = evaluer({**LOCATAIRE_COMPLET, "assurance": "sans_assurance"})
    assert resultat.issue == ELIGIBLE
    assert not any("non prise en charge" in piece for piece in resultat.a_preparer)
    assert any("pas d’assurance" in motif and "« Non »" in motif for motif in resultat.motifs)


@pytest.mark.parametrize("statut", ["proprietaire_occupant", "locataire", "proprietaire_bailleur", "personne_morale"])
def test_a_preparer_annonce_le_document_des_forces_de_l_ordre(statut):
    """Sans invitation, la table des pièces exige un document des forces de l'ordre : la liste le dit."""
    reponses = {"statut": statut, "personne_recherchee": "non", "domicile": "non", "assurance": "attestation"}
    reponses["bailleur"] = "oui"
    resultat = evaluer(reponses)
    (piece,) = [p for p in resultat.a_preparer if "policiers ou les gendarmes" in p]
    for mot in ("attestation", "procès-verbal", "récépissé", "avis de passage", "obligatoire"):
        assert mot in piece


def test_bailleur_non_prevenu_incomplet():
    resultat = evaluer({**LOCATAIRE_COMPLET, "bailleur": "non"})
    assert resultat.issue == INCOMPLET
    assert [titre for titre, _ in resultat.a_obtenir] == ["Prévenir votre bailleur"]


def test_incomplet_cumule_les_elements_a_obtenir():
    resultat = evaluer({**LOCATAIRE_COMPLET, "assurance": "non", "bailleur": "non"})
    assert resultat.issue == INCOMPLET
    assert len(resultat.a_obtenir) == 2


def test_proprietaire_bailleur_eligible_meme_si_locataire_recherche():
    resultat = evaluer({"statut": "proprietaire_bailleur", "personne_recherchee": "non", "assurance": "attestation"})
    assert resultat.issue == ELIGIBLE
    assert any("étranger à l’opération" in motif for motif in resultat.motifs)
    assert resultat.personne_morale is False


def test_personne_morale_eligible_et_marquee():
    resultat = evaluer({"statut": "personne_morale", "assurance": "attestation"})
    assert resultat.issue == ELIGIBLE
    assert resultat.personne_morale is True
    pieces = " ".join(resultat.a_preparer)
    assert "Kbis" in pieces and "représentant légal" in pieces
    assert "une pièce d’identité ;" not in resultat.a_preparer


def test_personne_morale_sans_attestation_incomplet():
    resultat = evaluer({"statut": "personne_morale", "assurance": "contacte_sans_attestation"})
    assert resultat.issue == INCOMPLET
    assert resultat.personne_morale is True


# ---------------------------------------------------------------------------------------------------------------
# Pages


def url_question(cle):
    return reverse("eligibilite:question", args=[cle])


def repondre(client, cle, valeur):
    return client.post(url_question(cle), {cle: valeur})


def h1(reponse):
    return re.findall(r"<h1\b[^>]*>(.*?)</h1>", reponse.content.decode(), re.S)


def parcourir(client, reponses):
    client.post(reverse("eligibilite:debut"))
    reponse = None
    for cle, valeur in reponses:
        reponse = repondre(client, cle, valeur)
        assert reponse.status_code == 302, (cle, reponse.status_code)
    return reponse


@pytest.mark.django_db
def test_page_de_debut_publique_et_commencer(client):
    reponse = client.get(reverse("eligibilite:debut"))
    assert reponse.status_code == 200
    assert h1(reponse) == ["Tester mon éligibilité"]
    assert "Commencer le test" in reponse.content.decode()
    reponse = client.post(reverse("eligibilite:debut"))
    assert reponse.status_code == 302
    assert reponse["Location"] == url_question("statut")


@pytest.mark.django_db
def test_premiere_question_legende_et_numero(client):
    reponse = client.get(url_question("statut"))
    assert reponse.status_code == 200
    html = reponse.content.decode()
    titres = h1(reponse)
    assert len(titres) == 1 and "situation par rapport au logement" in titres[0]
    # Le titre de la question est la légende du groupe de boutons radio.
    assert re.search(r"<legend[^>]*>\s*<h1", html)
    assert "Question 1" in html and " sur " not in re.search(r"Question 1[^<]*", html).group(0)
    for valeur in ("proprietaire_occupant", "locataire", "proprietaire_bailleur", "personne_morale"):
        assert f'value="{valeur}"' in html
    # « Précédent » ramène à la présentation du test.
    assert f'href="{reverse("eligibilite:debut")}"' in html


@pytest.mark.django_db
def test_progression_precedent_et_reponse_conservee(client):
    reponse = repondre(client, "statut", "locataire")
    assert reponse["Location"] == url_question("personne_recherchee")
    reponse = client.get(url_question("personne_recherchee"))
    html = reponse.content.decode()
    assert "Question 2" in html
    assert 'id="precedent"' in html and f'href="{url_question("statut")}"' in html
    # Retour en arrière : la réponse donnée est cochée.
    html = client.get(url_question("statut")).content.decode()
    assert re.search(r'value="locataire"\s+checked', html)
    reponse = repondre(client, "personne_recherchee", "non")
    assert reponse["Location"] == url_question("domicile")
    assert "Question 3" in client.get(url_question("domicile")).content.decode()


@pytest.mark.django_db
def test_reponse_absente_ou_invalide_erreur_reliee_au_champ(client):
    repondre(client, "statut", "locataire")
    for donnees in ({}, {"personne_recherchee": "peut-etre"}):
        reponse = client.post(url_question("personne_recherchee"), donnees)
        assert reponse.status_code == 200
        html = reponse.content.decode()
        assert re.search(r"<title>\s*Erreur : Question 2", html)
        assert 'role="alert"' in html and 'href="#id_personne_recherchee_0"' in html
        assert 'id="id_personne_recherchee_0"' in html
        assert "fr-fieldset--error" in html
        assert 'aria-labelledby="id_personne_recherchee-legend id_personne_recherchee-messages"' in html
        assert len(h1(reponse)) == 1
    assert (
        "Indiquez si vous étiez la personne recherchée"
        in client.post(url_question("personne_recherchee")).content.decode()
    )
    assert "Choisissez l’une des réponses proposées." in html
    # Rien n'a été enregistré pour cette question.
    assert client.get(reverse("eligibilite:resultat"))["Location"] == url_question("personne_recherchee")


@pytest.mark.django_db
def test_acces_direct_a_une_question_ulterieure_redirige_vers_la_premiere(client):
    for cle in ("personne_recherchee", "domicile", "assurance", "bailleur"):
        reponse = client.get(url_question(cle))
        assert reponse.status_code == 302 and reponse["Location"] == url_question("statut")
        assert client.post(url_question(cle), {cle: "oui"})["Location"] == url_question("statut")
    assert client.get(reverse("eligibilite:resultat"))["Location"] == url_question("statut")
    assert client.get(url_question("inconnue"))["Location"] == url_question("statut")
    # Après la première réponse, on est renvoyé à la première question restée sans réponse.
    repondre(client, "statut", "locataire")
    assert client.get(url_question("assurance"))["Location"] == url_question("personne_recherchee")


@pytest.mark.django_db
def test_question_sans_objet_pour_ce_statut(client):
    parcourir(client, [("statut", "proprietaire_bailleur"), ("personne_recherchee", "non")])
    # Le bailleur n'a pas de question sur le domicile ni sur son propre bailleur.
    assert client.get(url_question("domicile"))["Location"] == url_question("assurance")
    assert client.get(url_question("bailleur"))["Location"] == url_question("assurance")


@pytest.mark.django_db
def test_changer_de_statut_oublie_les_reponses_sans_objet(client):
    parcourir(
        client,
        [
            ("statut", "locataire"),
            ("personne_recherchee", "non"),
            ("domicile", "non"),
            ("assurance", "attestation"),
            ("bailleur", "non"),
        ],
    )
    assert client.session["eligibilite_reponses"]["bailleur"] == "non"
    reponse = repondre(client, "statut", "personne_morale")
    assert reponse["Location"] == url_question("assurance")
    assert client.session["eligibilite_reponses"] == {"statut": "personne_morale", "assurance": "attestation"}


@pytest.mark.django_db
def test_issue_eligible_particulier(client):
    reponse = parcourir(
        client,
        [
            ("statut", "locataire"),
            ("personne_recherchee", "non"),
            ("domicile", "non"),
            ("assurance", "attestation"),
            ("bailleur", "oui"),
        ],
    )
    assert reponse["Location"] == reverse("eligibilite:resultat")
    reponse = client.get(reverse("eligibilite:resultat"))
    html = reponse.content.decode()
    assert h1(reponse) == ["Vous pouvez demander une indemnisation"]
    assert "Ce qu’il faut préparer" in html and "votre bail" in html
    assert 'id="document-forces-de-l-ordre"' in html and AIDE_DOCUMENT_FORCES_DE_L_ORDRE in html
    assert reverse("account_signup") in html and reverse("portail:connexion") in html
    assert "FranceConnect" in html
    assert client.session[CLE_SESSION_RESULTAT]["issue"] == ELIGIBLE
    assert client.session[CLE_SESSION_RESULTAT]["statut"] == "locataire"


@pytest.mark.django_db
def test_issue_eligible_personne_morale_sans_franceconnect(client):
    parcourir(client, [("statut", "personne_morale"), ("assurance", "attestation")])
    reponse = client.get(reverse("eligibilite:resultat"))
    html = reponse.content.decode()
    assert h1(reponse) == ["Vous pouvez demander une indemnisation"]
    assert "Créer un compte avec une adresse email" in html
    assert reverse("account_login") in html
    assert "FranceConnect est réservé aux particuliers" in html
    assert reverse("portail:connexion") not in html.split("<main", 1)[1].split("</main>", 1)[0]
    assert reverse("oidc:connexion", args=["franceconnect"]) not in html
    assert client.session[CLE_SESSION_RESULTAT]["personne_morale"] is True


@pytest.mark.django_db
def test_issue_incomplet(client):
    parcourir(
        client,
        [
            ("statut", "proprietaire_occupant"),
            ("personne_recherchee", "non"),
            ("domicile", "non"),
            ("assurance", "contacte_sans_attestation"),
        ],
    )
    reponse = client.get(reverse("eligibilite:resultat"))
    html = reponse.content.decode()
    assert h1(reponse) == ["Avant de déposer votre demande"]
    assert "L’attestation de non prise en charge de votre assureur" in html
    assert "refaites ce test" in html
    assert client.session[CLE_SESSION_RESULTAT]["issue"] == INCOMPLET


@pytest.mark.django_db
def test_issue_non_eligible_et_orientation(client):
    reponse = parcourir(client, [("statut", "locataire"), ("personne_recherchee", "oui")])
    # Réponse excluante : le test s'arrête là.
    assert reponse["Location"] == reverse("eligibilite:resultat")
    reponse = client.get(reverse("eligibilite:resultat"))
    html = reponse.content.decode()
    assert h1(reponse) == ["Ce service ne peut pas prendre en charge votre demande"]
    for attendu in ("116 006", "France Victimes", "www.france-victimes.fr", "Point-justice", "porter plainte", "CIVI"):
        assert attendu in html, attendu
    assert reverse("account_signup") not in html.split("<main", 1)[1]
    assert client.session[CLE_SESSION_RESULTAT]["issue"] == NON_ELIGIBLE
    # « Modifier mes réponses » ramène à la dernière question posée.
    assert f'href="{url_question("personne_recherchee")}"' in html


@pytest.mark.django_db
def test_modifier_une_reponse_efface_le_resultat_et_refaire_le_test(client):
    parcourir(client, [("statut", "locataire"), ("personne_recherchee", "oui")])
    client.get(reverse("eligibilite:resultat"))
    assert CLE_SESSION_RESULTAT in client.session
    repondre(client, "personne_recherchee", "non")
    assert CLE_SESSION_RESULTAT not in client.session
    assert client.get(reverse("eligibilite:resultat"))["Location"] == url_question("domicile")
    # La présentation propose de reprendre ; « Recommencer » efface tout.
    html = client.get(reverse("eligibilite:debut")).content.decode()
    assert "Reprendre là où je m’étais arrêté" in html and url_question("domicile") in html
    client.post(reverse("eligibilite:debut"))
    assert "eligibilite_reponses" not in client.session


@pytest.mark.django_db
def test_usager_connecte_peut_commencer_sa_demande(client):
    usager = Utilisateur.objects.create_user("u@exemple.fr", email="u@exemple.fr", type=TypeUtilisateur.USAGER)
    client.force_login(usager)
    parcourir(client, [("statut", "personne_morale"), ("assurance", "sans_assurance")])
    html = client.get(reverse("eligibilite:resultat")).content.decode()
    assert "Commencer ma demande" in html and 'id="commencer-demande"' in html
    assert reverse("account_signup") not in html


@pytest.mark.django_db
def test_liens_depuis_l_accueil_et_la_connexion(client):
    for nom in ("portail:accueil", "portail:connexion"):
        html = client.get(reverse(nom)).content.decode()
        assert f'href="{reverse("eligibilite:debut")}"' in html, nom
        assert "Tester mon éligibilité" in html, nom

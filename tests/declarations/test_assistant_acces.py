"""Accès aux brouillons et refus de toute écriture après l'envoi."""

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from declarations.models import Declaration, PieceJointeDeclaration, envoyer_declaration
from portail.models import EmailSortant
from precontentieux.models import Dossier
from tests.declarations.test_assistant import ETAPE1, ETAPE2, url_brouillon, url_etape
from tests.fabriques import DeclarationFactory, UtilisateurFactory


def etat(declaration):
    d = Declaration.objects.get(pk=declaration.pk)
    return (d.statut, d.version, d.brouillon, d.adresse_ville, d.modifie_le, d.pieces.count())


def client_pour(utilisateur):
    client = Client()
    if utilisateur is not None:
        client.force_login(utilisateur)
    return client


@pytest.fixture
def brouillon():
    declaration = DeclarationFactory(complete=True)
    declaration.brouillon = {
        "step": "bris-de-porte",
        "step_data": {"bris-de-porte": {"bris-de-porte-adresse_ville": ["Lyon"]}},
    }
    declaration.save()
    return declaration


def requetes(declaration):
    pk = declaration.pk
    return [
        ("get", url_etape(declaration, "bris-de-porte"), {}),
        (
            "post",
            url_etape(declaration, "bris-de-porte"),
            {**ETAPE1, "bris-de-porte-adresse_ville": "Pirate", "version": declaration.version},
        ),
        ("get", url_etape(declaration, "confirmation"), {}),
        ("post", url_etape(declaration, "confirmation"), {"version": declaration.version}),
        (
            "post",
            url_brouillon(declaration),
            {"version": declaration.version, "etape": "bris-de-porte", "bris-de-porte-adresse_ville": "Pirate"},
        ),
        ("get", reverse("declarations:voir", args=[pk]), {}),
        ("get", reverse("declarations:reprendre", args=[pk]), {}),
        ("get", reverse("declarations:supprimer", args=[pk]), {}),
        ("post", reverse("declarations:supprimer", args=[pk]), {}),
        (
            "post",
            reverse("declarations:inviter", args=[pk]),
            {"nom": "X", "prenom": "Y", "telephone": "0600000000", "courriel": "x@y.fr"},
        ),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("profil", ["autre_policier", "usager", "agent_mj", "anonyme"])
def test_personne_d_autre_ne_lit_ni_n_ecrit_un_brouillon(brouillon, profil):
    utilisateur = {
        "autre_policier": lambda: UtilisateurFactory(policier=True),
        "usager": lambda: UtilisateurFactory(),
        "agent_mj": lambda: UtilisateurFactory(agent_mj=True, roles=["redacteur", "attributeur"]),
        "anonyme": lambda: None,
    }[profil]()
    client = client_pour(utilisateur)
    avant = etat(brouillon)
    for methode, url, donnees in requetes(brouillon):
        reponse = getattr(client, methode)(url, donnees)
        contenu = reponse.content.decode(errors="ignore")
        if profil == "autre_policier":
            assert reponse.status_code == 404, (methode, url)
        elif profil == "anonyme":
            assert reponse.status_code in (302, 401), (methode, url)
            if reponse.status_code == 302:
                assert reponse["Location"].startswith(reverse("portail:connexion"))
        else:
            assert reponse.status_code == 403, (methode, url)
        assert "Commissariat de Lyon 3e" not in contenu
    assert etat(brouillon) == avant
    assert not Dossier.objects.exists() and not mail.outbox


@pytest.mark.django_db
def test_la_saisie_d_un_anonyme_n_est_pas_rejouee_pour_un_autre_agent(brouillon):
    client = Client()
    client.post(
        url_etape(brouillon, "bris-de-porte"), {**ETAPE1, "bris-de-porte-adresse_ville": "Pirate", "version": 1}
    )
    client.force_login(UtilisateurFactory(policier=True))
    assert client.get(url_etape(brouillon, "bris-de-porte")).status_code == 404
    assert Declaration.objects.get().adresse_ville == "Lyon"


@pytest.mark.django_db
def test_toute_ecriture_apres_envoi_est_refusee(client):
    declaration = DeclarationFactory(complete=True)
    piece = PieceJointeDeclaration.objects.create(
        declaration=declaration, fichier="declarations/x", nom_original="pv.pdf", type_mime="application/pdf", taille=3
    )
    envoyer_declaration(declaration.pk, declaration.agent)
    client.force_login(declaration.agent)
    avant = etat(declaration)
    voir = reverse("declarations:voir", args=[declaration.pk])
    version = Declaration.objects.get().version

    # Étapes (formulaire) : redirection vers la déclaration envoyée avec une explication.
    for etape in ("bris-de-porte", "service-enqueteur", "usager", "confirmation"):
        reponse = client.post(url_etape(declaration, etape), {**ETAPE1, **ETAPE2, "version": version})
        assert reponse.status_code == 302 and reponse["Location"] == voir
        reponse = client.get(url_etape(declaration, etape))
        assert reponse.status_code == 302 and reponse["Location"] == voir
    page = client.get(voir).content.decode()
    assert "il n’est plus possible de la modifier" in page

    # Enregistrement automatique : 409 expliqué.
    reponse = client.post(
        url_brouillon(declaration), {"version": version, "etape": "bris-de-porte", "bris-de-porte-adresse_ville": "X"}
    )
    assert reponse.status_code == 409 and reponse.json()["motif"] == "envoyee"
    assert "il n’est plus possible de la modifier" in reponse.json()["erreur"]

    # Documents : ni ajout ni retrait.
    fichier = SimpleUploadedFile("pv.pdf", b"%PDF-1.4\n%%EOF", content_type="application/pdf")
    reponse = client.post(
        url_etape(declaration, "service-enqueteur"), {"version": version, "action": "televerser", "pieces": fichier}
    )
    assert reponse["Location"] == voir
    reponse = client.post(url_etape(declaration, "service-enqueteur"), {"version": version, "retirer_piece": piece.pk})
    assert reponse["Location"] == voir

    # Suppression : refusée.
    reponse = client.post(reverse("declarations:supprimer", args=[declaration.pk]))
    assert reponse.status_code == 302 and reponse["Location"] == voir
    assert etat(declaration) == avant
    assert Dossier.objects.count() == 1 and EmailSortant.objects.count() == 1


@pytest.mark.django_db
def test_supprimer_un_brouillon_confirmation_puis_post(client):
    declaration = DeclarationFactory()
    client.force_login(declaration.agent)
    page = client.get(reverse("declarations:supprimer", args=[declaration.pk]))
    assert page.status_code == 200 and "Supprimer le brouillon de déclaration ?" in page.content.decode()
    assert Declaration.objects.exists()
    reponse = client.post(reverse("declarations:supprimer", args=[declaration.pk]))
    assert reponse["Location"] == reverse("declarations:mes_declarations")
    assert not Declaration.objects.exists()


# --- Documents justificatifs ------------------------------------------------------------------------------


def image_avec_gps():
    from PIL import Image

    image = Image.new("RGB", (40, 30), (200, 10, 10))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    exif[0x010F] = "TelephoneSentinelle"
    sortie = io.BytesIO()
    image.save(sortie, format="JPEG", exif=exif)
    return sortie.getvalue()


@pytest.fixture
def dossier_fichiers(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.mark.django_db
def test_televersement_verifie_le_contenu_et_retire_le_gps(client, dossier_fichiers):
    declaration = DeclarationFactory()
    client.force_login(declaration.agent)
    contenu = image_avec_gps()
    assert b"TelephoneSentinelle" in contenu
    reponse = client.post(
        url_etape(declaration, "service-enqueteur"),
        {
            "version": Declaration.objects.get().version,
            "action": "televerser",
            "pieces": [
                SimpleUploadedFile("porte.jpg", contenu, content_type="image/jpeg"),
                SimpleUploadedFile("piege.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg"),
            ],
        },
    )
    assert reponse.status_code == 400
    page = reponse.content.decode()
    assert "Le format de « piege.jpg » n’est pas accepté" in page
    assert 'aria-describedby="pieces-aide pieces-desc-error"' in page
    piece = PieceJointeDeclaration.objects.get()
    assert piece.nom_original == "porte.jpg" and piece.type_mime == "image/jpeg"
    stocke = (dossier_fichiers / piece.fichier.name).read_bytes()
    assert b"TelephoneSentinelle" not in stocke and b"GPS" not in stocke
    # Téléchargement par l'agent seulement, en pièce jointe.
    telechargement = client.get(reverse("declarations:piece", args=[declaration.pk, piece.pk]))
    assert telechargement.status_code == 200
    assert telechargement["Content-Disposition"].startswith("attachment")
    assert telechargement["X-Content-Type-Options"] == "nosniff"
    assert b"".join(telechargement.streaming_content) == stocke
    for fermer in telechargement._resource_closers:
        fermer()
    autre = client_pour(UtilisateurFactory(policier=True))
    assert autre.get(reverse("declarations:piece", args=[declaration.pk, piece.pk])).status_code == 404

    # Retrait tant que la déclaration est un brouillon : la ligne et le fichier disparaissent.
    reponse = client.post(
        url_etape(declaration, "service-enqueteur"),
        {"version": Declaration.objects.get().version, "retirer_piece": piece.pk},
    )
    assert reponse.status_code == 302
    assert not PieceJointeDeclaration.objects.exists()
    assert not (dossier_fichiers / piece.fichier.name).exists()


@pytest.mark.django_db
def test_fichier_trop_lourd_refuse(client, dossier_fichiers):
    declaration = DeclarationFactory()
    client.force_login(declaration.agent)
    lourd = SimpleUploadedFile("pv.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 10), content_type="application/pdf")
    reponse = client.post(
        url_etape(declaration, "service-enqueteur"),
        {"version": Declaration.objects.get().version, "action": "televerser", "pieces": lourd},
    )
    assert reponse.status_code == 400
    assert "dépasse la taille maximale de 10 Mo" in reponse.content.decode()
    assert not PieceJointeDeclaration.objects.exists()

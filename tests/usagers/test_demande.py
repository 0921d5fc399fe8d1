"""Assistant de demande de l'usager : étapes, brouillon, champs FranceConnect verrouillés, pièces, dépôt,
récépissé, lecture seule après dépôt. Requêtes HTTP réelles avec le client de test, base réelle."""

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from portail.enums import Fournisseur
from portail.models import EmailSortant, IdentiteOIDC
from portail.utils import ajouter_mois, date_fr
from precontentieux.enums import StatutDossier, TypeEvenementDossier, TypePiece
from precontentieux.models import Dossier
from precontentieux.pieces import Situation, types_requis
from tests import fichiers_exemples as ex
from tests.fabriques import (
    IBAN_VALIDE,
    TEXTES_SENTINELLES,
    UtilisateurFactory,
    ajouter_piece,
    dossier_declare,
    dossier_usager,
)

pytestmark = pytest.mark.django_db

E1, E2, E3 = "le-bris-de-porte", "vos-informations", "pieces-justificatives"


@pytest.fixture(autouse=True)
def _stockage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"


@pytest.fixture
def usager():
    return UtilisateurFactory(prenom="Martin", nom="DUPONT", email="martin@exemple.fr", adresse_verifiee=True)


@pytest.fixture
def dossier(usager):
    return dossier_declare(usager)


def url(dossier, etape):
    return reverse("usagers:completer_etape", args=[dossier.reference, etape])


def version(dossier):
    return Dossier.objects.values_list("version", flat=True).get(pk=dossier.pk)


def texte(reponse):
    return reponse.content.decode()


def sans_sentinelle(contenu):
    for sentinelle in TEXTES_SENTINELLES:
        assert sentinelle not in contenu


ETAPE1 = {
    "type_requerant": "physique",
    "qualite": "locataire",
    "date_operation": "2026-11-02",
    "adresse_voie": "12 rue des Lilas",
    "adresse_code_postal": "69003",
    "adresse_ville": "Lyon",
    "description": "Porte enfoncée, serrure arrachée.",
    "porte_blindee": "non",
    "reparation_effectuee": "non",
    "logement_assure": "oui",
    "montant_demande": "1 234,56",
}
ETAPE2 = {
    "civilite": "m",
    "prenoms": "Martin Paul",
    "nom_naissance": "DUPONT",
    "date_naissance": "1980-05-17",
    "lieu_naissance": "Lyon",
    "requerant_adresse_voie": "12 rue des Lilas",
    "requerant_adresse_code_postal": "69003",
    "requerant_adresse_ville": "Lyon",
    "telephone": "06 00 00 00 00",
    "courriel": "martin.dupont@courriel.fr",
    "iban": "FR76 3000 6000 0112 3456 7890 189",
    "titulaire_compte": "Martin DUPONT",
}


def poster(client, dossier, etape, champs, **extra):
    donnees = {f"{etape}-{k}": v for k, v in champs.items()}
    donnees.update(version=version(dossier), action="continuer", **extra)
    return client.post(url(dossier, etape), donnees)


def test_etape_1_pre_remplie_depuis_la_declaration_sans_donnee_confidentielle(client, usager, dossier):
    client.force_login(usager)
    reponse = client.get(reverse("usagers:completer", args=[dossier.reference]), follow=True)
    assert reponse.status_code == 200
    assert reponse.redirect_chain[-1][0] == url(dossier, E1)
    contenu = texte(reponse)
    assert contenu.count("<h1") == 1
    assert 'value="12 rue des Lilas"' in contenu
    assert 'value="2026-11-02"' in contenu
    sans_sentinelle(contenu)


def test_etape_1_erreurs_en_francais_puis_valide(client, usager, dossier):
    client.force_login(usager)
    reponse = poster(client, dossier, E1, {**ETAPE1, "type_requerant": "morale", "qualite": "autre"})
    assert reponse.status_code == 400
    contenu = texte(reponse)
    assert "Indiquez le type de personne morale." in contenu
    assert "Précisez votre situation par rapport au logement." in contenu
    assert 'href="#id_le-bris-de-porte-type_personne_morale"' in contenu

    reponse = poster(client, dossier, E1, ETAPE1)
    assert reponse.status_code == 302
    assert reponse["Location"] == url(dossier, E2)
    dossier.refresh_from_db()
    assert (dossier.type_requerant, dossier.qualite, dossier.reparation_effectuee) == ("physique", "locataire", False)


def test_etape_2_iban_et_siret_verifies(client, usager, dossier):
    client.force_login(usager)
    poster(client, dossier, E1, {**ETAPE1, "type_requerant": "morale", "type_personne_morale": "sci"})
    reponse = client.get(url(dossier, E2))
    assert "Raison sociale" in texte(reponse)
    assert "Nom de naissance" not in texte(reponse)
    champs = {
        **{
            k: v
            for k, v in ETAPE2.items()
            if k not in ("civilite", "prenoms", "nom_naissance", "date_naissance", "lieu_naissance")
        },
        "raison_sociale": "SCI Les Lilas",
        "siren_siret": "732 829 320 00075",
        "representant_legal": "Claire MARTIN, gérante",
        "iban": "FR76 3000 6000 0112 3456 7890 188",
    }
    reponse = poster(client, dossier, E2, champs)
    assert reponse.status_code == 400
    contenu = texte(reponse)
    assert "Ce numéro SIRET est incorrect" in contenu
    assert "Cet IBAN est incorrect" in contenu
    dossier.refresh_from_db()
    assert dossier.iban == "" and dossier.siren_siret == ""  # seules les valeurs valides atteignent les colonnes

    reponse = poster(client, dossier, E2, {**champs, "siren_siret": "732 829 320 00074", "iban": IBAN_VALIDE})
    assert reponse.status_code == 302
    dossier.refresh_from_db()
    assert dossier.siren_siret == "73282932000074"
    assert dossier.iban == IBAN_VALIDE


def test_champs_franceconnect_verrouilles(client, usager, dossier):
    IdentiteOIDC.objects.create(
        utilisateur=usager,
        fournisseur=Fournisseur.FRANCECONNECT,
        sub="fc-123",
        claims={
            "given_name": "Angela Claire",
            "family_name": "DURAND",
            "preferred_username": "",
            "birthdate": "1985-04-12",
            "birthplace": "69123",
            "gender": "female",
            "email": "angela.durand@fc.fr",
        },
    )
    client.force_login(usager)
    poster(client, dossier, E1, ETAPE1)
    contenu = texte(client.get(url(dossier, E2)))
    assert "Transmis par FranceConnect" in contenu
    assert re.search(
        r'name="vos-informations-nom_naissance"[^>]*disabled|disabled[^>]*name="vos-informations-nom_naissance"',
        contenu,
    )

    # Des valeurs postées à la place des valeurs certifiées sont ignorées.
    reponse = poster(
        client,
        dossier,
        E2,
        {
            **ETAPE2,
            "nom_naissance": "FAUX",
            "prenoms": "Usurpateur",
            "date_naissance": "1990-01-01",
            "courriel": "x@y.fr",
        },
    )
    assert reponse.status_code == 302
    dossier.refresh_from_db()
    assert dossier.nom_naissance == "DURAND"
    assert dossier.prenoms == "Angela Claire"
    assert str(dossier.date_naissance) == "1985-04-12"
    assert dossier.civilite == "mme"
    assert dossier.courriel == "angela.durand@fc.fr"
    # Même par l'enregistrement automatique.
    reponse = client.post(
        reverse("usagers:brouillon_demande", args=[dossier.reference]),
        {"etape": E2, "version": version(dossier), "vos-informations-nom_naissance": "FAUX"},
    )
    assert reponse.status_code == 200
    dossier.refresh_from_db()
    assert dossier.nom_naissance == "DURAND"


def test_enregistrement_automatique_et_conflit_de_version(client, usager, dossier):
    client.force_login(usager)
    adresse = reverse("usagers:brouillon_demande", args=[dossier.reference])
    v = version(dossier)
    reponse = client.post(adresse, {"etape": E1, "version": v, "le-bris-de-porte-description": "Porte fendue"})
    assert reponse.status_code == 200
    assert reponse.json()["version"] == v + 1
    dossier.refresh_from_db()
    assert dossier.description == "Porte fendue"
    # Un autre onglet avec l'ancienne version : refusé, rien n'est écrasé.
    reponse = client.post(adresse, {"etape": E1, "version": v, "le-bris-de-porte-description": "Autre"})
    assert reponse.status_code == 409
    assert reponse.json()["motif"] == "conflit"
    dossier.refresh_from_db()
    assert dossier.description == "Porte fendue"


def test_pieces_un_fichier_accepte_un_refuse_puis_retrait(client, usager, dossier):
    client.force_login(usager)
    poster(client, dossier, E1, ETAPE1)
    contenu = texte(client.get(url(dossier, E3)))
    for type_piece in types_requis(Situation.du_dossier(Dossier.objects.get(pk=dossier.pk))):
        assert f'name="fichiers-{type_piece}"' in contenu
    assert 'name="fichiers-titre_propriete"' not in contenu  # locataire

    reponse = client.post(
        url(dossier, E3),
        {
            "version": version(dossier),
            "action": "televerser",
            "fichiers-bail": [
                ex.televerse("bail.pdf", ex.pdf_simple()),
                ex.televerse("faux.pdf", ex.HTML),
            ],
        },
    )
    assert reponse.status_code == 400
    assert "Le format de « faux.pdf » n’est pas accepté" in texte(reponse)
    piece = dossier.pieces.get()
    assert (piece.type, piece.nom, piece.type_mime, piece.ajoutee_par) == (
        "bail",
        "bail.pdf",
        "application/pdf",
        usager,
    )

    reponse = client.post(
        url(dossier, E3),
        {
            "version": version(dossier),
            "action": "televerser",
            "fichiers-rib": ex.televerse("x.pdf", b"%PDF-" + bytes(11 * 1024 * 1024)),
        },
    )
    assert "dépasse la taille maximale de 10 Mo" in texte(reponse)

    reponse = client.post(url(dossier, E3), {"version": version(dossier), "retirer_piece": piece.pk})
    assert reponse.status_code == 302
    assert not dossier.pieces.exists()


def test_televersement_en_arriere_plan_repond_en_json(client, usager, dossier):
    client.force_login(usager)
    poster(client, dossier, E1, ETAPE1)
    reponse = client.post(
        url(dossier, E3),
        {
            "version": version(dossier),
            "action": "televerser",
            "fichiers-photo_porte": ex.televerse("porte.png", ex.png()),
        },
        headers={"Accept": "application/json"},
    )
    assert reponse.status_code == 200
    assert reponse.json() == {"ajoutes": 1, "erreurs": [], "url": url(dossier, E3)}
    assert dossier.pieces.get().type_mime == "image/png"


def _remplir(client, dossier, sauf=(), etape1=ETAPE1):
    assert poster(client, dossier, E1, etape1).status_code == 302
    assert poster(client, dossier, E2, ETAPE2).status_code == 302
    for type_piece in sorted(types_requis(Situation.du_dossier(Dossier.objects.get(pk=dossier.pk))) - set(sauf)):
        reponse = client.post(
            url(dossier, E3),
            {
                "version": version(dossier),
                "action": "televerser",
                f"fichiers-{type_piece}": ex.televerse(f"{type_piece}.pdf", ex.pdf_simple()),
            },
        )
        assert reponse.status_code == 302, texte(reponse)


def test_depot_refuse_nomme_la_piece_manquante(client, usager, dossier):
    client.force_login(usager)
    _remplir(client, dossier, sauf={TypePiece.ATTESTATION_BAILLEUR})
    recap = client.get(url(dossier, "recapitulatif"))
    assert "Attestation du bailleur" in texte(recap)
    reponse = client.post(url(dossier, "recapitulatif"), {"version": version(dossier), "attestation_honneur": "on"})
    assert reponse.status_code == 400
    assert "pièce manquante : Attestation du bailleur" in texte(reponse)
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.A_COMPLETER
    assert not dossier.attestation_honneur


def test_logement_non_assure_depot_sans_attestation_d_assurance(client, usager, dossier):
    """Réponse « Non » à « Le logement était-il assuré ? » : la page des pièces ne demande plus l'attestation
    de l'assureur et le dépôt passe sans elle ; revenir à « Oui » la rend de nouveau obligatoire."""
    client.force_login(usager)
    _remplir(client, dossier, etape1={**ETAPE1, "logement_assure": "oui"}, sauf={TypePiece.ATTESTATION_ASSURANCE})
    assert "Attestation de non prise en charge" in texte(client.get(url(dossier, E3)))
    assert 'id="sans-assurance"' not in texte(client.get(url(dossier, "recapitulatif")))
    reponse = client.post(url(dossier, "recapitulatif"), {"version": version(dossier), "attestation_honneur": "on"})
    assert reponse.status_code == 400
    assert "pièce manquante : Attestation de non prise en charge par l’assurance" in texte(reponse)

    assert poster(client, dossier, E1, {**ETAPE1, "logement_assure": "non"}).status_code == 302
    dossier.refresh_from_db()
    assert dossier.logement_assure is False
    assert "Attestation de non prise en charge" not in texte(client.get(url(dossier, E3)))
    recap = texte(client.get(url(dossier, "recapitulatif")))
    assert "Le logement était-il assuré au moment du bris de porte ?" in recap
    assert 'id="sans-assurance"' in recap and "vous déclarez aussi cette absence d’assurance" in recap
    reponse = client.post(url(dossier, "recapitulatif"), {"version": version(dossier), "attestation_honneur": "on"})
    assert reponse.status_code == 302, texte(reponse)
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.DEPOSE


def test_parcours_complet_depot_courriel_recepisse(client, usager, dossier):
    client.force_login(usager)
    _remplir(client, dossier)
    recap = client.get(url(dossier, "recapitulatif"))
    contenu = texte(recap)
    assert recap.status_code == 200
    assert contenu.count("<h1") == 1
    assert contenu.count(">Modifier<") == 3
    assert "FR76 3000 6000 0112 3456 7890 189" in contenu
    sans_sentinelle(contenu)

    # Sans l'attestation sur l'honneur : refusé.
    reponse = client.post(url(dossier, "recapitulatif"), {"version": version(dossier)})
    assert reponse.status_code == 400
    assert "Cochez l’attestation sur l’honneur" in texte(reponse)

    reponse = client.post(url(dossier, "recapitulatif"), {"version": version(dossier), "attestation_honneur": "on"})
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("usagers:demande_deposee", args=[dossier.reference])
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.DEPOSE
    assert dossier.attestation_honneur

    page = client.get(reponse["Location"])
    date_rejet = ajouter_mois(dossier.date_depot, 2)
    assert date_fr(date_rejet) in texte(page)
    assert "tribunal administratif" in texte(page)

    email = EmailSortant.objects.get(gabarit="accuse_reception")
    assert email.destinataire == "martin@exemple.fr"  # l'adresse vérifiée du compte, pas celle tapée
    assert email.contexte["date_rejet_implicite"] == date_fr(date_rejet)

    pdf = client.get(reverse("usagers:recepisse", args=[dossier.reference]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("attachment;")
    octets = b"".join(pdf.streaming_content)
    pdf.close()
    contenu_pdf = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(octets)).pages)
    assert dossier.reference in contenu_pdf
    assert date_fr(date_rejet) in contenu_pdf
    sans_sentinelle(contenu_pdf)


@pytest.fixture
def dossier_depose(usager, dossier):
    from tests.fabriques import completer

    completer(dossier)
    dossier.deposer(usager)
    dossier.refresh_from_db()
    return dossier


def test_apres_depot_lecture_seule_sauf_ajout_de_documents(client, usager, dossier_depose):
    dossier = dossier_depose
    client.force_login(usager)
    nombre = dossier.pieces.count()
    # L'assistant renvoie vers la page des documents ; une modification postée ne change rien.
    for etape in (E1, E2, E3, "recapitulatif"):
        assert client.get(url(dossier, etape))["Location"] == reverse(
            "usagers:ajouter_pieces", args=[dossier.reference]
        )
    reponse = client.post(url(dossier, E1), {"le-bris-de-porte-description": "modifiée", "version": dossier.version})
    assert reponse.status_code == 302
    reponse = client.post(
        reverse("usagers:brouillon_demande", args=[dossier.reference]),
        {"etape": E1, "version": dossier.version, "le-bris-de-porte-description": "modifiée"},
    )
    assert reponse.status_code == 409
    piece = dossier.pieces.first()
    client.post(url(dossier, E3), {"retirer_piece": piece.pk, "version": dossier.version})
    assert dossier.pieces.count() == nombre
    dossier.refresh_from_db()
    assert dossier.description != "modifiée"

    # Ajouter un document reste possible, et c'est tracé.
    page = client.get(reverse("usagers:ajouter_pieces", args=[dossier.reference]))
    assert page.status_code == 200
    assert "Retirer" not in texte(page)
    reponse = client.post(
        reverse("usagers:ajouter_pieces", args=[dossier.reference]),
        {"fichiers-autre": ex.televerse("complement.pdf", ex.pdf_simple())},
    )
    assert reponse.status_code == 302
    assert dossier.pieces.count() == nombre + 1
    assert dossier.evenements.filter(type=TypeEvenementDossier.PIECE_AJOUTEE).exists()


def test_seul_le_requerant_accede(client, usager, dossier_depose):
    dossier = dossier_depose
    brouillon = dossier_declare(usager)
    intrus = UtilisateurFactory()
    client.force_login(intrus)
    adresses = [
        reverse("usagers:completer", args=[brouillon.reference]),
        url(brouillon, E1),
        url(brouillon, E3),
        url(brouillon, "recapitulatif"),
        reverse("usagers:recepisse", args=[dossier.reference]),
        reverse("usagers:ajouter_pieces", args=[dossier.reference]),
        reverse("usagers:demande_deposee", args=[dossier.reference]),
    ]
    for adresse in adresses:
        assert client.get(adresse).status_code == 404, adresse
    for adresse in (
        url(brouillon, E1),
        url(brouillon, "recapitulatif"),
        reverse("usagers:brouillon_demande", args=[brouillon.reference]),
    ):
        reponse = client.post(
            adresse, {"etape": E1, "version": 1, "le-bris-de-porte-description": "intrus", "attestation_honneur": "on"}
        )
        assert reponse.status_code == 404
    reponse = client.post(
        reverse("usagers:ajouter_pieces", args=[dossier.reference]),
        {"fichiers-autre": ex.televerse("intrus.pdf", ex.pdf_simple())},
    )
    assert reponse.status_code == 404
    brouillon.refresh_from_db()
    assert brouillon.description == "" and brouillon.statut == StatutDossier.A_COMPLETER
    assert not dossier.pieces.filter(nom="intrus.pdf").exists()

    # Un agent n'entre pas dans l'espace usager.
    client.force_login(dossier.declaration.agent)
    assert client.get(url(brouillon, E1)).status_code == 403


def test_piece_ajoutee_telechargeable_par_le_requerant(client, usager, dossier):
    piece = ajouter_piece(dossier, TypePiece.RIB, nom="rib.pdf")
    client.force_login(usager)
    reponse = client.get(reverse("usagers:demande_piece", args=[dossier.reference, piece.pk]))
    assert reponse.status_code == 200
    assert reponse["Content-Disposition"].startswith("attachment;")
    assert b"".join(reponse.streaming_content).startswith(b"%PDF-")
    reponse.close()


def test_enregistrer_l_etape_2_d_abord_garde_les_reponses_pre_remplies_de_l_etape_1(client, usager, dossier):
    """L'usager va directement à l'étape 2 (lien de navigation) : l'enregistrement automatique de l'étape 2
    n'efface pas ce que l'étape 1 tient de la déclaration (date, adresse) ou du test d'éligibilité."""
    Dossier.objects.filter(pk=dossier.pk).update(type_requerant="physique", logement_assure=False)
    client.force_login(usager)
    adresse = reverse("usagers:brouillon_demande", args=[dossier.reference])
    reponse = client.post(adresse, {"etape": E2, "version": version(dossier), "vos-informations-prenoms": "Paul"})
    assert reponse.status_code == 200
    dossier.refresh_from_db()
    assert dossier.prenoms == "Paul"
    assert (dossier.adresse_voie, dossier.date_operation.isoformat()) == ("12 rue des Lilas", "2026-11-02")
    assert (dossier.type_requerant, dossier.logement_assure) == ("physique", False)


def test_etape_1_refuse_un_code_postal_inexistant(client, usager):
    """Même règle que pour la déclaration des forces de l'ordre (portail.validateurs). Demande commencée par
    l'usager : quand elle vient d'une déclaration, l'adresse est celle déclarée, en lecture seule."""
    dossier = dossier_usager(usager)
    client.force_login(usager)
    reponse = poster(client, dossier, E1, {**ETAPE1, "adresse_code_postal": "00000"})
    assert reponse.status_code == 400
    assert "Ce code postal n’existe pas en France" in texte(reponse)

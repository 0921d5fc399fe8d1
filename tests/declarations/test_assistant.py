import datetime
import re

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from declarations.enums import StatutDeclaration
from declarations.models import Declaration, PieceJointeDeclaration
from portail.models import EmailSortant
from portail.validateurs import valider_code_postal
from precontentieux.models import Dossier, Invitation
from tests.fabriques import UtilisateurFactory
from tests.portail.comptes_outils import poser_cookie_connexion

ETAPE1 = {
    "bris-de-porte-erreur_operationnelle": "oui",
    "bris-de-porte-description_operation": "1 porte et 1 portail cassés, aucun numéro sur la porte",
    "bris-de-porte-date_operation": "2025-12-17",
    "bris-de-porte-adresse_voie": "12 rue des Lilas",
    "bris-de-porte-adresse_complement": "3e étage, escalier B",
    "bris-de-porte-adresse_code_postal": "69003",
    "bris-de-porte-adresse_ville": "Lyon",
}
ETAPE2 = {
    "service-enqueteur-service_enqueteur": "Commissariat de Lyon 3e",
    "service-enqueteur-telephone_service": "04 00 00 00 00",
    "service-enqueteur-courriel_agent": "agent@interieur.gouv.fr",
    "service-enqueteur-numero_procedure": "2025/000123",
    "service-enqueteur-juridiction": "Parquet de Lyon",
    "service-enqueteur-magistrat": "",
}
ETAPE3 = {
    "usager-coordonnees_usager": "oui",
    "usager-usager_civilite": "m",
    "usager-usager_nom": "DUPONT",
    "usager-usager_prenom": "Martin",
    "usager-usager_telephone": "06 00 00 00 00",
    "usager-usager_courriel": "martin.dupont@courriel.fr",
    "usager-usager_precisions": "Locataire et épouse du mis en cause",
}


def url_etape(declaration, etape):
    return reverse("declarations:etape", kwargs={"pk": declaration.pk, "step": etape})


def url_brouillon(declaration):
    return reverse("declarations:brouillon", args=[declaration.pk])


def version(declaration):
    return Declaration.objects.get(pk=declaration.pk).version


def poster(client, declaration, etape, donnees, **extra):
    return client.post(url_etape(declaration, etape), {**donnees, "version": version(declaration), **extra})


@pytest.fixture
def policier():
    return UtilisateurFactory(policier=True, email="agent.proconnect@interieur.gouv.fr")


@pytest.fixture
def client_policier(client, policier):
    client.force_login(policier)
    return client


@pytest.fixture
def brouillon(policier):
    return Declaration.objects.create(agent=policier)


def h1(reponse):
    return re.findall(r"<h1[ >]", reponse.content.decode())


# --- Nouvelle déclaration ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_nouvelle_affiche_les_quatre_cas_et_ne_cree_rien_en_get(client_policier):
    reponse = client_policier.get(reverse("declarations:nouvelle"))
    contenu = reponse.content.decode()
    assert reponse.status_code == 200
    assert "Quand faire une déclaration en ligne ?" in contenu
    assert "En cas d’erreur opérationnelle" in contenu
    assert "Dénonciation mensongère d’une urgence vitale" in contenu
    assert "Flagrance" in contenu
    assert "Lorsque vous n’avez pas de certitude sur la situation du requérant." in contenu
    assert len(h1(reponse)) == 1
    assert not Declaration.objects.exists()


@pytest.mark.django_db
def test_nouvelle_en_post_cree_un_brouillon_et_ouvre_l_etape_1(client_policier, policier):
    reponse = client_policier.post(reverse("declarations:nouvelle"))
    declaration = Declaration.objects.get()
    assert declaration.agent == policier and declaration.statut == StatutDeclaration.BROUILLON
    assert reponse["Location"] == url_etape(declaration, "bris-de-porte")
    page = client_policier.get(reponse["Location"])
    contenu = page.content.decode()
    assert "Étape 1 sur 3" in contenu
    assert "Éléments relatifs au bris de porte" in contenu
    assert "Étape suivante :</span> Éléments relatifs au service enquêteur" in contenu
    assert "S’agissait-il d’une erreur opérationnelle ?" in contenu
    assert "Le logement perquisitionné n’était pas visé par l’opération." in contenu
    assert "Étape 1/3 – Éléments relatifs au bris de porte" in contenu
    assert "Que faire en cas de squat ?" in contenu
    assert "Continuer" in contenu
    assert len(h1(page)) == 1
    assert 'src="/static/js/brouillon.js"' in contenu
    assert "<script>" not in contenu and " style=" not in contenu and " onclick=" not in contenu


# --- Parcours complet -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_parcours_complet_jusqu_a_l_envoi(client_policier, brouillon):
    reponse = poster(client_policier, brouillon, "bris-de-porte", ETAPE1)
    assert reponse.status_code == 302 and reponse["Location"] == url_etape(brouillon, "service-enqueteur")

    page = client_policier.get(reponse["Location"])
    contenu = page.content.decode()
    assert "Étape 2 sur 3" in contenu and "strictement confidentielles" in contenu
    assert "← Revenir à l’étape précédente" in contenu
    # Courriel de l'agent prérempli depuis ProConnect.
    assert 'value="agent.proconnect@interieur.gouv.fr"' in contenu

    reponse = poster(client_policier, brouillon, "service-enqueteur", ETAPE2)
    assert reponse["Location"] == url_etape(brouillon, "usager")
    page = client_policier.get(reponse["Location"])
    contenu = page.content.decode()
    assert "Étape 3 sur 3" in contenu
    assert "⚠ Une fois la déclaration envoyée, il n’est plus possible de la modifier." in contenu
    assert "Envoyer" in contenu
    # Le récapitulatif des étapes 1 et 2 est sur l'étape 3 elle-même, au-dessus de l'avertissement et du bouton.
    assert "12 rue des Lilas" in contenu and "Commissariat de Lyon 3e" in contenu and "17/12/2025" in contenu
    assert not Dossier.objects.exists()

    # « Envoyer » termine la déclaration (guide : « cliquez sur envoyer. Vous avez terminé votre déclaration ! »).
    reponse = poster(client_policier, brouillon, "usager", ETAPE3)
    declaration = Declaration.objects.get()
    assert declaration.statut == StatutDeclaration.ENVOYEE
    assert reponse["Location"] == reverse("declarations:voir", args=[declaration.pk])
    assert declaration.date_operation == datetime.date(2025, 12, 17)
    assert declaration.adresse_code_postal == "69003"
    assert declaration.courriel_agent == "agent@interieur.gouv.fr"
    assert declaration.coordonnees_usager is True and declaration.usager_nom == "DUPONT"
    assert Dossier.objects.get().adresse_ville == "Lyon"
    assert Invitation.objects.get().courriel == "martin.dupont@courriel.fr"
    assert len(mail.outbox) == 1
    page = client_policier.get(reponse["Location"])
    assert f"Déclaration {declaration.reference}" in page.content.decode()
    assert "a été envoyée" in page.content.decode()


@pytest.mark.django_db
def test_revenir_enregistre_sans_valider(client_policier, brouillon):
    reponse = poster(
        client_policier,
        brouillon,
        "service-enqueteur",
        {"service-enqueteur-service_enqueteur": "BAC 75", "service-enqueteur-courriel_agent": "pas-un-courriel"},
        wizard_goto_step="bris-de-porte",
    )
    assert reponse.status_code == 302 and reponse["Location"] == url_etape(brouillon, "bris-de-porte")
    brouillon.refresh_from_db()
    # Brut conservé dans le brouillon, colonnes : seulement le valide.
    assert brouillon.brouillon["step_data"]["service-enqueteur"]["service-enqueteur-courriel_agent"] == [
        "pas-un-courriel"
    ]
    assert brouillon.service_enqueteur == "BAC 75" and brouillon.courriel_agent == ""
    page = client_policier.get(url_etape(brouillon, "service-enqueteur"))
    contenu = page.content.decode()
    assert 'value="pas-un-courriel"' in contenu
    # Pas d'erreur affichée à la simple consultation.
    assert "fr-input-group--error" not in contenu and "à corriger" not in contenu


@pytest.mark.django_db
def test_enregistrer_et_quitter(client_policier, brouillon):
    reponse = poster(
        client_policier, brouillon, "bris-de-porte", {"bris-de-porte-adresse_ville": "Lyon"}, action="quitter"
    )
    assert reponse["Location"] == reverse("declarations:mes_declarations")
    assert Declaration.objects.get().adresse_ville == "Lyon"


# --- Validation -------------------------------------------------------------------------------------------


def erreurs_etape(client, declaration, etape, donnees):
    reponse = poster(client, declaration, etape, donnees)
    assert reponse.status_code == 400, reponse.get("Location")
    return reponse.content.decode()


@pytest.mark.django_db
def test_etape_1_champs_obligatoires(client_policier, brouillon):
    contenu = erreurs_etape(client_policier, brouillon, "bris-de-porte", {})
    for message in (
        "Indiquez s’il s’agissait d’une erreur opérationnelle.",
        "Indiquez la date de l’opération.",
        "Indiquez le numéro de voie et la rue du logement.",
        "Indiquez le code postal du logement.",
        "Indiquez la ville du logement.",
    ):
        assert message in contenu
    # Erreurs reliées aux champs et résumé en tête avec liens.
    assert 'aria-describedby="id_bris-de-porte-adresse_ville-desc-error"' in contenu
    assert 'id="id_bris-de-porte-adresse_ville-desc-error"' in contenu
    assert 'href="#id_bris-de-porte-adresse_ville"' in contenu
    assert "5 informations sont à corriger" in contenu


@pytest.mark.django_db
def test_date_dans_le_futur_refusee(client_policier, brouillon):
    demain = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    contenu = erreurs_etape(
        client_policier, brouillon, "bris-de-porte", {**ETAPE1, "bris-de-porte-date_operation": demain}
    )
    assert "La date de l’opération ne peut pas être dans le futur." in contenu
    assert Declaration.objects.get().date_operation is None


@pytest.mark.django_db
def test_date_du_jour_et_format_francais_acceptes(client_policier, brouillon):
    aujourd_hui = timezone.localdate()
    reponse = poster(
        client_policier,
        brouillon,
        "bris-de-porte",
        {**ETAPE1, "bris-de-porte-date_operation": aujourd_hui.strftime("%d/%m/%Y")},
    )
    assert reponse.status_code == 302
    assert Declaration.objects.get().date_operation == aujourd_hui


@pytest.mark.django_db
def test_date_invalide(client_policier, brouillon):
    contenu = erreurs_etape(
        client_policier, brouillon, "bris-de-porte", {**ETAPE1, "bris-de-porte-date_operation": "31/02/2025"}
    )
    assert "Saisissez une date valide" in contenu


@pytest.mark.parametrize(
    "code", ["75001", "69003", "20000", "20200", "97400", "97100", "97600", "98800", "98714", "01000", "95000"]
)
def test_codes_postaux_valides(code):
    valider_code_postal(code)


@pytest.mark.parametrize("code", ["7500", "750011", "7500A", "00100", "96000", "97000", "97900", "98000", "99999"])
def test_codes_postaux_invalides(code):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        valider_code_postal(code)


@pytest.mark.django_db
def test_code_postal_invalide_dans_le_formulaire_et_espaces_toleres(client_policier, brouillon):
    contenu = erreurs_etape(
        client_policier, brouillon, "bris-de-porte", {**ETAPE1, "bris-de-porte-adresse_code_postal": "96000"}
    )
    assert "Ce code postal n’existe pas en France" in contenu
    reponse = poster(
        client_policier, brouillon, "bris-de-porte", {**ETAPE1, "bris-de-porte-adresse_code_postal": "97 400"}
    )
    assert reponse.status_code == 302
    assert Declaration.objects.get().adresse_code_postal == "97400"


@pytest.mark.django_db
def test_etape_2_champs_obligatoires_et_formats(client_policier, brouillon):
    contenu = erreurs_etape(client_policier, brouillon, "service-enqueteur", {"service-enqueteur-courriel_agent": ""})
    for message in (
        "Indiquez le service enquêteur.",
        "Indiquez le téléphone du service ou de l’agent.",
        "Indiquez votre adresse électronique.",
        "Indiquez le numéro de procédure.",
    ):
        assert message in contenu
    contenu = erreurs_etape(
        client_policier,
        brouillon,
        "service-enqueteur",
        {
            **ETAPE2,
            "service-enqueteur-telephone_service": "12",
            "service-enqueteur-courriel_agent": "agent@",
        },
    )
    assert "Saisissez un numéro de téléphone valide" in contenu
    assert "Saisissez une adresse électronique valide" in contenu


@pytest.mark.django_db
def test_telephones_acceptes(client_policier, brouillon):
    for telephone in ("04.00.00.00.00", "+262 262 00 00 00", "0400000000"):
        reponse = poster(
            client_policier,
            brouillon,
            "service-enqueteur",
            {**ETAPE2, "service-enqueteur-telephone_service": telephone},
        )
        assert reponse.status_code == 302, telephone


# --- Étape 3 conditionnelle -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_etape_3_reponse_obligatoire(client_policier, brouillon):
    contenu = erreurs_etape(client_policier, brouillon, "usager", {})
    assert "Indiquez si vous avez les coordonnées de l’usager." in contenu
    assert "Indiquez le nom." not in contenu


@pytest.mark.django_db
def test_etape_3_oui_exige_les_coordonnees(client_policier, brouillon):
    contenu = erreurs_etape(client_policier, brouillon, "usager", {"usager-coordonnees_usager": "oui"})
    for message in (
        "Indiquez le nom.",
        "Indiquez le prénom.",
        "Indiquez le téléphone de l’usager.",
        "Indiquez l’adresse",
    ):
        assert message in contenu
    contenu = erreurs_etape(client_policier, brouillon, "usager", {**ETAPE3, "usager-usager_courriel": "martin.dupont"})
    assert "Saisissez une adresse électronique valide" in contenu


@pytest.mark.django_db
def test_etape_3_non_n_exige_rien_et_n_envoie_pas_d_invitation(client_policier, brouillon):
    poster(client_policier, brouillon, "bris-de-porte", ETAPE1)
    poster(client_policier, brouillon, "service-enqueteur", ETAPE2)
    # Des coordonnées saisies puis « Non » : elles ne sont ni exigées ni conservées.
    reponse = poster(
        client_policier,
        brouillon,
        "usager",
        {"usager-coordonnees_usager": "non", "usager-usager_nom": "DUPONT", "usager-usager_courriel": "invalide"},
    )
    assert reponse["Location"] == reverse("declarations:voir", args=[brouillon.pk])
    declaration = Declaration.objects.get()
    assert declaration.statut == StatutDeclaration.ENVOYEE
    assert declaration.coordonnees_usager is False and declaration.usager_nom == ""
    assert Dossier.objects.count() == 1
    assert not Invitation.objects.exists() and not mail.outbox


# --- Envoi ------------------------------------------------------------------------------------------------


def remplir(client, declaration):
    """Étapes 1 et 2 ; l'étape 3 (« Envoyer ») envoie."""
    for etape, donnees in (("bris-de-porte", ETAPE1), ("service-enqueteur", ETAPE2)):
        assert poster(client, declaration, etape, donnees).status_code == 302


@pytest.mark.django_db
def test_envoyer_termine_la_declaration_sans_page_de_relecture(client_policier, brouillon):
    """Issue 11, item 10 : le récapitulatif (documents joints compris) est sur l'étape 3, au-dessus de
    l'avertissement du guide et du bouton « Envoyer », qui envoie : plus de second clic."""
    remplir(client_policier, brouillon)
    PieceJointeDeclaration.objects.create(
        declaration=brouillon,
        fichier="declarations/pv",
        nom_original="pv-intervention.pdf",
        type_mime="application/pdf",
        taille=1200,
    )
    contenu = client_policier.get(url_etape(brouillon, "usager")).content.decode()
    recapitulatif = contenu.index("Commissariat de Lyon 3e")
    assert contenu.index("12 rue des Lilas") < recapitulatif < contenu.index("pv-intervention.pdf")
    avertissement = contenu.index(
        "Une fois la déclaration envoyée, il n’est plus possible de la modifier.", recapitulatif
    )
    bouton = re.search(r'class="fr-btn" name="action" value="continuer">\s*Envoyer', contenu).start()
    assert contenu.index("pv-intervention.pdf") < avertissement < bouton
    assert f'href="{url_etape(brouillon, "bris-de-porte")}"' in contenu  # « Modifier »
    reponse = poster(client_policier, brouillon, "usager", ETAPE3)
    assert reponse["Location"] == reverse("declarations:voir", args=[brouillon.pk])
    assert Declaration.objects.get().statut == StatutDeclaration.ENVOYEE
    assert Dossier.objects.count() == 1 and len(mail.outbox) == 1
    # L'ancienne page de relecture n'existe plus : son adresse mène à la déclaration envoyée.
    assert client_policier.get(url_etape(brouillon, "confirmation"))["Location"] == reponse["Location"]


@pytest.mark.django_db
def test_envoi_incomplet_renvoie_a_l_etape_avec_les_erreurs(client_policier, brouillon):
    poster(client_policier, brouillon, "bris-de-porte", ETAPE1)
    # Étape 2 jamais remplie : « Envoyer » à l'étape 3 mène à l'étape 2, erreurs affichées.
    reponse = poster(client_policier, brouillon, "usager", ETAPE3)
    assert reponse["Location"] == url_etape(brouillon, "service-enqueteur") + "?verifier=1"
    page = client_policier.get(reponse["Location"])
    contenu = page.content.decode()
    assert "Certaines informations sont manquantes" in contenu
    assert "Indiquez le numéro de procédure." in contenu
    assert Declaration.objects.get().statut == StatutDeclaration.BROUILLON
    assert not Dossier.objects.exists()
    # L'ancienne adresse de relecture mène à l'étape 3.
    assert client_policier.get(url_etape(brouillon, "confirmation"))["Location"] == url_etape(brouillon, "usager")


@pytest.mark.django_db
def test_double_envoi_une_declaration_un_dossier_un_courriel(client_policier, brouillon, policier):
    remplir(client_policier, brouillon)
    v = version(brouillon)
    donnees = ETAPE3
    premiere = client_policier.post(url_etape(brouillon, "usager"), {**donnees, "version": v, "action": "continuer"})
    assert premiere.status_code == 302
    # Double clic / rejeu, et un second onglet (autre client, même agent).
    seconde = client_policier.post(url_etape(brouillon, "usager"), {**donnees, "version": v, "action": "continuer"})
    autre_onglet = Client()
    autre_onglet.force_login(policier)
    troisieme = autre_onglet.post(url_etape(brouillon, "usager"), {**donnees, "version": v + 1})
    voir = reverse("declarations:voir", args=[brouillon.pk])
    assert premiere["Location"] == voir
    assert seconde.status_code == 302 and seconde["Location"] == voir
    assert troisieme.status_code == 302 and troisieme["Location"] == voir
    page = client_policier.get(voir)
    assert "il n’est plus possible de la modifier" in page.content.decode()
    assert Declaration.objects.count() == 1
    assert Dossier.objects.count() == 1
    assert Invitation.objects.count() == 1
    assert EmailSortant.objects.count() == 1 and len(mail.outbox) == 1


@pytest.mark.django_db
def test_envoi_refuse_si_un_autre_onglet_a_modifie(client_policier, brouillon):
    remplir(client_policier, brouillon)
    v = version(brouillon)
    client_policier.post(
        url_brouillon(brouillon),
        {"version": v, "etape": "bris-de-porte", "bris-de-porte-adresse_ville": "Villeurbanne"},
    )
    reponse = client_policier.post(url_etape(brouillon, "usager"), {**ETAPE3, "version": v, "action": "continuer"})
    assert reponse.status_code == 409
    assert "modifié dans un autre onglet" in reponse.content.decode()
    assert Declaration.objects.get().statut == StatutDeclaration.BROUILLON
    assert not Dossier.objects.exists()


# --- Brouillons : reprise et concurrence ------------------------------------------------------------------


@pytest.mark.django_db
def test_brouillon_repris_dans_un_autre_navigateur(client_policier, brouillon, policier):
    reponse = client_policier.post(
        url_brouillon(brouillon),
        {
            "version": version(brouillon),
            "etape": "bris-de-porte",
            "bris-de-porte-adresse_voie": "12 rue des Lilas",
            "bris-de-porte-adresse_code_postal": "690",  # partiel, invalide : gardé tel quel
        },
    )
    assert reponse.status_code == 200
    assert re.fullmatch(r"Brouillon enregistré à \d\d:\d\d", reponse.json()["message"])
    autre_navigateur = Client()
    autre_navigateur.force_login(policier)
    reprise = autre_navigateur.get(reverse("declarations:reprendre", args=[brouillon.pk]))
    assert reprise["Location"] == url_etape(brouillon, "bris-de-porte")
    contenu = autre_navigateur.get(reprise["Location"]).content.decode()
    assert 'value="12 rue des Lilas"' in contenu
    assert 'value="690"' in contenu
    assert "Ce code postal" not in contenu and "5 chiffres, par exemple" in contenu


@pytest.mark.django_db
def test_reprendre_ouvre_la_derniere_etape_enregistree(client_policier, brouillon):
    poster(client_policier, brouillon, "bris-de-porte", ETAPE1)
    client_policier.post(
        url_brouillon(brouillon),
        {"version": version(brouillon), "etape": "service-enqueteur", "service-enqueteur-magistrat": "M. X"},
    )
    reprise = client_policier.get(reverse("declarations:reprendre", args=[brouillon.pk]))
    assert reprise["Location"] == url_etape(brouillon, "service-enqueteur")


@pytest.mark.django_db
def test_enregistrement_automatique_fusionne_sans_effacer_les_autres_champs(client_policier, brouillon):
    poster(client_policier, brouillon, "bris-de-porte", ETAPE1)
    client_policier.post(
        url_brouillon(brouillon),
        {"version": version(brouillon), "etape": "bris-de-porte", "bris-de-porte-adresse_ville": "Villeurbanne"},
    )
    declaration = Declaration.objects.get()
    assert declaration.adresse_ville == "Villeurbanne"
    assert declaration.adresse_voie == "12 rue des Lilas"
    # Un champ étranger à l'étape n'est jamais stocké.
    client_policier.post(
        url_brouillon(brouillon),
        {"version": version(brouillon), "etape": "bris-de-porte", "statut": "envoyee", "usager-usager_nom": "X"},
    )
    declaration = Declaration.objects.get()
    assert declaration.statut == StatutDeclaration.BROUILLON
    assert "usager-usager_nom" not in str(declaration.brouillon)


@pytest.mark.django_db
def test_deux_onglets_la_version_perimee_est_refusee_en_409(client_policier, brouillon):
    v = version(brouillon)
    onglet_a = client_policier.post(
        url_brouillon(brouillon), {"version": v, "etape": "bris-de-porte", "bris-de-porte-adresse_ville": "Lyon"}
    )
    assert onglet_a.status_code == 200 and onglet_a.json()["version"] == v + 1
    onglet_b = client_policier.post(
        url_brouillon(brouillon), {"version": v, "etape": "bris-de-porte", "bris-de-porte-adresse_ville": "Paris"}
    )
    assert onglet_b.status_code == 409
    assert onglet_b.json()["motif"] == "conflit"
    assert "modifié dans un autre onglet" in onglet_b.json()["erreur"]
    declaration = Declaration.objects.get()
    assert declaration.adresse_ville == "Lyon" and declaration.version == v + 1
    # Même règle pour le bouton « Continuer » d'une page périmée : rien n'est écrasé, message accessible.
    page = client_policier.post(
        url_etape(brouillon, "bris-de-porte"), {**ETAPE1, "bris-de-porte-adresse_ville": "Paris", "version": v}
    )
    assert page.status_code == 409
    contenu = page.content.decode()
    assert 'role="alert"' in contenu and "modifié dans un autre onglet" in contenu
    assert Declaration.objects.get().adresse_ville == "Lyon"


@pytest.mark.django_db
def test_session_expiree_la_saisie_est_conservee_apres_reconnexion(client, brouillon, policier):
    chemin = url_etape(brouillon, "bris-de-porte")
    # Navigateur connecté auparavant (cookie signé de connexion), puis session expirée côté serveur.
    client.force_login(policier)
    poser_cookie_connexion(client, policier)
    Session.objects.all().delete()
    reponse = client.post(chemin, {**ETAPE1, "version": version(brouillon)})
    assert reponse.status_code == 302
    assert reponse["Location"].startswith(reverse("portail:connexion"))
    assert reponse["Location"].endswith("next=" + chemin)
    assert Declaration.objects.get().adresse_ville == ""
    # L'enregistrement automatique pendant l'expiration : 401 JSON avec lien de reconnexion.
    auto = client.post(
        url_brouillon(brouillon),
        {"version": version(brouillon), "etape": "bris-de-porte", "bris-de-porte-magistrat": "x"},
    )
    assert auto.status_code == 401 and auto.json()["motif"] == "session"
    client.post(chemin, {**ETAPE1, "version": version(brouillon)})
    # Reconnexion (la session garde ses données), retour à l'adresse `next`.
    client.force_login(policier)
    page = client.get(chemin)
    contenu = page.content.decode()
    assert page.status_code == 200
    assert "a été enregistrée" in contenu
    assert 'value="12 rue des Lilas"' in contenu
    declaration = Declaration.objects.get()
    assert declaration.adresse_ville == "Lyon" and declaration.date_operation == datetime.date(2025, 12, 17)


@pytest.mark.django_db
def test_etape_inconnue_404(client_policier, brouillon):
    assert client_policier.get(url_etape(brouillon, "etape-9")).status_code == 404


@pytest.mark.django_db
def test_pages_de_l_assistant_sans_cache(client_policier, brouillon):
    reponse = client_policier.get(url_etape(brouillon, "bris-de-porte"))
    assert "no-store" in reponse["Cache-Control"]


@pytest.mark.django_db
def test_lien_vers_la_faq(client_policier, brouillon):
    contenu = client_policier.get(url_etape(brouillon, "bris-de-porte")).content.decode()
    assert f'href="{reverse("faq:liste")}"' in contenu

"""Réquisition d'un serrurier : annuaire par code postal ou département, démonstration, administration."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from declarations.departements import departement_du_code_postal, departements_recherches
from declarations.models import Serrurier
from declarations.serruriers import semer_serruriers_demo
from portail.enums import Role
from tests.fabriques import SerrurierFactory, UtilisateurFactory

URL = reverse("declarations:serrurier")


@pytest.fixture
def policier(client):
    utilisateur = UtilisateurFactory(policier=True)
    client.force_login(utilisateur)
    return utilisateur


def chercher(client, q):
    reponse = client.get(URL, {"q": q})
    assert reponse.status_code == 200
    return reponse.content.decode()


@pytest.mark.parametrize(
    ("code_postal", "departement"),
    [
        ("01000", "01"),
        ("69003", "69"),
        ("75011", "75"),
        ("20000", "2A"),  # Ajaccio
        ("20090", "2A"),
        ("20137", "2A"),  # Porto-Vecchio
        ("20200", "2B"),  # Bastia
        ("20600", "2B"),  # Bastia (Furiani)
        ("20260", "2B"),  # Calvi
        ("97100", "971"),
        ("97200", "972"),
        ("97300", "973"),
        ("97400", "974"),
        ("97500", "975"),
        ("97600", "976"),
        ("97133", "977"),  # Saint-Barthélemy
        ("97150", "978"),  # Saint-Martin
        ("98800", "988"),
        ("00100", None),
        ("96000", None),
        ("9740", None),
        ("abcde", None),
    ],
)
def test_departement_du_code_postal(code_postal, departement):
    assert departement_du_code_postal(code_postal) == departement


@pytest.mark.parametrize(
    ("saisie", "attendu"),
    [
        ("69003", (["69"], "69003")),
        (" 69 003 ", (["69"], "69003")),
        ("69", (["69"], "")),
        ("1", (["01"], "")),
        ("2a", (["2A"], "")),
        ("2B", (["2B"], "")),
        ("20", (["2A", "2B"], "")),
        ("974", (["974"], "")),
        ("Rhône", (["69"], "")),
        ("la reunion", (["974"], "")),
        ("corse du sud", (["2A"], "")),
        ("96", ([], "")),
        ("haute", ([], "")),  # ambigu
        ("", ([], "")),
    ],
)
def test_interpretation_de_la_saisie(saisie, attendu):
    assert departements_recherches(saisie) == attendu


@pytest.mark.django_db
def test_departement_deduit_a_l_enregistrement():
    assert SerrurierFactory(code_postal="20167").departement == "2A"
    assert SerrurierFactory(code_postal="20620").departement == "2B"
    assert SerrurierFactory(code_postal="97600").departement == "976"
    # Commune frontalière : le département saisi est conservé.
    assert SerrurierFactory(code_postal="05110", departement="04").departement == "04"


@pytest.mark.django_db
def test_recherche_par_code_postal(client, policier):
    SerrurierFactory(raison_sociale="Serrurerie Villeurbanne", code_postal="69100", ville="Villeurbanne")
    SerrurierFactory(raison_sociale="Serrurerie Lyon 3", code_postal="69003", ville="Lyon")
    SerrurierFactory(raison_sociale="Serrurerie Paris", code_postal="75011", ville="Paris")
    SerrurierFactory(raison_sociale="Serrurerie retirée", code_postal="69003", actif=False)
    contenu = chercher(client, "69003")
    assert "69 — Rhône" in contenu
    assert "Serrurerie Villeurbanne" in contenu and "Serrurerie Lyon 3" in contenu
    assert "Serrurerie Paris" not in contenu
    assert "Serrurerie retirée" not in contenu
    # Le même code postal d'abord.
    assert contenu.index("Serrurerie Lyon 3") < contenu.index("Serrurerie Villeurbanne")
    assert "2 serruriers référencés" in contenu
    assert contenu.count("<h1") == 1


@pytest.mark.django_db
def test_recherche_par_departement(client, policier):
    SerrurierFactory(raison_sociale="Serrurerie Villeurbanne", code_postal="69100", ville="Villeurbanne")
    SerrurierFactory(raison_sociale="Serrurerie Paris", code_postal="75011", ville="Paris")
    for saisie in ("69", "Rhône", "rhone"):
        contenu = chercher(client, saisie)
        assert "Serrurerie Villeurbanne" in contenu, saisie
        assert "Serrurerie Paris" not in contenu, saisie


@pytest.mark.django_db
def test_corse_et_outre_mer(client, policier):
    SerrurierFactory(raison_sociale="Serrurerie Ajaccio", code_postal="20000", ville="Ajaccio")
    SerrurierFactory(raison_sociale="Serrurerie Bastia", code_postal="20200", ville="Bastia")
    SerrurierFactory(raison_sociale="Serrurerie Saint-Denis", code_postal="97400", ville="Saint-Denis")
    SerrurierFactory(raison_sociale="Serrurerie Pointe-à-Pitre", code_postal="97110", ville="Pointe-à-Pitre")
    SerrurierFactory(raison_sociale="Serrurerie Mamoudzou", code_postal="97600", ville="Mamoudzou")

    def trouves(saisie):
        contenu = chercher(client, saisie)
        return set(re.findall(r"Serrurerie [\w\-à]+", contenu))

    assert trouves("2A") == trouves("2a") == trouves("20090") == {"Serrurerie Ajaccio"}
    assert trouves("2B") == trouves("20600") == {"Serrurerie Bastia"}
    assert trouves("20") == {"Serrurerie Ajaccio", "Serrurerie Bastia"}
    assert trouves("974") == trouves("97490") == {"Serrurerie Saint-Denis"}
    assert trouves("971") == trouves("97110") == {"Serrurerie Pointe-à-Pitre"}
    assert trouves("976") == {"Serrurerie Mamoudzou"}
    assert "2A — Corse-du-Sud" in chercher(client, "2A")
    assert "974 — La Réunion" in chercher(client, "97400")


@pytest.mark.django_db
def test_etat_vide_honnete(client, policier):
    SerrurierFactory(code_postal="69003")
    contenu = chercher(client, "2B")
    assert "Aucun serrurier n’est référencé pour ce département." in contenu
    assert "canal habituel de réquisition" in contenu
    assert "demandez à l’administrateur" in contenu
    assert "<table" not in contenu


@pytest.mark.django_db
def test_saisie_invalide_signalee_sur_le_champ(client, policier):
    contenu = chercher(client, "zzz")
    assert "fr-input-group--error" in contenu
    assert 'aria-invalid="true"' in contenu and 'aria-describedby="id_q-desc-error"' in contenu
    assert 'id="id_q-desc-error"' in contenu
    assert "Saisissez un code postal (5 chiffres" in contenu
    assert '<label for="id_q" class="fr-label">' in contenu


@pytest.mark.django_db
def test_page_sans_recherche(client, policier):
    SerrurierFactory()
    contenu = client.get(URL).content.decode()
    assert "Code postal ou département" in contenu
    assert "<table" not in contenu and "fr-input-group--error" not in contenu


@pytest.mark.django_db
def test_donnees_de_demonstration(client, policier):
    actions = semer_serruriers_demo()
    assert len(actions) == len(Serrurier.objects.all()) >= 3
    assert semer_serruriers_demo() == []  # idempotent
    for serrurier in Serrurier.objects.all():
        assert serrurier.demonstration
        assert serrurier.raison_sociale.startswith("[DÉMONSTRATION] ")
        # Tranche 01 99 00 xx xx, réservée par l'ARCEP aux œuvres de fiction.
        assert re.fullmatch(r"01 99 00 \d\d \d\d", serrurier.telephone)
        assert "fictive" in serrurier.adresse
    SerrurierFactory(raison_sociale="Serrurerie réelle", code_postal="75012", ville="Paris")
    contenu = chercher(client, "75")
    assert '<p class="fr-badge fr-badge--warning fr-badge--sm fr-mt-1w">Démonstration</p>' in contenu
    assert contenu.count(">Démonstration</p>") == 1  # pas de badge sur la fiche réelle
    assert "Les fiches marquées « Démonstration » sont fictives" in contenu
    assert "Serrurerie réelle" in contenu


@pytest.mark.django_db
def test_fiche_de_demonstration_toujours_marquee():
    serrurier = SerrurierFactory(raison_sociale="Serrurerie quelconque", demonstration=True)
    assert serrurier.raison_sociale == "[DÉMONSTRATION] Serrurerie quelconque"


@pytest.mark.django_db
def test_semer_demo_simulation_puis_ecriture():
    call_command("semer_demo")
    assert not Serrurier.objects.exists()
    call_command("semer_demo", "--wet-run")
    assert Serrurier.objects.filter(demonstration=True).count() >= 3


@pytest.mark.django_db
@pytest.mark.parametrize("nombre", [5, 5000])
def test_nombre_de_requetes_constant(client, django_assert_num_queries, nombre):
    policier = UtilisateurFactory(policier=True)
    client.force_login(policier)
    Serrurier.objects.bulk_create(
        Serrurier(
            raison_sociale=f"Serrurerie d’essai n° {i}",
            adresse=f"{i} rue de l’Essai",
            code_postal=f"690{i % 10:02d}",
            departement="69",
            ville="Lyon",
            telephone="01 99 00 00 00",
            demonstration=bool(i % 2),
        )
        for i in range(nombre)
    )
    # Session, utilisateur, rôles (garde), nombre de serruriers, page de serruriers, fiches de démonstration,
    # configuration du DSFR (2, processeur de contexte) : le même nombre à 5 et à 5 000.
    with django_assert_num_queries(8):
        contenu = chercher(client, "69003")
    assert contenu.count("<tr>") == min(nombre, 20) + 1
    assert f"{nombre} serruriers référencés, ceux du code postal 69003 en premier." in contenu
    if nombre > 20:
        assert 'class="fr-pagination"' in contenu
        # La page suivante garde la recherche.
        assert "?q=69003&amp;page=2" in contenu


@pytest.mark.django_db
@pytest.mark.parametrize(
    "utilisateur",
    [lambda: UtilisateurFactory(), lambda: UtilisateurFactory(agent_mj=True, roles=[Role.GESTIONNAIRE])],
    ids=["usager", "agent-mj"],
)
def test_reserve_aux_forces_de_l_ordre(client, utilisateur):
    SerrurierFactory()
    client.force_login(utilisateur())
    assert client.get(URL, {"q": "69"}).status_code == 403


@pytest.mark.django_db
def test_anonyme_renvoye_vers_la_connexion(client):
    reponse = client.get(URL, {"q": "69"})
    assert reponse.status_code == 302
    assert reponse["Location"].startswith(reverse("portail:connexion"))


@pytest.fixture
def administrateur(client):
    admin = UtilisateurFactory(agent_mj=True, roles=[Role.GESTIONNAIRE], is_staff=True, is_superuser=True)
    client.force_login(admin)
    return admin


@pytest.mark.django_db
def test_administration_ajout_et_modification(client, administrateur):
    reponse = client.post(
        reverse("admin:declarations_serrurier_add"),
        {
            "raison_sociale": "Serrurerie de Bastia",
            "adresse": "1 rue de l’Essai",
            "code_postal": "20200",
            "ville": "Bastia",
            "departement": "",
            "telephone": "01 99 00 00 42",
            "courriel": "",
            "horaires": "Nuit et week-end",
            "actif": "on",
        },
    )
    assert reponse.status_code == 302, reponse.content.decode()[:3000]
    serrurier = Serrurier.objects.get()
    assert serrurier.departement == "2B" and serrurier.actif and not serrurier.demonstration

    url_modification = reverse("admin:declarations_serrurier_change", args=[serrurier.pk])
    assert client.get(url_modification).status_code == 200
    reponse = client.post(
        url_modification,
        {
            "raison_sociale": "Serrurerie d’Ajaccio",
            "adresse": "1 rue de l’Essai",
            "code_postal": "20000",
            "ville": "Ajaccio",
            "departement": "2B",
            "telephone": "01 99 00 00 42",
            "courriel": "contact@example.com",
            "horaires": "",
            "actif": "on",
        },
    )
    assert reponse.status_code == 302
    serrurier.refresh_from_db()
    assert serrurier.departement == "2A"  # le département suit le code postal
    assert client.get(reverse("admin:declarations_serrurier_changelist")).status_code == 200


@pytest.mark.django_db
def test_administration_refuse_un_code_postal_ou_un_telephone_invalide(client, administrateur):
    reponse = client.post(
        reverse("admin:declarations_serrurier_add"),
        {
            "raison_sociale": "X",
            "adresse": "Y",
            "code_postal": "96000",
            "ville": "Z",
            "telephone": "123",
            "actif": "on",
        },
    )
    assert reponse.status_code == 200
    contenu = reponse.content.decode()
    assert "Saisissez un code postal français valide" in contenu
    assert "Saisissez un numéro de téléphone valide" in contenu
    assert not Serrurier.objects.exists()

"""Administration Django, outil « bris de glace » : superutilisateurs seulement, connexion limitée en débit et
journalisée, superutilisateurs intouchables par les autres comptes."""

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from portail.enums import Role, TypeEvenement
from portail.models import Evenement, Utilisateur
from tests.fabriques import UtilisateurFactory, agent

pytestmark = pytest.mark.django_db

MOT_DE_PASSE = "Glace-Brisee-Tilleul-2026!"


@pytest.fixture(autouse=True)
def _limiteur_neuf():
    cache.clear()
    yield
    cache.clear()


def _connexion(client, identifiant, mot_de_passe=MOT_DE_PASSE, **extra):
    return client.post(
        reverse("admin:login"),
        {"username": identifiant, "password": mot_de_passe, "next": reverse("admin:index")},
        **extra,
    )


def test_superutilisateur_se_connecte_et_la_connexion_est_journalisee(client):
    racine = Utilisateur.objects.create_superuser(
        identifiant="racine", email="r@justice.gouv.fr", password=MOT_DE_PASSE
    )
    reponse = _connexion(client, "racine")
    assert reponse.status_code == 302 and reponse["Location"] == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200
    evenement = Evenement.objects.get(type=TypeEvenement.CONNEXION)
    assert (evenement.acteur, evenement.details, evenement.adresse_ip) == (racine, {"methode": "admin"}, "127.0.0.1")


@pytest.mark.parametrize("compte", ["usager", "gestionnaire", "staff"])
def test_un_non_superutilisateur_n_entre_pas_meme_avec_le_bon_mot_de_passe(client, compte):
    """Le défaut d'origine : un compte par courriel d'usager qui aurait reçu un rôle entrait par son seul mot de passe."""
    utilisateur = {
        "usager": lambda: UtilisateurFactory(email="citoyen@exemple.fr", identifiant="citoyen@exemple.fr"),
        "gestionnaire": lambda: agent(Role.GESTIONNAIRE),
        "staff": lambda: UtilisateurFactory(agent_mj=True, is_staff=True),
    }[compte]()
    utilisateur.set_password(MOT_DE_PASSE)
    utilisateur.save()
    reponse = _connexion(client, utilisateur.identifiant)
    assert reponse.status_code == 200
    assert "réservée aux superutilisateurs" in reponse.content.decode()
    assert "_auth_user_id" not in client.session
    echec = Evenement.objects.get(type=TypeEvenement.ECHEC_CONNEXION)
    assert echec.details == {"methode": "admin", "identifiant": utilisateur.identifiant}
    # Connecté autrement (ProConnect…), il n'entre pas davantage.
    client.force_login(utilisateur)
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("admin:login"))


def test_connexion_admin_limitee_en_debit_et_journalisee(client):
    Utilisateur.objects.create_superuser(identifiant="racine", email="r@justice.gouv.fr", password=MOT_DE_PASSE)
    for _ in range(5):
        assert _connexion(client, "racine", "mauvais").status_code == 200
    # Sixième échec pour cet identifiant : refusé sans vérifier le mot de passe, même s'il est bon.
    reponse = _connexion(client, "racine")
    assert reponse.status_code == 429
    assert "_auth_user_id" not in client.session
    echecs = Evenement.objects.filter(type=TypeEvenement.ECHEC_CONNEXION).order_by("pk")
    assert echecs.count() == 6
    assert echecs.last().details == {"methode": "admin", "identifiant": "racine", "motif": "limitation"}
    # Par adresse IP aussi : d'autres identifiants depuis la même adresse finissent bloqués.
    for numero in range(5):
        _connexion(client, f"autre{numero}", "mauvais")
    assert _connexion(client, "encore-un", "mauvais").status_code == 429


def test_une_connexion_reussie_ne_compte_pas_dans_la_limite(client):
    Utilisateur.objects.create_superuser(identifiant="racine", email="r@justice.gouv.fr", password=MOT_DE_PASSE)
    for _ in range(8):
        assert _connexion(client, "racine").status_code == 302
        client.logout()


def test_un_non_superutilisateur_ne_modifie_jamais_un_superutilisateur(client):
    racine = Utilisateur.objects.create_superuser(
        identifiant="racine", email="r@justice.gouv.fr", password=MOT_DE_PASSE
    )
    gestionnaire = agent(Role.GESTIONNAIRE)
    Utilisateur.objects.filter(pk=gestionnaire.pk).update(is_staff=True)
    gestionnaire.refresh_from_db()
    client.force_login(gestionnaire)
    url = reverse("admin:portail_utilisateur_change", args=[racine.pk])
    assert client.post(url, {"email": racine.email, "is_active": ""}).status_code == 302
    racine.refresh_from_db()
    assert racine.is_active
    # Et même si l'admin lui était ouverte, la page de l'utilisateur refuserait la modification.
    requete = RequestFactory().get(url)
    requete.user = gestionnaire
    modele_admin = admin.site._registry[Utilisateur]
    assert not modele_admin.has_change_permission(requete, racine)
    assert not modele_admin.has_delete_permission(requete, racine)
    # Le back-office refuse aussi (portail.agents).
    client.force_login(gestionnaire)
    reponse = client.post(reverse("precontentieux:agent_desactiver", args=[racine.pk]), {"motif": "Essai"})
    assert reponse.status_code == 302
    racine.refresh_from_db()
    assert racine.is_active

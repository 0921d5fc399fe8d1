"""Comptes par courriel : limitation par IP (avant tout hachage, avec délai de refroidissement) et absence
d'énumération des comptes."""

import re
import time as vrai_time
from types import SimpleNamespace

import pytest
from allauth.core.internal import ratelimit
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from portail.enums import TypeEvenement
from portail.models import EmailSortant, Evenement, Utilisateur
from tests.portail.comptes_outils import MOT_DE_PASSE, connexion, creer_compte, inscription, texte

pytestmark = pytest.mark.django_db

MESSAGE_LIMITE = "Trop de tentatives de connexion."
MESSAGE_ECHEC = "L’adresse électronique ou le mot de passe est incorrect."


class HacheurCompteur(MD5PasswordHasher):
    """Hacheur de test qui compte chaque calcul d'empreinte (vérification comprise)."""

    appels = 0

    def encode(self, password, salt):
        HacheurCompteur.appels += 1
        return super().encode(password, salt)


@pytest.fixture(autouse=True)
def _cache_vide():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def hacheur(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.HacheurCompteur"]
    HacheurCompteur.appels = 0
    return HacheurCompteur


@pytest.fixture
def horloge(monkeypatch):
    """Avance l'horloge vue par le limiteur d'allauth (qui lit `time.time()`)."""
    etat = SimpleNamespace(decalage=0.0)
    faux_time = SimpleNamespace(
        time=lambda: vrai_time.time() + etat.decalage,
        monotonic=vrai_time.monotonic,
        sleep=vrai_time.sleep,
    )
    monkeypatch.setattr(ratelimit, "time", faux_time)

    def avancer(secondes):
        etat.decalage += secondes

    return avancer


# --- Limitation -----------------------------------------------------------------------------------


def test_connexion_limitee_par_ip_avant_tout_hachage_puis_refroidissement(client, hacheur, horloge):
    creer_compte()
    # 5 échecs depuis la même IP, sur des adresses différentes (limite par IP, pas seulement par compte).
    for i in range(5):
        reponse = connexion(client, f"inconnu{i}@exemple.fr", "mauvais-mot-de-passe")
        assert MESSAGE_ECHEC in texte(reponse)
    assert hacheur.appels >= 5  # chaque échec a bien calculé une empreinte (anti-chronométrage)

    hacheur.appels = 0
    reponse = connexion(client, "camille@exemple.fr", MOT_DE_PASSE)
    assert reponse.status_code == 200
    assert MESSAGE_LIMITE in texte(reponse)
    assert "_auth_user_id" not in client.session
    assert hacheur.appels == 0  # refusé avant toute vérification du mot de passe
    assert Evenement.objects.filter(type=TypeEvenement.ECHEC_CONNEXION, details__motif="limitation").exists()

    # Toujours bloqué 4 minutes plus tard…
    horloge(4 * 60)
    assert MESSAGE_LIMITE in texte(connexion(client, "camille@exemple.fr", MOT_DE_PASSE))
    assert hacheur.appels == 0

    # … mais plus au-delà de 5 minutes : pas de blocage définitif.
    horloge(61)
    reponse = connexion(client, "camille@exemple.fr", MOT_DE_PASSE)
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("portail:apres_connexion")
    assert hacheur.appels > 0


def test_limitation_par_ip_n_affecte_pas_une_autre_ip(client, hacheur):
    creer_compte()
    for i in range(5):
        connexion(client, f"inconnu{i}@exemple.fr", "mauvais-mot-de-passe")
    assert MESSAGE_LIMITE in texte(connexion(client, "camille@exemple.fr"))
    reponse = connexion(client, "camille@exemple.fr", REMOTE_ADDR="198.51.100.7")
    assert reponse.status_code == 302


def test_trop_de_requetes_de_connexion_donne_une_page_429_dsfr(client, hacheur):
    for i in range(20):
        assert connexion(client, f"x{i}@exemple.fr", "").status_code == 200
    hacheur.appels = 0
    reponse = connexion(client, "x@exemple.fr", "mauvais-mot-de-passe")
    assert reponse.status_code == 429
    assert hacheur.appels == 0
    contenu = texte(reponse)
    assert contenu.count("<h1") == 1
    assert "Trop de tentatives" in contenu
    assert "Patientez quelques minutes" in contenu
    assert '<html lang="fr"' in contenu


def test_inscription_limitee_par_ip(client, hacheur, horloge):
    for i in range(10):
        inscription(client, f"personne{i}@exemple.fr", "trop-court")
    hacheur.appels = 0
    reponse = inscription(client, "nouvelle@exemple.fr")
    assert reponse.status_code == 429
    assert "Trop de tentatives" in texte(reponse)
    assert not Utilisateur.objects.exists()
    assert hacheur.appels == 0

    horloge(3600 + 1)
    reponse = inscription(client, "nouvelle@exemple.fr")
    assert reponse["Location"] == reverse("account_email_verification_sent")


def test_reinitialisation_limitee(client, horloge):
    creer_compte()
    for _ in range(3):
        assert client.post(reverse("account_reset_password"), {"email": "camille@exemple.fr"}).status_code == 302
    reponse = client.post(reverse("account_reset_password"), {"email": "camille@exemple.fr"})
    assert reponse.status_code == 429
    assert len(mail.outbox) == 3

    horloge(3600 + 1)
    assert client.post(reverse("account_reset_password"), {"email": "camille@exemple.fr"}).status_code == 302
    assert len(mail.outbox) == 4


# --- Pas d'énumération -----------------------------------------------------------------------------


def sans_nonce(reponse, *adresses):
    """Page sans ce qui change à chaque rendu (nonce CSP, jeton CSRF) ni l'adresse saisie."""
    contenu = re.sub(r'nonce="[^"]*"', "", texte(reponse))
    contenu = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", contenu)
    for adresse in adresses:
        contenu = contenu.replace(adresse, "ADRESSE")
    return contenu


def reponse_comparable(reponse):
    return (
        reponse.status_code,
        reponse.get("Location"),
        [t.name for t in reponse.templates if t.name and t.name.startswith("account/")],
    )


def test_echec_de_connexion_identique_compte_existant_ou_non(client, hacheur):
    creer_compte()
    existant = connexion(client, "camille@exemple.fr", "mauvais-mot-de-passe")
    appels_existant = hacheur.appels
    hacheur.appels = 0
    inconnu = connexion(client, "personne@exemple.fr", "mauvais-mot-de-passe")
    assert reponse_comparable(existant) == reponse_comparable(inconnu)
    assert sans_nonce(existant, "camille@exemple.fr") == sans_nonce(inconnu, "personne@exemple.fr")
    assert MESSAGE_ECHEC in texte(existant)
    assert MESSAGE_ECHEC in texte(inconnu)
    # Même travail de hachage dans les deux cas (pas d'écart de temps exploitable).
    assert appels_existant > 0
    assert hacheur.appels > 0


def test_inscription_adresse_deja_prise_indiscernable(client):
    user = creer_compte()
    existant = inscription(client, "Camille@exemple.fr")
    nouveau = inscription(client, "dominique@exemple.fr")
    assert reponse_comparable(existant) == reponse_comparable(nouveau)
    assert existant["Location"] == reverse("account_email_verification_sent")
    # Aucun compte créé pour l'adresse prise, mot de passe inchangé ; le titulaire est prévenu.
    assert Utilisateur.objects.filter(email="camille@exemple.fr").count() == 1
    user.refresh_from_db()
    assert user.check_password(MOT_DE_PASSE)
    gabarits = dict(EmailSortant.objects.values_list("destinataire", "gabarit"))
    assert gabarits == {"camille@exemple.fr": "compte_existant", "dominique@exemple.fr": "compte_verification"}
    (courriel_existant,) = [m for m in mail.outbox if m.to == ["camille@exemple.fr"]]
    assert "/compte/password/reset/" in courriel_existant.body
    assert "/compte/confirm-email/" not in courriel_existant.body


def test_reinitialisation_identique_adresse_connue_ou_non(client):
    creer_compte()
    connue = client.post(reverse("account_reset_password"), {"email": "camille@exemple.fr"})
    inconnue = client.post(reverse("account_reset_password"), {"email": "personne@exemple.fr"})
    assert reponse_comparable(connue) == reponse_comparable(inconnue)
    assert connue["Location"] == reverse("account_reset_password_done")
    page_connue = client.get(connue["Location"])
    page_inconnue = client.get(inconnue["Location"])
    assert sans_nonce(page_connue) == sans_nonce(page_inconnue)

    gabarits = dict(EmailSortant.objects.values_list("destinataire", "gabarit"))
    assert gabarits == {"camille@exemple.fr": "compte_reinitialisation", "personne@exemple.fr": "compte_inconnu"}
    (courriel_inconnu,) = [m for m in mail.outbox if m.to == ["personne@exemple.fr"]]
    assert "/compte/password/reset/key/" not in courriel_inconnu.body
    assert "aucun compte" in courriel_inconnu.body

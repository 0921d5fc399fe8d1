"""Comptes par courriel des usagers (django-allauth) : inscription, vérification, connexion, mot de passe."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from portail.enums import StatutEmail, TypeEvenement, TypeUtilisateur
from portail.models import EmailSortant, Evenement, Utilisateur
from tests.portail.comptes_outils import (
    MOT_DE_PASSE,
    chemin_du_lien,
    connexion,
    creer_compte,
    inscription,
    texte,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cache_vide():
    # Les limitations d'allauth vivent dans le cache : chaque test part de zéro.
    cache.clear()
    yield
    cache.clear()


def verifier_page_dsfr(reponse):
    contenu = texte(reponse)
    assert contenu.count("<h1") == 1
    assert '<html lang="fr"' in contenu
    assert "fr-header" in contenu


@pytest.mark.parametrize(
    "nom",
    ["account_login", "account_signup", "account_reset_password", "account_reset_password_done"],
)
def test_pages_de_compte_publiques_en_dsfr(client, nom):
    reponse = client.get(reverse(nom))
    assert reponse.status_code == 200
    verifier_page_dsfr(reponse)
    assert 'class="fr-input' in texte(reponse) or nom == "account_reset_password_done"


def test_inscription_verification_puis_connexion(client):
    reponse = inscription(client, "Camille.Martin@Exemple.fr")
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("account_email_verification_sent")
    page = client.get(reponse["Location"])
    verifier_page_dsfr(page)
    assert "Vérifiez votre adresse électronique" in texte(page)

    user = Utilisateur.objects.get()
    assert user.identifiant == "camille.martin@exemple.fr"
    assert user.email == "camille.martin@exemple.fr"
    assert user.type == TypeUtilisateur.USAGER
    assert user.has_usable_password()
    assert Evenement.objects.filter(type=TypeEvenement.INSCRIPTION, acteur=user).exists()

    # Le courriel passe par notre boîte d'envoi, puis est envoyé (tâche exécutée tout de suite en test).
    sortant = EmailSortant.objects.get()
    assert sortant.gabarit == "compte_verification"
    assert sortant.destinataire == "camille.martin@exemple.fr"
    assert sortant.statut == StatutEmail.ENVOYE
    assert set(sortant.contexte) >= {"activate_url", "url_connexion"}
    (courriel,) = mail.outbox
    assert courriel.to == ["camille.martin@exemple.fr"]
    assert "valable 3 jours" in courriel.body
    assert "Si vous n'avez pas créé de compte" in courriel.body
    lien = chemin_du_lien(courriel, "/compte/confirm-email/")

    # Avant vérification : la connexion ne donne pas accès, elle renvoie vers la page de vérification.
    reponse = connexion(client, "camille.martin@exemple.fr")
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("usagers:accueil")).status_code == 302

    # GET sur le lien : page de confirmation, rien ne change.
    page = client.get(lien)
    assert page.status_code == 200
    verifier_page_dsfr(page)
    assert "Confirmer mon adresse" in texte(page)
    assert not EmailAddress.objects.get(user=user).verified

    # POST : l'adresse est vérifiée, retour à la page de connexion.
    reponse = client.post(lien)
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("account_login")
    assert EmailAddress.objects.get(user=user).verified
    assert "_auth_user_id" not in client.session

    reponse = connexion(client, "CAMILLE.MARTIN@exemple.fr")
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("portail:apres_connexion")
    reponse = client.get(reponse["Location"])
    assert reponse["Location"] == reverse("usagers:accueil")
    assert client.get(reverse("usagers:accueil")).status_code == 200
    assert Evenement.objects.filter(type=TypeEvenement.CONNEXION, acteur=user, adresse_ip="127.0.0.1").exists()


def test_lien_de_verification_invalide(client):
    page = client.get("/compte/confirm-email/cle-inventee/")
    assert page.status_code == 200
    verifier_page_dsfr(page)
    assert "n’est pas valide ou a expiré" in texte(page)
    assert client.post("/compte/confirm-email/cle-inventee/").status_code == 404


@pytest.mark.parametrize(
    ("mot_de_passe", "message"),
    [
        ("Court-1", "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères."),
        ("telechargement", "Ce mot de passe est trop courant."),
        ("123456789012345", "Ce mot de passe est entièrement numérique."),
    ],
)
def test_mot_de_passe_faible_refuse_en_francais(client, mot_de_passe, message):
    reponse = inscription(client, "camille@exemple.fr", mot_de_passe)
    assert reponse.status_code == 200
    contenu = texte(reponse)
    assert message in contenu
    # L'erreur est reliée au champ.
    assert 'aria-describedby="id_password1-desc-error"' in contenu
    assert 'id="id_password1-desc-error"' in contenu
    assert not Utilisateur.objects.exists()
    assert not EmailSortant.objects.exists()


def test_confirmation_differente_refusee(client):
    reponse = inscription(client, "camille@exemple.fr", confirmation="Autre-Porte-Bleue-99")
    assert reponse.status_code == 200
    assert 'aria-describedby="id_password2-desc-error"' in texte(reponse)
    assert not Utilisateur.objects.exists()


def test_reinitialisation_du_mot_de_passe(client):
    user = creer_compte()
    reponse = client.post(reverse("account_reset_password"), {"email": "Camille@exemple.fr"})
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("account_reset_password_done")

    sortant = EmailSortant.objects.get()
    assert sortant.gabarit == "compte_reinitialisation"
    (courriel,) = mail.outbox
    assert "Si vous n'êtes pas à l'origine de cette demande" in courriel.body
    lien = chemin_du_lien(courriel, "/compte/password/reset/key/")

    # allauth range la clé en session et redirige vers une URL sans jeton.
    reponse = client.get(lien)
    assert reponse.status_code == 302
    formulaire = reponse["Location"]
    page = client.get(formulaire)
    assert page.status_code == 200
    verifier_page_dsfr(page)
    assert "Choisir un nouveau mot de passe" in texte(page)

    nouveau = "Serrure-Neuve-Du-Palier-7"
    reponse = client.post(formulaire, {"password1": nouveau, "password2": nouveau})
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("account_reset_password_from_key_done")
    user.refresh_from_db()
    assert user.check_password(nouveau)

    # Le lien ne sert qu'une fois.
    reponse = client.get(lien, follow=True)
    assert "Lien non valide" in texte(reponse)

    assert connexion(client, "camille@exemple.fr", MOT_DE_PASSE).status_code == 200
    reponse = connexion(client, "camille@exemple.fr", nouveau)
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("portail:apres_connexion")


def test_reinitialisation_mot_de_passe_faible_refuse(client):
    creer_compte()
    client.post(reverse("account_reset_password"), {"email": "camille@exemple.fr"})
    lien = chemin_du_lien(mail.outbox[0], "/compte/password/reset/key/")
    formulaire = client.get(lien)["Location"]
    reponse = client.post(formulaire, {"password1": "azertyuiop", "password2": "azertyuiop"})
    assert reponse.status_code == 200
    assert "Ce mot de passe est trop court" in texte(reponse)
    assert "Ce mot de passe est trop courant." in texte(reponse)


def test_agent_ne_peut_pas_se_connecter_par_mot_de_passe(client):
    agent = Utilisateur.objects.create_user(
        identifiant="proconnect:123", email="agent@justice.gouv.fr", password=MOT_DE_PASSE, type=TypeUtilisateur.AGENT
    )
    # Même dans le pire cas (une adresse allauth vérifiée sur le compte agent).
    EmailAddress.objects.create(user=agent, email="agent@justice.gouv.fr", primary=True, verified=True)
    reponse = connexion(client, "agent@justice.gouv.fr")
    assert reponse.status_code == 200
    assert "L’adresse électronique ou le mot de passe est incorrect." in texte(reponse)
    assert "_auth_user_id" not in client.session
    assert Evenement.objects.filter(type=TypeEvenement.ECHEC_CONNEXION).exists()


def test_adresse_d_un_compte_franceconnect_ne_donne_acces_a_rien(client):
    """Un compte FranceConnect portant l'adresse n'est ni connectable ni réinitialisable par courriel."""
    fc = Utilisateur.objects.create_user(identifiant="franceconnect:abc", email="dominique@exemple.fr")
    fc.set_unusable_password()
    fc.save()
    client.post(reverse("account_reset_password"), {"email": "dominique@exemple.fr"})
    assert EmailSortant.objects.get().gabarit == "compte_inconnu"
    assert "/compte/password/reset/key/" not in mail.outbox[0].body

    # Et l'adresse reste libre pour un compte par courriel distinct.
    reponse = inscription(client, "dominique@exemple.fr")
    assert reponse["Location"] == reverse("account_email_verification_sent")
    assert Utilisateur.objects.filter(email="dominique@exemple.fr").count() == 2
    assert EmailSortant.objects.filter(gabarit="compte_verification").count() == 1


def test_journal_des_connexions_et_echecs(client):
    user = creer_compte()
    connexion(client, "camille@exemple.fr", "mauvais-mot-de-passe")
    echec = Evenement.objects.get(type=TypeEvenement.ECHEC_CONNEXION)
    assert echec.adresse_ip == "127.0.0.1"
    assert echec.details == {"methode": "courriel", "courriel": "camille@exemple.fr"}
    assert "mauvais" not in str(echec.details)

    connexion(client, "camille@exemple.fr")
    assert Evenement.objects.filter(type=TypeEvenement.CONNEXION, acteur=user).count() == 1


def test_deconnexion(client):
    creer_compte()
    connexion(client, "camille@exemple.fr")
    page = client.get(reverse("account_logout"))
    assert page.status_code == 200
    verifier_page_dsfr(page)
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_page_de_changement_de_mot_de_passe_dans_la_coquille_dsfr(client):
    creer_compte()
    connexion(client, "camille@exemple.fr")
    page = client.get(reverse("account_change_password"))
    assert page.status_code == 200
    verifier_page_dsfr(page)


@pytest.mark.parametrize("chemin", ["/compte/email/", "/compte/password/set/"])
def test_gestion_des_adresses_et_mot_de_passe_sans_compte_courriel_fermees(client, chemin):
    """Une seule adresse par compte ; un compte FranceConnect ne reçoit pas de mot de passe."""
    creer_compte()
    connexion(client, "camille@exemple.fr")
    assert client.get(chemin).status_code == 404
    assert client.post(chemin, {"email": "autre@exemple.fr", "action_add": ""}).status_code == 404


def test_changement_de_mot_de_passe(client):
    user = creer_compte()
    connexion(client, "camille@exemple.fr")
    nouveau = "Serrure-Neuve-Du-Palier-7"
    reponse = client.post(
        reverse("account_change_password"),
        {"oldpassword": MOT_DE_PASSE, "password1": nouveau, "password2": nouveau},
    )
    assert reponse.status_code == 302
    user.refresh_from_db()
    assert user.check_password(nouveau)

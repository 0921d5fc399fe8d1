"""Outils partagés par les tests des comptes par courriel."""

import re
from urllib.parse import urlsplit

from allauth.account.models import EmailAddress
from django.http import HttpResponse
from django.urls import reverse

from portail.enums import TypeUtilisateur
from portail.models import Utilisateur
from portail.saisie_conservee import COOKIE_CONNEXION, SEL_COOKIE

MOT_DE_PASSE = "Porte-Bleue-Sur-Cour-42"


def creer_compte(email="camille@exemple.fr", mot_de_passe=MOT_DE_PASSE, verifie=True, **extra):
    """Compte par courriel tel qu'allauth le crée (identifiant = adresse, ligne EmailAddress)."""
    user = Utilisateur.objects.create_user(email=email, password=mot_de_passe, type=TypeUtilisateur.USAGER, **extra)
    EmailAddress.objects.create(user=user, email=email.lower(), primary=True, verified=verifie)
    return user


def connexion(client, email, mot_de_passe=MOT_DE_PASSE, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": mot_de_passe}, **extra)


def inscription(client, email, mot_de_passe=MOT_DE_PASSE, confirmation=None, **extra):
    donnees = {"email": email, "password1": mot_de_passe, "password2": confirmation or mot_de_passe}
    return client.post(reverse("account_signup"), donnees, **extra)


def chemin_du_lien(courriel, debut):
    """Chemin du premier lien du courriel (texte) commençant par `debut` (ex. /compte/confirm-email/)."""
    for url in re.findall(r"https?://\S+", courriel.body):
        morceaux = urlsplit(url)
        if morceaux.path.startswith(debut):
            return morceaux.path
    raise AssertionError(f"Aucun lien {debut} dans le courriel :\n{courriel.body}")


def texte(reponse):
    return reponse.content.decode()


def poser_cookie_connexion(client, user):
    """Le cookie signé que la connexion pose dans le navigateur (force_login ne passe pas par les middlewares)."""
    reponse = HttpResponse()
    reponse.set_signed_cookie(COOKIE_CONNEXION, str(user.pk), salt=SEL_COOKIE)
    client.cookies[COOKIE_CONNEXION] = reponse.cookies[COOKIE_CONNEXION].value

"""Issue 11, item 4 : la saisie gardée à travers une expiration de session est bornée.

Seulement les champs du formulaire, une valeur chacun, tronquée à leur longueur maximale, 32 Ko au plus, et
seulement pour un navigateur qui était connecté auparavant (cookie signé posé à la connexion) ; `clearsessions`
chaque nuit.
"""

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from declarations.models import Declaration
from portail.models import SessionUtilisateur
from portail.saisie_conservee import CLE_SESSION, COOKIE_CONNEXION, PLAFOND_OCTETS
from portail.tasks import purger_sessions
from tests.fabriques import UtilisateurFactory
from tests.portail.comptes_outils import connexion, creer_compte, poser_cookie_connexion

pytestmark = pytest.mark.django_db


def session_expiree(client):
    """La session disparaît côté serveur ; le navigateur garde ses cookies."""
    Session.objects.all().delete()


def saisie_gardee(client):
    cle = client.cookies.get(settings.SESSION_COOKIE_NAME)
    if cle is None:
        return None
    session = Session.objects.filter(session_key=cle.value).first()
    return session.get_decoded().get(CLE_SESSION) if session else None


@pytest.fixture
def agent_et_brouillon():
    agent = UtilisateurFactory(policier=True)
    return agent, Declaration.objects.create(agent=agent)


def url_etape(declaration, etape="bris-de-porte"):
    return reverse("declarations:etape", args=[declaration.pk, etape])


def test_post_anonyme_sans_connexion_prealable_rien_n_est_garde(agent_et_brouillon):
    _, brouillon = agent_et_brouillon
    anonyme = Client()
    reponse = anonyme.post(
        url_etape(brouillon), {"version": 1, "bris-de-porte-adresse_ville": "x" * 10_000, "autre": "y" * 10_000}
    )
    assert reponse.status_code == 302 and reponse["Location"].startswith(reverse("portail:connexion"))
    assert saisie_gardee(anonyme) is None
    assert not any(CLE_SESSION in s.get_decoded() for s in Session.objects.all())


def test_saisie_gardee_bornee_aux_champs_une_valeur_tronquee_et_plafonnee(client, agent_et_brouillon):
    agent, brouillon = agent_et_brouillon
    client.force_login(agent)
    poser_cookie_connexion(client, agent)
    session_expiree(client)
    client.post(
        url_etape(brouillon),
        {
            "version": 1,
            "bris-de-porte-adresse_ville": ["premiere", "Lyon" + "x" * 10_000],
            "bris-de-porte-description_operation": "d" * 10_000,
            "champ-etranger": "z" * 10_000,
            "csrfmiddlewaretoken": "t" * 500,
        },
    )
    saisie = saisie_gardee(client)
    donnees = saisie["donnees"]
    assert set(donnees) == {"bris-de-porte-adresse_ville", "bris-de-porte-description_operation"}
    # Une valeur, tronquée à max_length (255 pour la ville, 5 000 pour la description).
    assert donnees["bris-de-porte-adresse_ville"] == ["Lyon" + "x" * 251]
    assert donnees["bris-de-porte-description_operation"] == ["d" * 5000]
    assert saisie["compte"] == agent.pk
    assert len(str(donnees).encode()) <= PLAFOND_OCTETS + 200


def test_plafond_total_de_la_saisie_gardee():
    from django import forms
    from django.http import QueryDict

    from portail.saisie_conservee import valeurs_bornees

    class Large(forms.Form):
        a = forms.CharField(max_length=20_000)
        b = forms.CharField(max_length=20_000)
        c = forms.CharField(max_length=20_000)

    donnees = QueryDict(mutable=True)
    for nom in "abc":
        donnees[f"e-{nom}"] = nom * 20_000
    gardees = valeurs_bornees(Large, "e", donnees)
    assert sum(len(k) + len(v[0]) for k, v in gardees.items()) <= PLAFOND_OCTETS
    assert list(gardees) == ["e-a"]


def test_la_saisie_n_est_rejouee_que_pour_le_compte_qui_etait_connecte(client, agent_et_brouillon):
    agent, brouillon = agent_et_brouillon
    client.force_login(agent)
    poser_cookie_connexion(client, agent)
    session_expiree(client)
    client.post(url_etape(brouillon), {"version": 1, "bris-de-porte-adresse_ville": "Lyon"})
    assert saisie_gardee(client)["donnees"] == {"bris-de-porte-adresse_ville": ["Lyon"]}
    # Un autre agent se connecte dans ce navigateur (même brouillon rendu accessible pour le test) : rien.
    autre = UtilisateurFactory(policier=True)
    Declaration.objects.filter(pk=brouillon.pk).update(agent=autre)
    client.force_login(autre)
    assert client.get(url_etape(brouillon)).status_code == 200
    assert Declaration.objects.get().adresse_ville == ""


def test_la_connexion_pose_le_cookie_et_la_deconnexion_le_retire(client):
    creer_compte("camille@exemple.fr")
    reponse = connexion(client, "camille@exemple.fr")
    assert reponse.status_code == 302
    assert client.cookies[COOKIE_CONNEXION].value
    assert client.cookies[COOKIE_CONNEXION]["httponly"]
    client.post(reverse("portail:deconnexion"))
    assert client.cookies[COOKIE_CONNEXION].value == ""


def test_clearsessions_chaque_nuit(settings):
    planification = settings.CELERY_BEAT_SCHEDULE["purge-sessions"]
    assert planification["task"] == "portail.tasks.purger_sessions"
    assert planification["schedule"].hour == {3}
    Session.objects.create(
        session_key="expiree", session_data="e30", expire_date=timezone.now() - datetime.timedelta(1)
    )
    Session.objects.create(session_key="valide", session_data="e30", expire_date=timezone.now() + datetime.timedelta(1))
    # Clés notées à la connexion (désactivation des agents) : oubliées au-delà de la durée d'une session.
    agent = creer_compte("agent-sessions@exemple.fr")
    ancienne = SessionUtilisateur.objects.create(utilisateur=agent, cle_session="ancienne")
    SessionUtilisateur.objects.filter(pk=ancienne.pk).update(
        ouverte_le=timezone.now() - datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
    )
    SessionUtilisateur.objects.create(utilisateur=agent, cle_session="recente")
    purger_sessions()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["valide"]
    assert list(SessionUtilisateur.objects.values_list("cle_session", flat=True)) == ["recente"]

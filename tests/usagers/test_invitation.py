"""Lien d'invitation : page, usage unique, expiration, rattachement après connexion, limitation."""

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.messages import get_messages
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from portail.models import Utilisateur
from precontentieux.enums import StatutDossier, TypeEvenementDossier
from precontentieux.models import Dossier, EvenementDossier, Invitation
from tests.fabriques import UtilisateurFactory
from tests.portail.comptes_outils import MOT_DE_PASSE, chemin_du_lien, connexion, creer_compte, inscription
from tests.usagers.outils_usagers import chemin_invitation, declarer, dossier_invite, texte
from usagers.invitations import CLE_SESSION_INVITATION

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cache_vide():
    cache.clear()
    yield
    cache.clear()


def etat_base():
    return (
        list(Invitation.objects.values_list("pk", "utilisee_le", "utilisee_par_id")),
        list(Dossier.objects.values_list("pk", "requerant_id", "statut")),
        EvenementDossier.objects.count(),
    )


def messages_de(reponse):
    return [str(m) for m in get_messages(reponse.wsgi_request)]


# --- La page du lien ------------------------------------------------------------------------------


def test_page_d_invitation_explique_et_propose_les_deux_voies(client):
    declaration = declarer()
    reponse = client.get(chemin_invitation(declaration))
    assert reponse.status_code == 200
    html = texte(reponse)
    assert html.count("<h1") == 1
    assert "12 rue des Lilas" in html and "2 novembre 2026" in html
    assert "S’identifier avec" in html and "FranceConnect" in html
    assert "Créer un compte avec mon adresse email" in html
    assert 'method="post"' in html


def test_get_ne_change_rien(client):
    dossier, invitation, jeton = dossier_invite()
    avant = etat_base()
    usager = UtilisateurFactory()
    client.force_login(usager)
    for _ in range(3):
        assert client.get(reverse("usagers:invitation", args=[jeton])).status_code == 200
    assert etat_base() == avant
    assert CLE_SESSION_INVITATION not in client.session


def test_post_range_le_jeton_et_conduit_vers_franceconnect(client):
    _, _, jeton = dossier_invite()
    reponse = client.post(reverse("usagers:invitation", args=[jeton]), {"action": "franceconnect"})
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("oidc:connexion", args=["franceconnect"])
    assert client.session[CLE_SESSION_INVITATION] == jeton
    assert not Invitation.objects.get().est_utilisee


def test_post_inscription_preremplit_l_adresse_donnee_par_l_agent(client):
    _, _, jeton = dossier_invite()
    reponse = client.post(reverse("usagers:invitation", args=[jeton]), {"action": "inscription"}, follow=True)
    assert reponse.redirect_chain[0][0].startswith(reverse("account_signup"))
    assert reponse.context["form"]["email"].value() == "usager@exemple.fr"
    assert 'value="usager@exemple.fr"' in texte(reponse)


@pytest.mark.parametrize(
    ("etat", "statut", "titre"),
    [("inconnue", 404, "n’est pas valable"), ("expiree", 410, "a expiré"), ("utilisee", 410, "déjà été utilisé")],
)
def test_lien_invalide_page_claire_et_rien_ne_change(client, etat, statut, titre):
    dossier, invitation, jeton = dossier_invite()
    if etat == "inconnue":
        jeton = "jeton-invente-" + "x" * 30
    elif etat == "expiree":
        Invitation.objects.filter(pk=invitation.pk).update(expire_le=timezone.now() - datetime.timedelta(seconds=1))
    else:
        Invitation.objects.filter(pk=invitation.pk).update(utilisee_le=timezone.now())
    avant = etat_base()
    usager = UtilisateurFactory()
    client.force_login(usager)
    for methode in (client.get, client.post):
        reponse = methode(reverse("usagers:invitation", args=[jeton]))
        assert reponse.status_code == statut
        assert titre in texte(reponse)
        assert "Retour à l’accueil" in texte(reponse)
    assert etat_base() == avant
    assert Dossier.objects.get().requerant is None


# --- Rattachement ---------------------------------------------------------------------------------


def test_usager_connecte_rattache_directement_puis_lien_usage_unique(client):
    dossier, invitation, jeton = dossier_invite(civilite="M", prenom="Martin", nom="DUPONT", telephone="0600000000")
    # Compte dont l'adresse prouvée est l'adresse invitée : rattaché sans code.
    usager = UtilisateurFactory(prenom="", nom="", telephone="", email="usager@exemple.fr", adresse_verifiee=True)
    client.force_login(usager)
    reponse = client.post(reverse("usagers:invitation", args=[jeton]))
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("usagers:demande", args=[dossier.reference])

    dossier.refresh_from_db()
    invitation.refresh_from_db()
    assert dossier.requerant == usager
    assert invitation.utilisee_par == usager and invitation.utilisee_le is not None
    evenement = EvenementDossier.objects.get(dossier=dossier, type=TypeEvenementDossier.RATTACHEMENT)
    assert evenement.acteur == usager
    usager.refresh_from_db()
    # Les coordonnées données par l'agent ne sont pas recopiées dans le compte (issue 11, item 2).
    assert (usager.prenom, usager.nom, usager.telephone) == ("", "", "")

    # Le même compte rouvre le lien : simplement conduit à sa demande, rien ne change.
    avant = etat_base()
    for methode in (client.get, client.post):
        reponse = methode(reverse("usagers:invitation", args=[jeton]))
        assert reponse["Location"] == reverse("usagers:demande", args=[dossier.reference])
    assert etat_base() == avant
    # Tout autre visiteur : lien déjà utilisé.
    client.logout()
    assert client.post(reverse("usagers:invitation", args=[jeton]), {"action": "franceconnect"}).status_code == 410
    assert CLE_SESSION_INVITATION not in client.session
    assert etat_base() == avant


def test_un_autre_compte_connecte_ne_peut_pas_consommer_une_invitation_utilisee(client):
    dossier, invitation, jeton = dossier_invite()
    premier = UtilisateurFactory(email="usager@exemple.fr", adresse_verifiee=True)
    client.force_login(premier)
    client.post(reverse("usagers:invitation", args=[jeton]))
    client.logout()

    second = UtilisateurFactory()
    client.force_login(second)
    avant = etat_base()
    reponse = client.post(reverse("usagers:invitation", args=[jeton]))
    assert reponse.status_code == 410
    assert etat_base() == avant
    assert Dossier.objects.get().requerant == premier
    assert client.get(reverse("usagers:demande", args=[dossier.reference])).status_code == 404


def test_dossier_deja_rattache_a_un_autre_n_est_jamais_rattache_de_nouveau(client):
    dossier, premiere, jeton1 = dossier_invite()
    _, jeton2 = Invitation.creer(dossier, courriel="autre@exemple.fr")  # l'agent a renvoyé un lien
    premier, second = UtilisateurFactory(email="usager@exemple.fr", adresse_verifiee=True), UtilisateurFactory()
    client.force_login(premier)
    client.post(reverse("usagers:invitation", args=[jeton1]))
    client.force_login(second)
    reponse = client.post(reverse("usagers:invitation", args=[jeton2]))
    assert reponse["Location"] == reverse("usagers:accueil")
    assert "déjà rattachée à un autre compte" in " ".join(messages_de(reponse))
    dossier.refresh_from_db()
    assert dossier.requerant == premier
    assert not Invitation.objects.get(courriel="autre@exemple.fr").est_utilisee


def test_un_agent_ne_consomme_pas_l_invitation(client):
    dossier, invitation, jeton = dossier_invite()
    agent = UtilisateurFactory(policier=True)
    client.force_login(agent)
    page = client.get(reverse("usagers:invitation", args=[jeton]))
    assert "compte agent" in texte(page)
    avant = etat_base()
    reponse = client.post(reverse("usagers:invitation", args=[jeton]))
    assert reponse["Location"] == reverse("portail:apres_connexion")
    assert "pas à un compte agent" in " ".join(messages_de(reponse))
    assert etat_base() == avant


def test_jeton_en_attente_ignore_si_un_agent_se_connecte(client):
    _, invitation, jeton = dossier_invite()
    client.post(reverse("usagers:invitation", args=[jeton]), {"action": "connexion"})
    avant = etat_base()
    agent = UtilisateurFactory(policier=True)
    client.force_login(agent)  # passe aussi par django.contrib.auth.login et son signal
    assert etat_base() == avant
    assert CLE_SESSION_INVITATION not in client.session


def test_parcours_complet_inscription_par_courriel(client):
    """POST du jeton → inscription pré-remplie → lien de vérification → confirmation → connexion → rattaché."""
    declaration = declarer()
    dossier = declaration.dossier
    reponse = client.post(chemin_invitation(declaration), {"action": "inscription"})
    assert reponse["Location"].startswith(reverse("account_signup"))
    courriel_agent = "martin.dupont@courriel.fr"
    assert client.get(reponse["Location"]).context["form"]["email"].value() == courriel_agent

    mail.outbox.clear()
    assert inscription(client, courriel_agent).status_code == 302
    assert not Dossier.objects.get().requerant  # pas encore : l'adresse n'est pas vérifiée
    (verification,) = mail.outbox
    lien = chemin_du_lien(verification, "/compte/confirm-email/")
    assert client.post(lien)["Location"] == reverse("account_login")
    assert not Dossier.objects.get().requerant

    reponse = connexion(client, courriel_agent)
    assert reponse.status_code == 302
    reponse = client.get(reponse["Location"])  # apres_connexion → Mes demandes
    reponse = client.get(reponse["Location"])  # → la demande rattachée
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("usagers:demande", args=[dossier.reference])
    page = client.get(reponse["Location"])
    assert page.status_code == 200
    assert dossier.reference in texte(page)
    assert "rattachée à votre compte" in texte(page)

    usager = Utilisateur.objects.get(email=courriel_agent)
    dossier.refresh_from_db()
    assert dossier.requerant == usager
    invitation = Invitation.objects.get(dossier=dossier)
    assert invitation.utilisee_par == usager
    # Les coordonnées données par l'agent ne sont pas recopiées dans le compte (issue 11, item 2).
    assert (usager.prenom, usager.nom, usager.civilite, usager.telephone) == ("", "", "", "")
    assert EmailAddress.objects.get(user=usager).verified
    # Le rattachement n'a lieu qu'une fois : la page « Mes demandes » s'affiche ensuite normalement.
    assert client.get(reverse("usagers:accueil")).status_code == 200


def test_connexion_par_courriel_d_un_compte_existant(client):
    dossier, invitation, jeton = dossier_invite()
    usager = creer_compte("usager@exemple.fr")
    reponse = client.post(reverse("usagers:invitation", args=[jeton]), {"action": "connexion"})
    assert reponse["Location"] == reverse("account_login")
    connexion(client, "usager@exemple.fr", MOT_DE_PASSE)
    dossier.refresh_from_db()
    assert dossier.requerant == usager
    assert client.get(reverse("usagers:accueil"))["Location"] == reverse("usagers:demande", args=[dossier.reference])


@pytest.mark.integration
def test_parcours_complet_franceconnect(client, parcours_oidc):
    declaration = declarer()
    dossier = declaration.dossier
    reponse = client.post(chemin_invitation(declaration), {"action": "franceconnect"})
    assert reponse["Location"] == reverse("oidc:connexion", args=["franceconnect"])
    depart = client.get(reponse["Location"])
    assert depart.status_code == 302
    mail.outbox.clear()
    retour = parcours_oidc.choisir(depart["Location"], "usager-camille")
    reponse = client.get(retour)
    assert reponse["Location"] == reverse("portail:apres_connexion")
    reponse = client.get(reponse["Location"])
    reponse = client.get(reponse["Location"])
    # L'adresse FranceConnect (camille.durand@…) n'est pas l'adresse invitée : code envoyé à l'adresse invitée.
    assert reponse["Location"] == reverse("usagers:invitation_code")
    (courriel_code,) = mail.outbox
    assert courriel_code.to == ["martin.dupont@courriel.fr"]
    assert not Dossier.objects.get().requerant
    code = re.search(r"^(\d{6})$", courriel_code.body, re.M).group(1)
    reponse = client.post(reverse("usagers:invitation_code"), {"code": code})
    assert reponse["Location"] == reverse("usagers:demande", args=[dossier.reference])
    assert client.get(reponse["Location"]).status_code == 200

    usager = Utilisateur.objects.get(identifiant__startswith="franceconnect:")
    dossier.refresh_from_db()
    assert dossier.requerant == usager
    assert Invitation.objects.get(dossier=dossier).utilisee_par == usager
    assert dossier.statut == StatutDossier.A_COMPLETER


# --- Limitation -----------------------------------------------------------------------------------


def test_tentatives_limitees_par_adresse_ip_jetons_inconnus_compris(client):
    _, invitation, jeton = dossier_invite()
    for i in range(20):  # LIMITES_DE_DEBIT["invitation"]
        assert client.get(reverse("usagers:invitation", args=[f"essai-{i}"])).status_code == 404
    reponse = client.get(reverse("usagers:invitation", args=[jeton]))
    assert reponse.status_code == 429
    assert "Trop de tentatives" in texte(reponse)
    assert client.post(reverse("usagers:invitation", args=[jeton]), {"action": "franceconnect"}).status_code == 429
    assert CLE_SESSION_INVITATION not in client.session
    # Une autre adresse IP n'est pas concernée.
    assert client.get(reverse("usagers:invitation", args=[jeton]), REMOTE_ADDR="10.0.0.2").status_code == 200


@pytest.mark.integration
def test_agent_connecte_par_proconnect_avec_un_jeton_en_attente(client, parcours_oidc):
    dossier, invitation, jeton = dossier_invite()
    client.post(reverse("usagers:invitation", args=[jeton]), {"action": "connexion"})
    avant = etat_base()
    reponse = parcours_oidc.connecter("proconnect", "policier")
    assert reponse["Location"] == reverse("portail:apres_connexion")
    assert "pas à un compte agent" in " ".join(messages_de(reponse))
    assert etat_base() == avant
    assert CLE_SESSION_INVITATION not in client.session
    assert client.get(reverse("usagers:invitation", args=[jeton])).status_code == 200


def test_la_page_du_lien_montre_l_adresse_invitee_masquee(client):
    from usagers.invitations import masquer_adresse

    _, _, jeton = dossier_invite()
    contenu = texte(client.get(reverse("usagers:invitation", args=[jeton])))
    assert "Ce lien a été envoyé à <strong>u***@exemple.fr</strong>" in contenu
    assert "usager@exemple.fr" not in contenu
    assert masquer_adresse("vincent.dupont@exemple.fr") == "v***@exemple.fr"
    assert masquer_adresse("") == ""


def test_lien_expire_entre_la_page_et_la_connexion_conduit_a_la_page_nouveau_lien(client):
    """Le message d'échec « expirée » mène à la page « nouveau lien » (libre-service), pas aux forces de l'ordre."""
    dossier, invitation, jeton = dossier_invite()
    client.post(reverse("usagers:invitation", args=[jeton]), {"action": "connexion"})
    Invitation.objects.filter(pk=invitation.pk).update(expire_le=timezone.now() - datetime.timedelta(seconds=1))
    creer_compte("usager@exemple.fr")
    reponse = connexion(client, "usager@exemple.fr", MOT_DE_PASSE)
    page = client.get(reponse["Location"], follow=True)
    assert page.status_code == 200
    html = texte(page)
    assert f'<a href="{reverse("usagers:nouveau_lien")}">Demandez un nouveau lien</a>' in html
    assert "service de police ou de gendarmerie" not in html
    assert Dossier.objects.get().requerant is None

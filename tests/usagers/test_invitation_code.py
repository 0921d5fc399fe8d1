"""Issue 11, item 2 : quand l'adresse du compte diffère de l'adresse invitée, un code à usage unique envoyé à
l'adresse invitée est exigé avant le rattachement (portail/codes.py). Tentatives d'attaque : code deviné, rejoué,
expiré, saisi par un autre compte, pour une autre invitation."""

import datetime
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from portail.codes import ESSAIS_MAX, verifier_code
from portail.models import CodeVerification, ObjetCode
from precontentieux.enums import TypeEvenementDossier
from precontentieux.models import Dossier, EvenementDossier, Invitation
from tests.fabriques import UtilisateurFactory
from tests.portail.comptes_outils import MOT_DE_PASSE, connexion, creer_compte
from tests.usagers.outils_usagers import dossier_invite, texte

pytestmark = pytest.mark.django_db

URL_CODE = "usagers:invitation_code"


@pytest.fixture(autouse=True)
def _cache_vide():
    cache.clear()
    yield
    cache.clear()


def code_recu(destinataire="usager@exemple.fr"):
    courriels = [m for m in mail.outbox if m.to == [destinataire] and "code de vérification" in m.subject]
    assert courriels, "aucun code reçu"
    return re.search(r"^(\d{6})$", courriels[-1].body, re.M).group(1)


def ouvrir_le_lien_avec_un_autre_compte(client, jeton, usager=None):
    usager = usager or UtilisateurFactory(email="autre@exemple.fr", adresse_verifiee=True)
    client.force_login(usager)
    mail.outbox.clear()
    reponse = client.post(reverse("usagers:invitation", args=[jeton]))
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse(URL_CODE)
    return usager


def faux_code(juste):
    return f"{(int(juste) + 1) % 1_000_000:06d}"


def test_adresse_differente_code_exige_puis_rattachement(client):
    dossier, invitation, jeton = dossier_invite()
    usager = ouvrir_le_lien_avec_un_autre_compte(client, jeton)
    # Rien n'est rattaché avant le code ; le code part à l'adresse invitée, jamais à celle du compte.
    assert Dossier.objects.get().requerant is None
    assert [m.to for m in mail.outbox] == [["usager@exemple.fr"]]
    page = client.get(reverse(URL_CODE))
    assert page.status_code == 200
    html = texte(page)
    assert html.count("<h1") == 1
    assert "u***@exemple.fr" in html and "usager@exemple.fr" not in html
    assert 'autocomplete="one-time-code"' in html

    code = code_recu()
    # Seule une empreinte est en base, jamais le code en clair.
    ligne = CodeVerification.objects.get()
    assert code not in ligne.empreinte and len(ligne.empreinte) == 64
    reponse = client.post(reverse(URL_CODE), {"code": f" {code[:3]} {code[3:]} "})
    assert reponse["Location"] == reverse("usagers:demande", args=[dossier.reference])
    dossier.refresh_from_db()
    assert dossier.requerant == usager
    evenement = EvenementDossier.objects.get(dossier=dossier, type=TypeEvenementDossier.RATTACHEMENT)
    assert evenement.acteur == usager
    assert CodeVerification.objects.get().utilise_le is not None


def test_code_devine_essais_limites_puis_meme_le_bon_code_est_refuse(client):
    _, _, jeton = dossier_invite()
    ouvrir_le_lien_avec_un_autre_compte(client, jeton)
    code = code_recu()
    for essai in range(ESSAIS_MAX):
        reponse = client.post(reverse(URL_CODE), {"code": faux_code(code)})
        assert reponse.status_code == 400
        attendu = "Trop d’essais" if essai == ESSAIS_MAX - 1 else "n’est pas le bon"
        assert attendu in texte(reponse)
        assert 'id="resume-erreurs"' in texte(reponse)
    reponse = client.post(reverse(URL_CODE), {"code": code})
    assert reponse.status_code == 400
    assert "Trop d’essais" in texte(reponse)
    assert Dossier.objects.get().requerant is None
    assert CodeVerification.objects.get().essais == ESSAIS_MAX


def test_code_rejoue_ne_sert_qu_une_fois(client):
    dossier, _, jeton = dossier_invite()
    usager = ouvrir_le_lien_avec_un_autre_compte(client, jeton)
    code = code_recu()
    client.post(reverse(URL_CODE), {"code": code})
    assert Dossier.objects.get().requerant == usager
    # Rejoué directement : plus aucun code en attente.
    verification = verifier_code(usager, ObjetCode.INVITATION, code, cible=Invitation.objects.get().pk)
    assert not verification.reussie and verification.raison == "aucun"
    # Rejoué par la page : plus de jeton en attente, retour à l'accueil sans rien changer.
    reponse = client.post(reverse(URL_CODE), {"code": code})
    assert reponse["Location"] == reverse("usagers:accueil")
    assert EvenementDossier.objects.filter(dossier=dossier, type=TypeEvenementDossier.RATTACHEMENT).count() == 1


def test_code_expire_refuse(client):
    _, _, jeton = dossier_invite()
    ouvrir_le_lien_avec_un_autre_compte(client, jeton)
    code = code_recu()
    CodeVerification.objects.update(expire_le=timezone.now() - datetime.timedelta(seconds=1))
    reponse = client.post(reverse(URL_CODE), {"code": code})
    assert reponse.status_code == 400
    assert "a expiré" in texte(reponse)
    assert Dossier.objects.get().requerant is None


def test_code_saisi_par_un_autre_compte_ne_rattache_rien(client):
    _, invitation, jeton = dossier_invite()
    ouvrir_le_lien_avec_un_autre_compte(client, jeton)
    code = code_recu()
    # Un attaquant qui a vu le code (et le lien) l'essaie depuis son propre compte.
    attaquant = UtilisateurFactory(email="attaquant@exemple.fr", adresse_verifiee=True)
    client.force_login(attaquant)
    session = client.session
    session["invitation_code_jeton"] = jeton
    session.save()
    reponse = client.post(reverse(URL_CODE), {"code": code})
    assert reponse.status_code == 400
    assert "Aucun code" in texte(reponse)
    assert Dossier.objects.get().requerant is None
    assert not Invitation.objects.get(pk=invitation.pk).est_utilisee


def test_code_d_une_invitation_ne_vaut_pas_pour_une_autre(client):
    _, premiere, jeton1 = dossier_invite()
    _, seconde, jeton2 = dossier_invite()
    usager = ouvrir_le_lien_avec_un_autre_compte(client, jeton1)
    code = code_recu()
    verification = verifier_code(usager, ObjetCode.INVITATION, code, cible=seconde.pk)
    assert not verification.reussie
    assert not Dossier.objects.filter(requerant=usager).exists()


def test_chiffres_non_ascii_refuses_et_comptes(client):
    _, _, jeton = dossier_invite()
    ouvrir_le_lien_avec_un_autre_compte(client, jeton)
    code = code_recu()
    pleine_chasse = "".join(chr(ord(c) + 0xFEE0) for c in code)
    reponse = client.post(reverse(URL_CODE), {"code": pleine_chasse})
    assert reponse.status_code == 400
    assert Dossier.objects.get().requerant is None


def test_nouveau_code_annule_le_precedent(client):
    dossier, _, jeton = dossier_invite()
    usager = ouvrir_le_lien_avec_un_autre_compte(client, jeton)
    ancien = code_recu()
    mail.outbox.clear()
    reponse = client.post(reverse(URL_CODE), {"action": "renvoyer"})
    assert reponse["Location"] == reverse(URL_CODE)
    nouveau = code_recu()
    if ancien != nouveau:
        assert client.post(reverse(URL_CODE), {"code": ancien}).status_code == 400
    assert client.post(reverse(URL_CODE), {"code": nouveau})["Location"] == reverse(
        "usagers:demande", args=[dossier.reference]
    )
    assert Dossier.objects.get().requerant == usager


def test_envois_de_codes_limites(client):
    _, _, jeton = dossier_invite()
    ouvrir_le_lien_avec_un_autre_compte(client, jeton)
    for _ in range(10):
        client.post(reverse(URL_CODE), {"action": "renvoyer"})
    assert CodeVerification.objects.count() == 5  # LIMITES_DE_DEBIT["code"] : 5 par heure et par compte


def test_connexion_par_courriel_avec_une_autre_adresse_conduit_au_code(client):
    dossier, invitation, jeton = dossier_invite()
    usager = creer_compte("deja@exemple.fr")
    client.post(reverse("usagers:invitation", args=[jeton]), {"action": "connexion"})
    mail.outbox.clear()
    reponse = connexion(client, "deja@exemple.fr", MOT_DE_PASSE)
    reponse = client.get(reponse["Location"])  # apres_connexion → Mes demandes
    reponse = client.get(reponse["Location"])  # → la page du code
    assert reponse["Location"] == reverse(URL_CODE)
    assert Dossier.objects.get().requerant is None
    client.post(reverse(URL_CODE), {"code": code_recu()})
    dossier.refresh_from_db()
    assert dossier.requerant == usager
    # Ne pas rattacher : possible, le lien reste valable.
    assert client.get(reverse("usagers:accueil")).status_code == 200


def test_annuler_ne_rattache_rien_et_le_lien_reste_valable(client):
    _, invitation, jeton = dossier_invite()
    ouvrir_le_lien_avec_un_autre_compte(client, jeton)
    reponse = client.post(reverse(URL_CODE), {"action": "annuler"})
    assert reponse["Location"] == reverse("usagers:accueil")
    assert client.get(reverse(URL_CODE))["Location"] == reverse("usagers:accueil")
    assert not Invitation.objects.get(pk=invitation.pk).est_utilisee
    assert Dossier.objects.get().requerant is None

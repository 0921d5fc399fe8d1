"""Issue 11, item 15 : lieu de naissance FranceConnect résolu par le COG embarqué ; adresse de contact autre que
l'adresse FranceConnect, prouvée par un code à usage unique ; les courriels automatiques ne partent que vers une
adresse prouvée."""

import datetime
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from portail.adresses import adresse_prouvee
from portail.cog import commune
from portail.enums import Fournisseur
from portail.models import CodeVerification, IdentiteOIDC
from precontentieux.models import Dossier
from tests.fabriques import UtilisateurFactory, completer, dossier_declare
from usagers.demande.assistant import champs_verrouilles

pytestmark = pytest.mark.django_db

URL = "usagers:adresse_contact"


@pytest.fixture(autouse=True)
def _isolement(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"
    cache.clear()


def usager_franceconnect(sub="sub-camille", **claims):
    usager = UtilisateurFactory(email="camille.durand@exemple.fr", identifiant=f"franceconnect:{sub}")
    IdentiteOIDC.objects.create(
        utilisateur=usager,
        fournisseur=Fournisseur.FRANCECONNECT,
        sub=sub,
        claims={
            "given_name": "Camille",
            "family_name": "DURAND",
            "birthdate": "1985-04-12",
            "birthplace": "69123",
            "birthcountry": "99100",
            "email": "camille.durand@exemple.fr",
            **claims,
        },
    )
    return usager


def code_recu(destinataire):
    (envoye,) = [m for m in mail.outbox if m.to == [destinataire] and "code de vérification" in m.subject]
    return re.search(r"^(\d{6})$", envoye.body, re.M).group(1)


def test_lieu_de_naissance_resolu_depuis_le_cog_embarque():
    assert commune("69123") == "Lyon (69)"
    assert commune("75056") == "Paris (75)"
    assert commune("2A004") == "Ajaccio (2A)"
    assert commune("97105") == "Basse-Terre (971)"
    assert commune("00000") == ""
    assert champs_verrouilles(usager_franceconnect())["lieu_naissance"] == "Lyon (69)"
    # Code inconnu du millésime embarqué : affiché tel quel, jamais inventé ; né(e) à l'étranger : le code du pays.
    assert champs_verrouilles(usager_franceconnect("sub-2", birthplace="99999"))["lieu_naissance"] == (
        "Commune de code Insee 99999"
    )
    etranger = usager_franceconnect("sub-3", birthplace="", birthcountry="99134")
    assert champs_verrouilles(etranger)["lieu_naissance"] == "Né(e) à l’étranger (pays de code Insee 99134)"


def test_adresse_de_contact_prouvee_par_code_puis_courriels_vers_elle(client):
    usager = usager_franceconnect()
    dossier = dossier_declare(requerant=usager)
    assert adresse_prouvee(usager) == "camille.durand@exemple.fr"
    client.force_login(usager)
    page = client.get(reverse(URL))
    assert page.status_code == 200 and page.content.decode().count("<h1") == 1
    assert reverse(URL) in client.get(reverse("usagers:accueil")).content.decode()

    mail.outbox.clear()
    reponse = client.post(reverse(URL), {"action": "envoyer", "courriel": "Camille.Pro@Exemple.fr"})
    assert reponse.status_code == 302
    # Tant que le code n'est pas saisi : rien ne change, aucun courriel automatique vers la nouvelle adresse.
    usager.refresh_from_db()
    assert usager.courriel_contact == "" and adresse_prouvee(usager) == "camille.durand@exemple.fr"
    code = code_recu("camille.pro@exemple.fr")
    assert "c***@exemple.fr" in client.get(reverse(URL)).content.decode()

    # Code faux : refusé, erreur reliée au champ.
    faux = f"{(int(code) + 1) % 1_000_000:06d}"
    reponse = client.post(reverse(URL), {"action": "verifier", "code": faux})
    assert reponse.status_code == 400 and "n’est pas le bon" in reponse.content.decode()
    assert client.post(reverse(URL), {"action": "verifier", "code": code}).status_code == 302
    usager.refresh_from_db()
    assert usager.courriel_contact == "camille.pro@exemple.fr"
    assert adresse_prouvee(usager) == "camille.pro@exemple.fr"
    assert Dossier.objects.get(pk=dossier.pk).courriel == "camille.pro@exemple.fr"
    assert champs_verrouilles(usager)["courriel"] == "camille.pro@exemple.fr"

    # Le dépôt : l'accusé de réception part à l'adresse de contact prouvée.
    completer(Dossier.objects.get(pk=dossier.pk), courriel="camille.pro@exemple.fr")
    mail.outbox.clear()
    Dossier.objects.get(pk=dossier.pk).deposer(usager, attestation=True)
    assert [m.to for m in mail.outbox if m.subject.startswith("Accusé de réception")] == [["camille.pro@exemple.fr"]]

    # Revenir à l'adresse FranceConnect.
    client.post(reverse(URL), {"action": "revenir"})
    usager.refresh_from_db()
    assert adresse_prouvee(usager) == "camille.durand@exemple.fr"


def test_code_de_contact_expire_rejoue_ou_d_un_autre_compte(client):
    usager = usager_franceconnect()
    client.force_login(usager)
    client.post(reverse(URL), {"action": "envoyer", "courriel": "nouvelle@exemple.fr"})
    code = code_recu("nouvelle@exemple.fr")
    # Un autre compte qui connaît le code n'en fait rien.
    autre = UtilisateurFactory(email="autre@exemple.fr")
    client.force_login(autre)
    assert client.post(reverse(URL), {"action": "verifier", "code": code}).status_code == 400
    autre.refresh_from_db()
    assert autre.courriel_contact == "" and adresse_prouvee(autre) == ""
    # Expiré : refusé.
    client.force_login(usager)
    CodeVerification.objects.update(expire_le=timezone.now() - datetime.timedelta(seconds=1))
    reponse = client.post(reverse(URL), {"action": "verifier", "code": code})
    assert reponse.status_code == 400
    usager.refresh_from_db()
    assert usager.courriel_contact == ""
    # Nouveau code, utilisé, puis rejoué : la seconde fois, plus rien en attente.
    mail.outbox.clear()
    client.post(reverse(URL), {"action": "envoyer", "courriel": "nouvelle@exemple.fr"})
    code = code_recu("nouvelle@exemple.fr")
    assert client.post(reverse(URL), {"action": "verifier", "code": code}).status_code == 302
    client.post(reverse(URL), {"action": "revenir"})
    assert client.post(reverse(URL), {"action": "verifier", "code": code}).status_code == 400
    usager.refresh_from_db()
    assert usager.courriel_contact == ""


def test_adresse_non_prouvee_aucun_courriel_automatique():
    usager = UtilisateurFactory(email="pas-verifiee@exemple.fr", courriel_contact="tapee@exemple.fr")
    assert adresse_prouvee(usager) == ""

"""Issue 8 : le rédacteur en charge écrit à l'usager hors demande de compléments (fil « Échanges ») ; courriel avec
lien à l'adresse prouvée ; l'usager lit et répond depuis sa demande ; le statut ne change jamais."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from portail.models import EmailSortant
from precontentieux.enums import StatutDossier, TypeEvenementDossier
from precontentieux.instruction import MessageDossier, NatureMessage
from precontentieux.models import EvenementDossier
from tests import fichiers_exemples as ex
from tests.fabriques import TEXTES_SENTINELLES
from tests.precontentieux.outils_backoffice import agents, dossier_depose, dossier_en_instruction

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _isolement(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"
    cache.clear()


@pytest.fixture
def equipe():
    return agents()


def _url(nom, dossier):
    return reverse(f"precontentieux:{nom}", args=[dossier.reference])


def _jeton(client, dossier):
    page = client.get(_url("ecrire_usager", dossier))
    assert page.status_code == 200
    return re.search(r'name="jeton" value="([^"]+)"', page.content.decode()).group(1)


def test_message_simple_puis_reponse_de_l_usager_sans_changer_le_statut(client, equipe):
    dossier = dossier_en_instruction(equipe)
    usager = dossier.requerant
    client.force_login(equipe["redacteur"])
    fiche = client.get(_url("dossier", dossier)).content.decode()
    assert _url("ecrire_usager", dossier) in fiche and "Écrire à l’usager" in fiche

    page = client.get(_url("ecrire_usager", dossier)).content.decode()
    assert page.count("<h1") == 1
    # Message vide : erreur reliée au champ, rien n'est écrit.
    reponse = client.post(_url("ecrire_usager", dossier), {"jeton": _jeton(client, dossier), "message": "  "})
    assert reponse.status_code == 400 and "Écrivez le message" in reponse.content.decode()
    assert not MessageDossier.objects.exists()

    mail.outbox.clear()
    jeton = _jeton(client, dossier)
    texte = "Bonjour, <b>pouvez-vous</b> préciser l’heure de l’intervention ?"
    for _ in range(2):  # double clic : un seul message, un seul courriel
        reponse = client.post(_url("ecrire_usager", dossier), {"jeton": jeton, "message": texte})
        assert reponse.status_code == 302
    message = MessageDossier.objects.get()
    assert (message.nature, message.auteur, message.texte) == (NatureMessage.MESSAGE_AGENT, equipe["redacteur"], texte)
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.EN_INSTRUCTION
    evenement = EvenementDossier.objects.filter(dossier=dossier, type=TypeEvenementDossier.MESSAGE).get()
    assert evenement.acteur == equipe["redacteur"] and evenement.statut_avant == evenement.statut_apres
    (courriel,) = [m for m in mail.outbox if m.to == [usager.email]]
    assert courriel.body.startswith("Bonjour,")
    assert reverse("usagers:demande", args=[dossier.reference]) in courriel.body
    assert EmailSortant.objects.get(gabarit="message_agent").destinataire == usager.email

    # Côté usager : le message (échappé), le formulaire de réponse ; jamais de champ confidentiel.
    client.force_login(usager)
    html = client.get(reverse("usagers:demande", args=[dossier.reference])).content.decode()
    assert "&lt;b&gt;pouvez-vous&lt;/b&gt;" in html and "<b>pouvez-vous</b>" not in html
    assert "Répondre au ministère de la Justice" in html
    for sentinelle in TEXTES_SENTINELLES:
        assert sentinelle not in html
    mail.outbox.clear()
    fichier = ex.televerse("releve.pdf", ex.pdf_simple())
    reponse = client.post(
        reverse("usagers:repondre", args=[dossier.reference]),
        {"message": "Vers 6 heures du matin.", "fichiers-autre": fichier},
    )
    assert reponse.status_code == 302
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.EN_INSTRUCTION
    reponse_usager = MessageDossier.objects.latest("pk")
    assert reponse_usager.nature == NatureMessage.REPONSE_USAGER and reponse_usager.pieces.count() == 1
    assert [m.to for m in mail.outbox] == [[equipe["redacteur"].email]]
    # Plus de réponse attendue : un second envoi ne change rien.
    html = client.get(reverse("usagers:demande", args=[dossier.reference])).content.decode()
    assert "Répondre au ministère de la Justice" not in html
    assert "Vous avez répondu au message du ministère de la Justice." in html
    avant = MessageDossier.objects.count()
    client.post(reverse("usagers:repondre", args=[dossier.reference]), {"message": "Encore"})
    assert MessageDossier.objects.count() == avant

    # Le rédacteur voit la réponse dans le fil.
    client.force_login(equipe["redacteur"])
    fiche = client.get(_url("dossier", dossier)).content.decode()
    assert "Message du ministère" in fiche and "Vers 6 heures du matin." in fiche and "releve.pdf" in fiche


def test_seul_le_redacteur_en_charge_ecrit_et_pas_avant_l_attribution(client, equipe):
    dossier = dossier_en_instruction(equipe)
    for intrus in ("redacteur2", "attributeur", "validateur"):
        client.force_login(equipe[intrus])
        reponse = client.post(_url("ecrire_usager", dossier), {"jeton": "x", "message": "Intrusion"})
        assert reponse.status_code in (302, 403), intrus
    assert not MessageDossier.objects.exists()
    depose = dossier_depose()
    client.force_login(equipe["redacteur"])
    page = client.get(_url("ecrire_usager", depose))
    assert page.status_code in (200, 403)
    assert not MessageDossier.objects.filter(dossier=depose).exists()


def test_l_usager_ne_peut_pas_ecrire_sans_message_du_ministere(client, equipe):
    dossier = dossier_en_instruction(equipe)
    client.force_login(dossier.requerant)
    reponse = client.post(reverse("usagers:repondre", args=[dossier.reference]), {"message": "Spontané"})
    assert reponse.status_code == 302
    assert not MessageDossier.objects.exists()

"""Attribution, réattribution, démarrage de l'instruction, demande de compléments et réponse de l'usager (les deux
côtés du fil), relance automatique idempotente, double envoi sans double effet."""

import datetime

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from portail.adresses import adresse_prouvee
from portail.models import EmailSortant
from precontentieux.enums import StatutDossier, TypeEvenementDossier, TypePiece
from precontentieux.instruction import MessageDossier, NatureMessage, relancer_usagers
from precontentieux.models import Dossier, EvenementDossier
from precontentieux.tasks import relancer_complements
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


def _url(nom, dossier, *args):
    return reverse(f"precontentieux:{nom}", args=[dossier.reference, *args])


def test_attribution_liste_les_redacteurs_actifs_avec_leur_charge_et_avertit_le_redacteur(client, equipe):
    deja = dossier_depose()
    deja.attribuer(equipe["attributeur"], equipe["redacteur2"])
    inactif = equipe["redacteur"].__class__.objects.create(identifiant="inactif", is_active=False, type="agent")
    dossier = dossier_depose()
    client.force_login(equipe["attributeur"])
    page = client.get(_url("attribuer", dossier))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Rémi Redac — 0 dossier en cours" in html
    assert "Rose Second — 1 dossier en cours" in html
    assert f'value="{inactif.pk}"' not in html
    # Sans choix : erreur reliée au champ, rien ne change.
    reponse = client.post(_url("attribuer", dossier), {})
    assert reponse.status_code == 400 and "Choisissez le rédacteur" in reponse.content.decode()
    # Un agent qui n'est pas rédacteur ne peut pas être choisi.
    reponse = client.post(_url("attribuer", dossier), {"redacteur": equipe["validateur"].pk})
    assert reponse.status_code == 400
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.DEPOSE and dossier.redacteur is None
    # Attribution : statut, rédacteur, courriel ; un double envoi ne fait rien de plus.
    for _ in range(2):
        reponse = client.post(_url("attribuer", dossier), {"redacteur": equipe["redacteur"].pk})
        assert reponse.status_code == 302
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.A_INSTRUIRE and dossier.redacteur == equipe["redacteur"]
    courriel = EmailSortant.objects.get(gabarit="attribution", destinataire="remi.redac@justice.gouv.fr")
    assert courriel.contexte["url_dossier"].endswith(reverse("precontentieux:dossier", args=[dossier.reference]))
    assert EvenementDossier.objects.filter(dossier=dossier, details__transition="attribuer").count() == 1


def test_reattribution_avec_motif(client, equipe):
    dossier = dossier_en_instruction(equipe)
    client.force_login(equipe["attributeur"])
    url = _url("reattribuer", dossier)
    reponse = client.post(url, {"redacteur": equipe["redacteur2"].pk, "motif": ""})
    assert reponse.status_code == 400 and "Indiquez le motif" in reponse.content.decode()
    reponse = client.post(url, {"redacteur": equipe["redacteur"].pk, "motif": "Congés"})
    assert reponse.status_code == 400 and "déjà en charge" in reponse.content.decode()
    reponse = client.post(url, {"redacteur": equipe["redacteur2"].pk, "motif": "Congés de Rémi"})
    assert reponse.status_code == 302
    dossier.refresh_from_db()
    assert dossier.redacteur == equipe["redacteur2"] and dossier.statut == StatutDossier.EN_INSTRUCTION
    assert EmailSortant.objects.filter(gabarit="attribution", destinataire="rose.second@justice.gouv.fr").count() == 1
    html = client.get(_url("dossier", dossier)).content.decode()
    assert "Motif : Congés de Rémi" in html


def test_le_redacteur_en_charge_demarre_l_instruction_une_seule_fois(client, equipe):
    dossier = dossier_depose()
    dossier.attribuer(equipe["attributeur"], equipe["redacteur"])
    url = _url("action", dossier, "demarrer_instruction")
    # Un autre rédacteur : refus avec la raison, rien ne change.
    client.force_login(equipe["redacteur2"])
    reponse = client.post(url, follow=True)
    assert "attribué à un autre rédacteur" in reponse.content.decode()
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.A_INSTRUIRE
    client.force_login(equipe["redacteur"])
    assert client.post(url).status_code == 302
    reponse = client.post(url, follow=True)  # double envoi
    assert "impossible" in reponse.content.decode() or "entre-temps" in reponse.content.decode()
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.EN_INSTRUCTION and dossier.instruction_demarree_le
    assert EvenementDossier.objects.filter(dossier=dossier, details__transition="demarrer_instruction").count() == 1


def _demander(client, equipe, dossier, message="Merci d’envoyer la facture <b>acquittée</b>."):
    client.force_login(equipe["redacteur"])
    return client.post(
        _url("demander_complements", dossier), {"message": message, "pieces": [TypePiece.FACTURE, TypePiece.RIB]}
    )


def test_demande_de_complements_puis_reponse_de_l_usager_des_deux_cotes(client, equipe):
    dossier = dossier_en_instruction(equipe)
    usager = dossier.requerant
    client.force_login(equipe["redacteur"])
    page = client.get(_url("demander_complements", dossier))
    assert page.status_code == 200
    # Les cases viennent de la table des pièces (situation du dossier).
    assert "Facture acquittée de la réparation" in page.content.decode()
    reponse = client.post(_url("demander_complements", dossier), {"message": ""})
    assert reponse.status_code == 400 and "Écrivez le message" in reponse.content.decode()
    assert _demander(client, equipe, dossier).status_code == 302
    assert _demander(client, equipe, dossier).status_code == 302  # double envoi : sans effet
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.ATTENTE_COMPLEMENTS
    assert EmailSortant.objects.filter(gabarit="demande_complements").count() == 1
    demande = MessageDossier.objects.get(dossier=dossier)
    assert demande.nature == NatureMessage.DEMANDE_COMPLEMENTS and demande.pieces_demandees == ["facture", "rib"]
    # Courriel à l'usager avec le lien de sa demande, sans rien de confidentiel.
    courriel = EmailSortant.objects.get(gabarit="demande_complements")
    assert courriel.destinataire == usager.email  # adresse prouvée du compte, jamais celle tapée
    envoye = [m for m in mail.outbox if m.to == [usager.email] and dossier.reference in m.body][-1]
    assert reverse("usagers:demande", args=[dossier.reference]) in envoye.body
    for sentinelle in TEXTES_SENTINELLES:
        assert sentinelle not in envoye.body

    # Côté usager : la demande apparaît, avec le formulaire de réponse ; pas de note, pas de champ confidentiel.
    client.force_login(equipe["redacteur"])
    client.post(
        _url("ajouter_note", dossier), {"texte": "NOTE-INTERNE-Q7X", "jeton": "6f1c1b7e-0000-4000-8000-000000000001"}
    )
    client.force_login(usager)
    page_usager = client.get(reverse("usagers:demande", args=[dossier.reference]))
    html = page_usager.content.decode()
    assert "Message du ministère de la Justice" in html
    assert "Merci d’envoyer la facture &lt;b&gt;acquittée&lt;/b&gt;." in html
    assert "Répondre au ministère de la Justice" in html and "Facture acquittée de la réparation" in html
    assert "NOTE-INTERNE-Q7X" not in html and "Rémi" not in html
    for sentinelle in TEXTES_SENTINELLES:
        assert sentinelle not in html

    # Réponse vide : erreur ; fichier refusé : erreur, rien ne change.
    url_reponse = reverse("usagers:repondre", args=[dossier.reference])
    assert client.post(url_reponse, {"message": ""}).status_code == 400
    reponse = client.post(url_reponse, {"message": "Voici", "fichiers-facture": ex.televerse("faux.pdf", ex.HTML)})
    assert reponse.status_code == 400 and "n’est pas accepté" in reponse.content.decode()
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.ATTENTE_COMPLEMENTS
    avant = dossier.pieces.count()
    reponse = client.post(
        url_reponse,
        {"message": "Voici la facture.", "fichiers-facture": ex.televerse("facture-payee.pdf", ex.pdf_simple())},
    )
    assert reponse.status_code == 302
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.EN_INSTRUCTION and dossier.complements_recus_le
    assert dossier.pieces.count() == avant + 1
    message = MessageDossier.objects.get(dossier=dossier, nature=NatureMessage.REPONSE_USAGER)
    assert [p.nom for p in message.pieces.all()] == ["facture-payee.pdf"]
    assert EmailSortant.objects.filter(gabarit="complements_recus", destinataire="remi.redac@justice.gouv.fr").exists()
    # Double envoi de la réponse : rien de plus.
    reponse = client.post(
        url_reponse,
        {"message": "Voici la facture.", "fichiers-facture": ex.televerse("facture-payee.pdf", ex.pdf_simple())},
    )
    assert reponse.status_code == 302
    assert dossier.pieces.count() == avant + 1 and MessageDossier.objects.filter(dossier=dossier).count() == 2
    html = client.get(reverse("usagers:demande", args=[dossier.reference])).content.decode()
    assert "Votre réponse" in html and "facture-payee.pdf" in html and "Répondre au ministère" not in html

    # Côté rédacteur : le fil montre la réponse et son fichier.
    client.force_login(equipe["redacteur"])
    html = client.get(_url("dossier", dossier)).content.decode()
    assert "Réponse de l’usager" in html and "Voici la facture." in html and "facture-payee.pdf" in html


def test_relance_apres_15_jours_une_seule_fois(client, equipe):
    dossier = dossier_en_instruction(equipe)
    _demander(client, equipe, dossier)
    # Adresse tapée dans la demande, jamais prouvée : aucun courriel automatique ne doit y partir.
    type(dossier).objects.filter(pk=dossier.pk).update(courriel="saisie-libre@exemple.org")
    demande = MessageDossier.objects.get(dossier=dossier)
    assert relancer_usagers() == 0  # trop tôt
    plus_tard = timezone.now() + datetime.timedelta(days=15, minutes=1)
    assert relancer_usagers(plus_tard) == 1
    assert relancer_usagers(plus_tard) == 0  # idempotente
    assert relancer_complements.delay().get() == 0  # la tâche Celery (beat) appelle la même fonction
    demande.refresh_from_db()
    assert demande.relance_le is not None
    relances = EmailSortant.objects.filter(gabarit="relance_complements")
    # Vers l'adresse prouvée du compte du requérant, jamais vers le `courriel` tapé dans la demande.
    assert relances.count() == 1 and relances.get().destinataire == adresse_prouvee(dossier.requerant)
    assert relances.get().destinataire not in ("", "saisie-libre@exemple.org")
    corps = [m for m in mail.outbox if m.subject.startswith("Rappel")][-1].body
    assert dossier.reference in corps and "Facture acquittée de la réparation" in corps
    # Dossier revenu en instruction : plus de relance.
    autre = dossier_en_instruction(equipe)
    _demander(client, equipe, autre)
    autre.recevoir_complements(equipe["redacteur"], message="Reçu par courrier")
    assert relancer_usagers(plus_tard) == 0


def test_un_validateur_ne_peut_pas_demander_de_complements(client, equipe):
    dossier = dossier_en_instruction(equipe)
    client.force_login(equipe["validateur"])
    assert client.get(_url("demander_complements", dossier)).status_code == 403
    assert client.post(_url("demander_complements", dossier), {"message": "x"}).status_code == 403
    assert Dossier.objects.get(pk=dossier.pk).statut == StatutDossier.EN_INSTRUCTION
    assert not MessageDossier.objects.exists()


def test_cloture_exige_un_motif(client, equipe):
    dossier = dossier_depose()
    client.force_login(equipe["attributeur"])
    url = _url("cloturer", dossier)  # écran propre, avec la liste des motifs (precontentieux/views/decision.py)
    assert client.get(url).status_code == 200
    assert client.post(url, {"motif": ""}).status_code == 400
    assert Dossier.objects.get(pk=dossier.pk).statut == StatutDossier.DEPOSE
    assert client.post(url, {"motif": "doublon", "texte": "Doublon du dossier MIJ-2026-AAAAAA"}).status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).statut == StatutDossier.CLOTURE
    assert EvenementDossier.objects.filter(
        dossier=dossier,
        type=TypeEvenementDossier.CHANGEMENT_STATUT,
        details__motif="Demande en double : Doublon du dossier MIJ-2026-AAAAAA",
    ).exists()

"""Récapitulatif quotidien des échéances aux rédacteurs (horloge légale)."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from portail.enums import Role
from portail.models import EmailSortant
from precontentieux.echeances import GABARIT, envoyer_recapitulatifs
from precontentieux.tasks import envoyer_recapitulatifs_echeances
from tests.precontentieux.outils_back_office import agent, deposer_il_y_a, dossier_dans

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fichiers(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"


def test_recapitulatif_par_redacteur_idempotent():
    attributeur = agent(Role.ATTRIBUTEUR)
    rose = agent(Role.REDACTEUR, prenom="Rose", email="rose@justice.gouv.fr")
    paul = agent(Role.REDACTEUR, prenom="Paul", email="paul@justice.gouv.fr")
    sans_alerte = agent(Role.REDACTEUR, email="calme@justice.gouv.fr")
    depasse = deposer_il_y_a(dossier_dans("en_instruction", attributeur=attributeur, redacteur=rose), 70)
    proche = deposer_il_y_a(dossier_dans("attente_complements", attributeur=attributeur, redacteur=rose), 55)
    loin = deposer_il_y_a(dossier_dans("a_instruire", attributeur=attributeur, redacteur=rose), 10)
    de_paul = deposer_il_y_a(dossier_dans("a_instruire", attributeur=attributeur, redacteur=paul), 50)
    deposer_il_y_a(dossier_dans("a_instruire", attributeur=attributeur, redacteur=sans_alerte), 3)
    deposer_il_y_a(dossier_dans("depose", attributeur=attributeur, redacteur=rose), 80)  # pas de rédacteur
    EmailSortant.objects.all().delete()  # courriels des transitions : hors sujet ici

    assert envoyer_recapitulatifs() == 2
    assert envoyer_recapitulatifs() == 0  # même jour : rien de plus
    assert envoyer_recapitulatifs_echeances.delay().get() == 0  # la tâche beat, même jour

    courriels = {e.destinataire: e for e in EmailSortant.objects.filter(gabarit=GABARIT)}
    assert set(courriels) == {"rose@justice.gouv.fr", "paul@justice.gouv.fr"}
    contexte = courriels["rose@justice.gouv.fr"].contexte
    assert [ligne["reference"] for ligne in contexte["depassees"]] == [depasse.reference]
    assert [ligne["reference"] for ligne in contexte["proches"]] == [proche.reference]
    assert loin.reference not in str(contexte)
    assert [ligne["reference"] for ligne in courriels["paul@justice.gouv.fr"].contexte["proches"]] == [
        de_paul.reference
    ]
    assert contexte["jour"] == timezone.localdate().isoformat()
    # Le lendemain, un nouveau récapitulatif.
    assert envoyer_recapitulatifs(timezone.localdate() + datetime.timedelta(days=1)) == 2


def test_recapitulatif_rendu():
    attributeur = agent(Role.ATTRIBUTEUR)
    rose = agent(Role.REDACTEUR, prenom="Rose", email="rose@justice.gouv.fr")
    dossier = deposer_il_y_a(dossier_dans("en_instruction", attributeur=attributeur, redacteur=rose), 70)
    EmailSortant.objects.all().delete()
    envoyer_recapitulatifs()
    assert EmailSortant.objects.get(gabarit=GABARIT).statut == "envoye"
    message = mail.outbox[-1]
    assert "1 dépassée" in message.subject
    assert dossier.reference in message.body and "dépassé" in message.body
    assert settings.URL_PORTAIL in message.body


def test_planification_beat():
    assert settings.CELERY_BEAT_SCHEDULE["recapitulatif-echeances"]["task"] == (
        "precontentieux.tasks.envoyer_recapitulatifs_echeances"
    )

"""Worker Celery sans Redis : il réessaie indéfiniment et reprend quand Redis revient (issue 11, item 9).

Vrai worker (`celery -A portail worker`), vrai redis-server privé arrêté puis relancé, vrai SMTP local.
"""

import os
import time

import pytest

from portail.enums import StatutEmail
from portail.models import EmailSortant
from tests.integration.outils import RACINE, WorkerCelery, attendre, celery_vers
from tests.integration.test_courriels import (  # noqa: F401 (fixtures)
    creer_usager_avec_courriel,
    gabarits,
    redis_prive,
    smtp,
    url_base_de_test,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# Bien au-delà des ~2 s après lesquelles le worker abandonnait.
ATTENTE_SANS_REDIS = 8


@pytest.fixture
def lancer_worker(tmp_path, smtp, redis_prive, gabarits):  # noqa: F811
    (tmp_path / "reglages_worker.py").write_text(
        "from portail.settings.base import *  # noqa\n"
        f"TEMPLATES[0]['DIRS'] = [{str(gabarits)!r}, *TEMPLATES[0]['DIRS']]\n",
        encoding="utf-8",
    )
    env = {cle: valeur for cle, valeur in os.environ.items() if not cle.startswith(("DJANGO_", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="reglages_worker",
        PYTHONPATH=os.pathsep.join([str(RACINE), str(tmp_path)]),
        DATABASE_URL=url_base_de_test(),
        REDIS_URL=redis_prive.url,
        SMTP_HOTE="127.0.0.1",
        SMTP_PORT=str(smtp.port),
        CELERY_TACHES_SYNCHRONES="non",
        PYTHONUNBUFFERED="1",
    )
    lances = []

    def demarrer(attendre_pret=True):
        worker = WorkerCelery(tmp_path / f"worker-{len(lances)}.log", env)
        lances.append(worker)
        worker.demarrer(attendre_pret=attendre_pret)
        return worker

    yield demarrer
    for worker in lances:
        worker.arreter()


def courriel_envoye(smtp, adresse, worker):  # noqa: F811
    with celery_vers(worker.url_broker):
        _, courriel = creer_usager_avec_courriel(adresse)
    attendre(
        lambda: EmailSortant.objects.get(pk=courriel.pk).statut == StatutEmail.ENVOYE,
        delai=40,
        message=f"courriel non envoyé :\n{worker.lire_journal()}",
    )
    assert adresse in [m["To"] for m in smtp.boite.recus()]


def test_redis_coupe_pendant_que_le_worker_tourne(smtp, redis_prive, lancer_worker):  # noqa: F811
    redis_prive.demarrer()
    worker = lancer_worker()
    worker.url_broker = redis_prive.url
    courriel_envoye(smtp, "avant@exemple.fr", worker)

    redis_prive.arreter()
    time.sleep(ATTENTE_SANS_REDIS)
    assert worker.en_vie(), worker.lire_journal()

    redis_prive.demarrer()
    courriel_envoye(smtp, "apres@exemple.fr", worker)
    assert worker.en_vie()


def test_worker_demarre_sans_redis_puis_redis_arrive(smtp, redis_prive, lancer_worker):  # noqa: F811
    worker = lancer_worker(attendre_pret=False)
    worker.url_broker = redis_prive.url
    time.sleep(ATTENTE_SANS_REDIS)
    assert worker.en_vie(), worker.lire_journal()

    redis_prive.demarrer()
    worker.attendre_pret()
    courriel_envoye(smtp, "camille@exemple.fr", worker)

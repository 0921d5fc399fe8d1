"""Boîte d'envoi de bout en bout : vrai worker Celery, vrai Redis privé, vrai serveur SMTP (aiosmtpd).

Le worker est un processus séparé qui lit la base de test créée par pytest-django
(PostgreSQL, ou un fichier SQLite : voir portail/settings/test.py).
"""

import copy
import os
import signal
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from portail.emails import programmer_email
from portail.enums import StatutEmail
from portail.models import EmailSortant
from portail.tasks import balayer_courriels, envoyer_email
from tests.integration.outils import RACINE, RedisPrive, ServeurSMTP, WorkerCelery, attendre, celery_vers

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

Utilisateur = get_user_model()


def url_base_de_test():
    """L'URL de la base de test, pour le worker (DATABASE_URL est lue par portail/settings/base.py)."""
    reglages = connection.settings_dict
    if reglages["ENGINE"] == "django.db.backends.sqlite3":
        nom = str(reglages["NAME"])
        if nom == ":memory:" or "mode=memory" in nom:
            pytest.skip("Base SQLite en mémoire : un worker séparé ne peut pas la partager.")
        return f"sqlite:///{nom}"
    if reglages["ENGINE"] == "django.db.backends.postgresql":
        utilisateur = quote(reglages["USER"] or "", safe="")
        mot_de_passe = quote(reglages["PASSWORD"] or "", safe="")
        identifiants = f"{utilisateur}:{mot_de_passe}@" if mot_de_passe else f"{utilisateur}@" if utilisateur else ""
        return (
            f"postgres://{identifiants}{reglages['HOST'] or '127.0.0.1'}:{reglages['PORT'] or 5432}/{reglages['NAME']}"
        )
    pytest.skip(f"Moteur de base non géré par ce test : {reglages['ENGINE']}")


@pytest.fixture
def smtp():
    with ServeurSMTP() as serveur:
        yield serveur


@pytest.fixture
def redis_prive(tmp_path):
    redis = RedisPrive(tmp_path)
    yield redis
    redis.arreter()


GABARITS = {
    "sujet.txt": "Essai d’intégration pour {{ prenom }}\n",
    "corps.txt": "{% extends 'emails/_base.txt' %}{% block contenu %}Bonjour {{ prenom }} : {{ url }}{% endblock contenu %}",
    "corps.html": "{% extends 'emails/_base.html' %}{% block contenu %}<p>Bonjour {{ prenom }}</p>{% endblock contenu %}",
}


@pytest.fixture
def gabarits(settings, tmp_path):
    """Gabarit de courriel propre au test, dans un dossier temporaire (pour ce processus et le worker)."""
    dossier = tmp_path / "gabarits"
    (dossier / "emails" / "essai_integration").mkdir(parents=True)
    for nom, contenu in GABARITS.items():
        (dossier / "emails" / "essai_integration" / nom).write_text(contenu, encoding="utf-8")
    reglages = copy.deepcopy(settings.TEMPLATES)
    reglages[0]["DIRS"] = [dossier, *reglages[0]["DIRS"]]
    settings.TEMPLATES = reglages
    return dossier


@pytest.fixture
def workers(tmp_path, smtp, redis_prive, gabarits):
    """Fabrique de workers Celery branchés sur le Redis privé, le SMTP local et la base de test.

    Le worker utilise les réglages de base (ceux de la production : SMTP, Redis et base lus dans
    l'environnement), plus le dossier de gabarits du test.
    """
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

    def demarrer():
        worker = WorkerCelery(tmp_path / f"worker-{len(lances)}.log", env)
        lances.append(worker)
        worker.demarrer()
        return worker

    yield demarrer
    for worker in lances:
        worker.arreter()


def creer_usager_avec_courriel(email):
    """Le changement métier et son courriel, dans une seule transaction."""
    with transaction.atomic():
        usager = Utilisateur.objects.create_user(email=email, password="un-mot-de-passe-solide")
        courriel = programmer_email(
            "essai_integration", usager.email, {"prenom": "Camille", "url": "https://exemple.fr/a?b=1&c=2"}
        )
    return usager, courriel


def test_redis_arrete_le_courriel_part_une_seule_fois_une_fois_redis_revenu(smtp, redis_prive, workers):
    with celery_vers(redis_prive.url):
        # Redis est arrêté : le changement métier est tout de même enregistré, sans erreur ni attente longue.
        debut = timezone.now()
        usager, courriel = creer_usager_avec_courriel("camille@exemple.fr")
        assert timezone.now() - debut < timedelta(seconds=10)
        assert Utilisateur.objects.filter(pk=usager.pk).exists()
        courriel.refresh_from_db()
        assert courriel.statut == StatutEmail.A_ENVOYER
        assert smtp.boite.recus() == []

        # Redis et le worker reviennent ; deux minutes ont passé ; le balayage (Celery beat) tourne.
        redis_prive.demarrer()
        worker = workers()
        EmailSortant.objects.filter(pk=courriel.pk).update(cree_le=timezone.now() - timedelta(minutes=2))
        balayer_courriels.delay()

        attendre(
            lambda: EmailSortant.objects.get(pk=courriel.pk).statut == StatutEmail.ENVOYE,
            delai=30,
            message=f"courriel non envoyé :\n{worker.lire_journal()}",
        )
        [recu] = smtp.boite.recus()
        assert recu["To"] == "camille@exemple.fr"
        assert recu["Subject"] == "Essai d’intégration pour Camille"
        assert recu["Message-ID"].strip() == f"<{courriel.uuid}@indemnisation.justice.gouv.fr>"
        assert "Bonjour Camille : https://exemple.fr/a?b=1&c=2" in recu.get_body(("plain",)).get_content()

        # Un nouveau balayage et un déclenchement en double ne renvoient rien.
        assert balayer_courriels() == {"relances": 0, "a_verifier": 0}
        resultat = envoyer_email.delay(courriel.pk)
        attendre(
            lambda: f"[{resultat.id}] succeeded" in worker.lire_journal(),
            delai=30,
            message="le second déclenchement n'a pas été traité",
        )
        assert f"[{resultat.id}] succeeded" in worker.lire_journal()
        assert "'ignore'" in worker.lire_journal()
        assert len(smtp.boite.recus()) == 1
        courriel.refresh_from_db()
        assert (courriel.statut, courriel.tentatives) == (StatutEmail.ENVOYE, 1)


def test_worker_tue_pendant_l_envoi_aucun_second_envoi(smtp, redis_prive, workers):
    redis_prive.demarrer()
    premier = workers()
    # Le serveur SMTP reçoit le message puis ne répond pas : le worker reste bloqué en pleine transmission.
    smtp.boite.bloquer.set()

    with celery_vers(redis_prive.url):
        _, courriel = creer_usager_avec_courriel("dominique@exemple.fr")
        assert smtp.boite.data_recu.wait(timeout=30), premier.lire_journal()
        courriel.refresh_from_db()
        assert courriel.statut == StatutEmail.SMTP_EN_COURS

        # Le processus qui transmet le message est tué net (SIGKILL).
        [fils] = premier.fils()
        os.kill(fils, signal.SIGKILL)
        smtp.boite.bloquer.clear()
        # Le worker remet le message en file (acks_late + reject_on_worker_lost) ; un nouveau fils
        # le reprend et constate que la transmission a déjà commencé : il ne renvoie rien.
        attendre(
            lambda: "succeeded" in premier.lire_journal() and "'ignore'" in premier.lire_journal(),
            delai=30,
            message=f"la tâche remise en file n'a pas été reprise :\n{premier.lire_journal()}",
        )
        assert "exited with 'signal 9 (SIGKILL)'" in premier.lire_journal()

        # Tout le worker meurt ; un nouveau démarre ; quinze minutes ont passé ; le balayage tourne.
        premier.tuer()
        second = workers()
        EmailSortant.objects.filter(pk=courriel.pk).update(verrou_jusqu_a=timezone.now() - timedelta(seconds=1))
        balayer_courriels.delay()
        attendre(
            lambda: EmailSortant.objects.get(pk=courriel.pk).statut == StatutEmail.A_VERIFIER,
            delai=30,
            message=f"courriel non passé « à vérifier » :\n{second.lire_journal()}",
        )

        # Même un déclenchement explicite ne renvoie pas le message.
        resultat = envoyer_email.delay(courriel.pk)
        attendre(
            lambda: f"[{resultat.id}] succeeded" in second.lire_journal(),
            delai=30,
            message="le déclenchement n'a pas été traité",
        )
        assert balayer_courriels() == {"relances": 0, "a_verifier": 0}

    assert len(smtp.boite.recus()) == 1
    courriel.refresh_from_db()
    assert (courriel.statut, courriel.tentatives) == (StatutEmail.A_VERIFIER, 1)
    assert "peut-être été envoyé" in courriel.derniere_erreur

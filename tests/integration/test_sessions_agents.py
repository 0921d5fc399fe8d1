"""Désactiver un agent supprime vraiment ses sessions avec le moteur de production (`cached_db`) sur un vrai Redis
(redis-server privé) : plus rien ni en base ni dans le cache, et la session vivante tombe à la requête suivante."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from portail import agents as gestion
from portail.enums import Role
from portail.settings.base import reglage_cache
from tests.integration.outils import RedisPrive
from tests.precontentieux.outils_backoffice import agent_justice

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def redis_prive(tmp_path, settings):
    redis = RedisPrive(tmp_path)
    redis.demarrer()
    settings.CACHES = {"default": reglage_cache(redis.url)}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    yield redis
    redis.arreter()


def test_desactivation_supprime_la_session_vivante_de_redis_et_de_la_base(redis_prive, settings):
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django.contrib.sessions.models import Session

    gestionnaire = agent_justice(Role.GESTIONNAIRE)
    redacteur = agent_justice(Role.REDACTEUR)
    navigateur = Client()
    navigateur.force_login(redacteur)
    assert navigateur.get(reverse("precontentieux:accueil")).status_code == 200
    cle = navigateur.cookies[settings.SESSION_COOKIE_NAME].value
    assert cache.get(SessionStore.cache_key_prefix + cle) is not None
    assert Session.objects.filter(session_key=cle).exists()

    gestion.desactiver(gestionnaire, redacteur, motif="Départ")

    assert cache.get(SessionStore.cache_key_prefix + cle) is None
    assert not Session.objects.filter(session_key=cle).exists()
    reponse = navigateur.get(reverse("precontentieux:accueil"))
    assert reponse["Location"].startswith(reverse("portail:connexion"))

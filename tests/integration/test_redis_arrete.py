"""Redis arrêté : connexion par courriel, mot de passe oublié et liens d'invitation répondent normalement
(issue 11, item 8). Le cache de production (`reglage_cache`) pointe vers un redis-server privé, arrêté
pendant le test ; les limiteurs s'ouvrent avec un avertissement journalisé, puis se referment quand Redis
revient."""

import logging

import pytest
from django.core.cache import cache
from django.urls import reverse

from portail import cache_tolerant as module_cache
from portail.models import EmailSortant
from portail.settings.base import reglage_cache
from tests.integration.outils import RedisPrive
from tests.portail.comptes_outils import MOT_DE_PASSE, connexion, creer_compte
from tests.usagers.outils_usagers import dossier_invite

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def redis_prive(tmp_path, settings):
    redis = RedisPrive(tmp_path)
    redis.demarrer()
    settings.CACHES = {"default": reglage_cache(redis.url)}
    yield redis
    redis.arreter()


def test_redis_arrete_les_trois_routes_repondent_puis_les_limites_reviennent(client, redis_prive, caplog, monkeypatch):
    monkeypatch.setattr(module_cache, "PAUSE_APRES_PANNE", 0.2)
    creer_compte()
    _, invitation, jeton = dossier_invite()
    # Redis en marche : le cache de production est bien celui-ci.
    cache.set("sonde", 1)
    assert cache.get("sonde") == 1

    redis_prive.arreter()
    caplog.set_level(logging.WARNING, logger="portail.cache_tolerant")

    # Connexion par courriel.
    reponse = connexion(client, "camille@exemple.fr", MOT_DE_PASSE)
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("portail:apres_connexion")
    client.logout()

    # Mot de passe oublié : le courriel part dans la boîte d'envoi.
    reponse = client.post(reverse("account_reset_password"), {"email": "camille@exemple.fr"})
    assert reponse.status_code == 302
    assert EmailSortant.objects.filter(gabarit="compte_reinitialisation", destinataire="camille@exemple.fr").exists()

    # Lien d'invitation : la page s'ouvre et le choix de connexion est pris en compte.
    url = reverse("usagers:invitation", args=[jeton])
    assert client.get(url).status_code == 200
    reponse = client.post(url, {"action": "connexion"})
    assert reponse.status_code == 302

    assert any("Cache Redis indisponible" in r.getMessage() for r in caplog.records)

    # Redis revient : le cache et les limiteurs fonctionnent de nouveau.
    redis_prive.demarrer()
    import time

    time.sleep(0.3)
    cache.set("sonde", 2)
    assert cache.get("sonde") == 2
    for i in range(20):
        assert client.get(reverse("usagers:invitation", args=[f"essai-{i}"])).status_code == 404
    assert client.get(url).status_code == 429

"""Adresse IP du client derrière les proxys de confiance, et limiteur unique (issue 11, item 1)."""

import time as vrai_time
from types import SimpleNamespace

import pytest
from allauth.core.internal import ratelimit
from django.core.cache import cache
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from portail.enums import TypeEvenement
from portail.models import Evenement
from portail.reseau import ip_client
from tests.portail.comptes_outils import connexion, creer_compte
from tests.usagers.outils_usagers import dossier_invite

PROXY = "10.0.0.1"


@pytest.fixture(autouse=True)
def _cache_vide():
    cache.clear()
    yield
    cache.clear()


def requete(remote="203.0.113.9", xff=None):
    meta = {"REMOTE_ADDR": remote}
    if xff is not None:
        meta["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize(
    ("nombre", "xff", "attendu"),
    [
        (0, "198.51.100.1", "203.0.113.9"),  # sans proxy de confiance, l'en-tête est ignoré
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # l'entrée de gauche, écrite par le client, n'est pas lue
        (2, "6.6.6.6, 198.51.100.1, 10.0.0.7", "198.51.100.1"),
        (2, "198.51.100.1", "198.51.100.1"),  # moins d'entrées que de proxys
        (1, "pas-une-adresse", "203.0.113.9"),
        (1, None, "203.0.113.9"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_ip_client_selon_le_nombre_de_proxys_de_confiance(settings, nombre, xff, attendu):
    settings.NOMBRE_PROXYS_DE_CONFIANCE = nombre
    assert ip_client(requete(xff=xff)) == attendu


@pytest.mark.django_db
def test_deux_clients_derriere_le_meme_proxy_ne_se_bloquent_pas_sur_les_invitations(client, settings):
    settings.NOMBRE_PROXYS_DE_CONFIANCE = 1
    _, _, jeton = dossier_invite()
    url = reverse("usagers:invitation", args=[jeton])
    # Un script derrière le proxy épuise sa limite…
    for i in range(20):
        reponse = client.get(
            reverse("usagers:invitation", args=[f"essai-{i}"]), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.66"
        )
        assert reponse.status_code == 404
    assert client.get(url, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.66").status_code == 429
    # … un autre visiteur, derrière le même proxy, ouvre son lien normalement.
    assert client.get(url, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 200
    # Et le script ne contourne pas la limite en préfixant un X-Forwarded-For de son choix.
    assert client.get(url, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.66").status_code == 429


@pytest.mark.django_db
def test_deux_clients_derriere_le_meme_proxy_connexion_et_journal(client, settings):
    settings.NOMBRE_PROXYS_DE_CONFIANCE = 1
    creer_compte()
    for i in range(5):
        connexion(client, f"inconnu{i}@exemple.fr", "mauvais", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.66")
    reponse = connexion(client, "camille@exemple.fr", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.66")
    assert "_auth_user_id" not in client.session
    assert reponse.status_code == 200
    # Le journal d'audit garde l'adresse du client, pas celle du proxy.
    evenement = Evenement.objects.filter(type=TypeEvenement.ECHEC_CONNEXION).latest("pk")
    assert evenement.adresse_ip == "198.51.100.66"
    reponse = connexion(client, "camille@exemple.fr", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert reponse.status_code == 302
    assert Evenement.objects.filter(type=TypeEvenement.CONNEXION).latest("pk").adresse_ip == "198.51.100.7"


@pytest.fixture
def horloge(monkeypatch):
    """Avance l'horloge vue par le limiteur et par les caches (mémoire, et base : le cache du mode embarqué)."""
    import datetime

    import django.core.cache.backends.base as cache_base
    import django.core.cache.backends.db as cache_db
    import django.core.cache.backends.locmem as cache_locmem
    from django.utils import timezone

    etat = SimpleNamespace(decalage=0.0)
    faux_time = SimpleNamespace(
        time=lambda: vrai_time.time() + etat.decalage, monotonic=vrai_time.monotonic, sleep=vrai_time.sleep
    )
    for module in (ratelimit, cache_base, cache_locmem):
        monkeypatch.setattr(module, "time", faux_time)
    monkeypatch.setattr(cache_db, "tz_now", lambda: timezone.now() + datetime.timedelta(seconds=etat.decalage))

    def avancer(secondes):
        etat.decalage += secondes

    return avancer


@pytest.mark.django_db
@pytest.mark.parametrize("moteur", ["locmem", "base"])
def test_la_fenetre_se_rouvre_apres_sa_duree_meme_sous_trafic_continu(client, settings, horloge, moteur):
    if moteur == "base":
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache_limiteurs_test"}
        }
        call_command("createcachetable", verbosity=0)
    _, _, jeton = dossier_invite()
    url = reverse("usagers:invitation", args=[jeton])
    for _ in range(20):
        assert client.get(url).status_code == 200
    # Un script insiste toutes les 20 secondes : il reste bloqué jusqu'à la fin de la fenêtre (10 minutes)…
    for _ in range(29):
        horloge(20)
        assert client.get(url).status_code == 429
    # … puis l'accès se rouvre, bien que le trafic n'ait jamais cessé.
    horloge(21)
    assert client.get(url).status_code == 200

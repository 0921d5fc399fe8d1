"""Cache Redis tolérant aux pannes : Redis arrêté, le portail continue de répondre.

Le cache ne sert qu'à des données reconstructibles : compteurs des limiteurs de débit (allauth,
`portail.limiteurs`), PDF publics. Si Redis ne répond pas, chaque opération se comporte comme un cache
vide qui accepte tout (lecture : absent ; `add` : réussi, donc les verrous des limiteurs sont obtenus) :
les limiteurs **s'ouvrent** (fail open) au lieu de faire échouer la connexion, la réinitialisation du
mot de passe ou les liens d'invitation en erreur 500. Un avertissement est journalisé au début de la
panne ; pendant `PAUSE_APRES_PANNE` secondes, Redis n'est plus interrogé (pas d'attente à chaque
requête), puis il est réessayé.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

PAUSE_APRES_PANNE = 5.0


def _erreurs_redis():
    import redis

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class CacheRedisTolerant(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._en_panne_jusqu_a = 0.0
        self._verrou = threading.Lock()
        self._erreurs = _erreurs_redis()

    @property
    def en_panne(self):
        return time.monotonic() < self._en_panne_jusqu_a

    def _appel(self, operation, repli, *args, **kwargs):
        if self.en_panne:
            return repli
        try:
            resultat = getattr(super(), operation)(*args, **kwargs)
        except self._erreurs as erreur:
            with self._verrou:
                debut = self._en_panne_jusqu_a == 0.0 or not self.en_panne
                self._en_panne_jusqu_a = time.monotonic() + PAUSE_APRES_PANNE
            if debut:
                logger.warning(
                    "Cache Redis indisponible (%s) : limiteurs de débit ouverts, cache ignoré pendant %s s.",
                    erreur,
                    PAUSE_APRES_PANNE,
                )
            return repli
        if self._en_panne_jusqu_a:
            with self._verrou:
                self._en_panne_jusqu_a = 0.0
            logger.warning("Cache Redis de nouveau disponible.")
        return resultat

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._appel("add", True, key, value, timeout, version=version)

    def get(self, key, default=None, version=None):
        return self._appel("get", default, key, default, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._appel("set", None, key, value, timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._appel("touch", False, key, timeout, version=version)

    def delete(self, key, version=None):
        return self._appel("delete", False, key, version=version)

    def get_many(self, keys, version=None):
        return self._appel("get_many", {}, keys, version=version)

    def has_key(self, key, version=None):
        return self._appel("has_key", False, key, version=version)

    def incr(self, key, delta=1, version=None):
        return self._appel("incr", delta, key, delta, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._appel("set_many", [], data, timeout, version=version)

    def delete_many(self, keys, version=None):
        return self._appel("delete_many", None, keys, version=version)

    def clear(self):
        return self._appel("clear", None)

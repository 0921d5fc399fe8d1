"""Réglages du banc : ceux de la production, plus la vue nue de comparaison (montée seulement ici).

Lus par gunicorn, par le worker Celery et par le pilote du banc (`python -m outils.bench`).
"""

import copy
import os

from portail.settings.prod import *  # noqa: F403
from portail.settings.prod import CACHES

ROOT_URLCONF = "outils.bench.urls"

# Cache partagé (Redis de REDIS_URL), sous un préfixe propre à chaque passage du banc.
CACHES = copy.deepcopy(CACHES)
CACHES["default"]["KEY_PREFIX"] = os.environ.get("BANC_PREFIXE_CACHE", "banc")

# Reprise rapide après la mort d'un processus du worker (5 s au lieu de 5 et 15 min) : le banc mesure
# que rien n'est perdu ni envoyé deux fois, sans attendre les baux de production.
COURRIELS_BAIL_SECONDES = 5
COURRIELS_BAIL_SMTP_SECONDES = 5
COURRIELS_DELAI_BALAYAGE_SECONDES = 5

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# Fichiers statiques : noms versionnés par le manifeste comme en production (même coût de `{% static %}`),
# sans la compression gzip/brotli de WhiteNoise (plusieurs minutes de collectstatic, sans effet sur les pages).
STATIC_ROOT = BASE_DIR / "staticfiles-banc"  # noqa: F405
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "portail.statiques.ManifesteMemorise"},
}

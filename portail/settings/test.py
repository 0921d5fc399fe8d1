"""Tests : base réelle (SQLite ou PostgreSQL selon DATABASE_URL), courriels en mémoire."""

from .base import *  # noqa: F403

SECRET_KEY = "cle-de-test"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
DSFR_USE_INTEGRITY_CHECKSUMS = False
# Chaque test voit ses propres données : ni pages publiques ni configuration du site gardées d'un test à
# l'autre (les tests de portail/cache.py les activent).
PAGES_PUBLIQUES_EN_CACHE = False
CONFIGURATION_SITE_SECONDES = 0

# SQLite : base de test dans un fichier propre au processus (et non en mémoire), pour que les tests
# d'intégration puissent la partager avec un vrai worker Celery (tests/integration/).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    import os
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"portail-test-{os.getpid()}.sqlite3")
    }
    # Base jetable : pas d'attente d'écriture disque (fsync) à chaque COMMIT.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA synchronous=OFF;"  # noqa: F405

# Fichiers statiques servis depuis les sources, sans collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

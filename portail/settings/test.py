"""Tests : base réelle (SQLite ou PostgreSQL selon DATABASE_URL), courriels en mémoire."""

from .base import *  # noqa: F403

SECRET_KEY = "cle-de-test"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DSFR_USE_INTEGRITY_CHECKSUMS = False

# Fichiers statiques servis depuis les sources, sans collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

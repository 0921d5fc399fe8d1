"""Production : tout vient de l'environnement, rien n'a de valeur par défaut dangereuse."""

import os

from .base import *  # noqa: F403
from .base import env, env_bool

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = False
SECURE_SSL_REDIRECT = env_bool("DJANGO_REDIRECTION_HTTPS", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(env("DJANGO_HSTS_SECONDES", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

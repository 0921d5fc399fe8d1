"""Production : tout vient de l'environnement, rien n'a de valeur par défaut dangereuse.

`manage.py check --deploy --fail-level WARNING --settings=portail.settings.prod` doit passer sans
avertissement ni silence (voir docs/securite.md).
"""

import os

from .base import *  # noqa: F403
from .base import SECURE_CSP, STOCKAGE_FICHIERS, env, env_bool

# Obligatoires : le démarrage échoue s'ils manquent.
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
ALLOWED_HOSTS = [h.strip() for h in os.environ["DJANGO_ALLOWED_HOSTS"].split(",") if h.strip()]
DEBUG = False

# HTTPS partout : le proxy frontal transmet X-Forwarded-Proto.
SECURE_SSL_REDIRECT = env_bool("DJANGO_REDIRECTION_HTTPS", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(env("DJANGO_HSTS_SECONDES", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

# Cookies : Secure, HttpOnly, préfixe __Host- (ni Domain ni sous-chemin, HTTPS imposé par le navigateur).
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
SESSION_COOKIE_PATH = "/"
CSRF_COOKIE_PATH = "/"
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None

# En-têtes (déjà posés dans base.py, rappelés ici parce qu'ils sont exigés en production).
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CSP = {**SECURE_CSP, "upgrade-insecure-requests": True}

STORAGES = {
    "default": STOCKAGE_FICHIERS,
    "staticfiles": {"BACKEND": "portail.statiques.ManifesteCompresseMemorise"},
}
# collectstatic réécrit les url() des CSS du DSFR (noms versionnés) : leurs empreintes SRI figées dans
# django-dsfr ne correspondent plus et le navigateur bloquerait les feuilles (tests/e2e/test_statiques_production.py).
DSFR_USE_INTEGRITY_CHECKSUMS = False

# Derrière un proxy inverse, nombre de proxys de confiance : sans cela, les limiteurs et le journal
# d'audit verraient l'adresse du proxy pour tous les usagers (portail/reseau.py).
NOMBRE_PROXYS_DE_CONFIANCE = int(env("DJANGO_NOMBRE_PROXYS_DE_CONFIANCE", "1"))
ALLAUTH_TRUSTED_PROXY_COUNT = NOMBRE_PROXYS_DE_CONFIANCE

"""Mode embarqué (make run) : SQLite, tâches dans le processus, courriels dans un dossier."""

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = True
CELERY_TASK_ALWAYS_EAGER = True
# Courriels écrits en fichiers, lisibles décodés sur /dev/courriels/ (portail/courriels_dev.py).
DOSSIER_COURRIELS_DEV = env("DOSSIER_COURRIELS", str(BASE_DIR / "courriels"))
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": DOSSIER_COURRIELS_DEV},
    }
}

# localhost et 127.0.0.1 mènent au même portail : toute autre adresse locale est redirigée vers celle de
# URL_PORTAIL, la seule inscrite chez les fournisseurs OIDC (URI de retour exactes).
MIDDLEWARE = [MIDDLEWARE[0], "portail.middleware.AdresseLocaleCanoniqueMiddleware", *MIDDLEWARE[1:]]  # noqa: F405

# Fichiers statiques servis depuis les sources, sans collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

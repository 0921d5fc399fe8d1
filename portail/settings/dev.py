"""Mode embarqué (make run) : SQLite, tâches dans le processus, courriels dans un dossier."""

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = True
CELERY_TASK_ALWAYS_EAGER = True
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": env("DOSSIER_COURRIELS", str(BASE_DIR / "courriels"))},
    }
}

# Fichiers statiques servis depuis les sources, sans collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portail.settings.prod")
application = get_wsgi_application()

# Analyse des fichiers déposés : le sous-processus d'analyse est prêt avant le premier dépôt (docs/fichiers.md).
from portail.fichiers import demarrer_analyseur  # noqa: E402

demarrer_analyseur()

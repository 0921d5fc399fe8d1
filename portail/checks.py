"""Vérifications au démarrage (`manage.py check`, `runserver`) : l'antivirus des pièces déposées."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

MESSAGE_SANS_ANTIVIRUS = (
    "Analyse antivirus désactivée (CLAMAV_SOCKET vide) : les pièces déposées sont acceptées sans être "
    "analysées par ClamAV."
)
AIDE = "Installez clamav-daemon et indiquez sa socket : CLAMAV_SOCKET=/run/clamav/clamd.ctl (docs/fichiers.md)."


@register(Tags.security)
def antivirus_configure(app_configs, **kwargs):
    """Sans antivirus : un avertissement au démarrage (mode embarqué)."""
    if getattr(settings, "CLAMAV_SOCKET", ""):
        return []
    return [Warning(MESSAGE_SANS_ANTIVIRUS, hint=AIDE, id="portail.W001")]


@register(Tags.security, deploy=True)
def antivirus_obligatoire_en_production(app_configs, **kwargs):
    """En production (`check --deploy`), l'absence d'antivirus est une erreur."""
    if getattr(settings, "CLAMAV_SOCKET", ""):
        return []
    return [Error(MESSAGE_SANS_ANTIVIRUS + " Interdit en production.", hint=AIDE, id="portail.E001")]

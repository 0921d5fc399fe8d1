"""Stockages des fichiers statiques dont les URL sont calculées une fois par processus.

Le manifeste (noms versionnés) ne change pas pendant la vie d'un processus : `{% static %}`, appelé une
vingtaine de fois par page (feuilles et scripts du DSFR, favicons, icônes), n'a pas à refaire la recherche
dans le manifeste, le découpage et le ré-encodage de l'URL à chaque fois (docs/performance.md).
"""

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class UrlsMemorisees:
    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        urls = self.__dict__.setdefault("_urls_memorisees", {})
        try:
            return urls[name]
        except KeyError:
            url = urls[name] = super().url(name)
            return url


class ManifesteMemorise(UrlsMemorisees, ManifestStaticFilesStorage):
    """Manifeste versionné, sans compression (banc de mesure)."""


class ManifesteCompresseMemorise(UrlsMemorisees, CompressedManifestStaticFilesStorage):
    """Production : manifeste versionné et compression de WhiteNoise."""

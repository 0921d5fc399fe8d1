"""Pages publiques servies depuis le cache partagé, et configuration du site (django-dsfr) en mémoire.

Une page publique qui ne dépend pas du visiteur (accueil, pages légales, début du test d'éligibilité…)
est rendue une fois puis servie depuis le cache tant que le visiteur est anonyme et sans session : aucune
requête SQL, aucune session créée, pas de nonce CSP (ces pages n'ont aucun script en ligne : leurs
scripts viennent de notre origine, autorisée par `script-src 'self'`). Dès qu'un visiteur a une session
(connecté, test d'éligibilité commencé) ou un message à lire, la page est rendue normalement pour lui.

Voir docs/performance.md.
"""

import logging
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse

logger = logging.getLogger(__name__)

DUREE_PAGES = 300
# Premier niveau, dans la mémoire du processus : une page chaude est servie sans aller-retour vers Redis.
# Courte durée : une page changée (déploiement, FAQ modifiée) se voit partout au plus tard après ce délai.
DUREE_PAGES_LOCALES = 10
_pages_locales: dict[str, tuple[float, bytes]] = {}


def oublier_pages_locales():
    _pages_locales.clear()


def _version():
    """Change à chaque déploiement : empreinte du manifeste des fichiers statiques et VERSION_PORTAIL."""
    from django.contrib.staticfiles.storage import staticfiles_storage

    empreinte = getattr(staticfiles_storage, "manifest_hash", "") or ""
    return f"{getattr(settings, 'VERSION_PORTAIL', '')}:{empreinte}"


def _visiteur_sans_etat(request):
    return (
        getattr(settings, "PAGES_PUBLIQUES_EN_CACHE", True)
        and request.method in ("GET", "HEAD")
        and not request.GET
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and getattr(settings, "MESSAGE_COOKIE_NAME", "messages") not in request.COOKIES
    )


def _reponse_partageable(request, reponse):
    session = getattr(request, "session", None)
    return (
        reponse.status_code == 200
        and not reponse.streaming
        and not reponse.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not (session is not None and session.modified)
    )


def _garder_localement(cle, contenu, maintenant):
    if len(_pages_locales) > 200:  # quelques dizaines de pages publiques : borne de sûreté
        _pages_locales.clear()
    _pages_locales[cle] = (maintenant + DUREE_PAGES_LOCALES, contenu)


def page_publique(vue):
    """Décorateur : sert la page depuis le cache pour un visiteur anonyme sans session."""

    @wraps(vue)
    def enveloppe(request, *args, **kwargs):
        if not _visiteur_sans_etat(request):
            return vue(request, *args, **kwargs)
        cle = f"page:{_version()}:{request.path}"
        maintenant = time.monotonic()
        locale = _pages_locales.get(cle)
        if locale is not None and locale[0] > maintenant:
            return HttpResponse(locale[1], content_type="text/html; charset=utf-8")
        try:
            contenu = cache.get(cle)
        except Exception:  # cache indisponible : la page est rendue normalement
            logger.warning("Cache des pages publiques indisponible.", exc_info=True)
            return vue(request, *args, **kwargs)
        if contenu is not None:
            _garder_localement(cle, contenu, maintenant)
            return HttpResponse(contenu, content_type="text/html; charset=utf-8")
        # Aucun script en ligne sur ces pages : pas de nonce, ni dans la page ni dans l'en-tête CSP.
        request.csp_nonce = ""
        reponse = vue(request, *args, **kwargs)
        if hasattr(reponse, "render") and callable(reponse.render):
            reponse = reponse.render()
        if _reponse_partageable(request, reponse):
            _garder_localement(cle, reponse.content, maintenant)
            try:
                cache.set(cle, reponse.content, DUREE_PAGES)
            except Exception:
                logger.warning("Cache des pages publiques indisponible.", exc_info=True)
        return reponse

    return enveloppe


# --- Configuration du site (django-dsfr) ------------------------------------------------------------
# Le processeur de contexte de django-dsfr fait deux requêtes par page (aucune ligne de configuration n'existe) ;
# la configuration change rarement (administration) : gardée en mémoire 60 s, oubliée dès qu'elle est modifiée.

_configuration = {"valeur": None, "expire": 0.0}


def configuration_du_site():
    from django.utils.translation import get_language
    from dsfr.models import DsfrConfig

    maintenant = time.monotonic()
    if maintenant >= _configuration["expire"]:
        config = DsfrConfig.objects.filter(language=get_language()).first() or DsfrConfig.objects.first()
        duree = getattr(settings, "CONFIGURATION_SITE_SECONDES", 60)
        _configuration.update(valeur=config, expire=maintenant + duree)
    return _configuration["valeur"]


def oublier_configuration(**kwargs):
    _configuration["expire"] = 0.0


def brancher_signaux():
    from dsfr.models import DsfrConfig

    post_save.connect(oublier_configuration, sender=DsfrConfig, dispatch_uid="portail.cache.configuration")
    post_delete.connect(oublier_configuration, sender=DsfrConfig, dispatch_uid="portail.cache.configuration_sup")

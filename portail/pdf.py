"""Rendu de documents PDF depuis des gabarits HTML, avec WeasyPrint, sans aucun accès réseau.

Seules les ressources locales sont lues : fichiers statiques du portail (polices Marianne du DSFR,
images) et URL `data:`. Toute autre adresse (http, https, ftp, fichier hors des dossiers statiques)
est refusée par le récupérateur d'URL.
"""

import hashlib
import logging
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.db import transaction
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)
# WeasyPrint et fontTools journalisent chaque étape au niveau INFO : seulement les avertissements.
for _nom in ("weasyprint.progress", "fontTools"):
    if logging.getLogger(_nom).level == logging.NOTSET:
        logging.getLogger(_nom).setLevel(logging.WARNING)

# À incrémenter si le rendu change sans que le HTML change (mise à jour de WeasyPrint, des polices…).
VERSION_RENDU = "1"
DUREE_CACHE = 60 * 60 * 24 * 30

POLICES = {
    "marianne_regulier": "dsfr/dist/fonts/Marianne-Regular.woff2",
    "marianne_italique": "dsfr/dist/fonts/Marianne-Regular_Italic.woff2",
    "marianne_gras": "dsfr/dist/fonts/Marianne-Bold.woff2",
}


class AccesRefuse(ValueError):
    pass


def _dossiers_autorises():
    dossiers = [Path(d) for d in settings.STATICFILES_DIRS]
    if settings.STATIC_ROOT:
        dossiers.append(Path(settings.STATIC_ROOT))
    for police in POLICES.values():
        chemin = finders.find(police)
        if chemin:
            dossiers.append(Path(chemin).parent)
    return [d.resolve() for d in dossiers]


def url_fichier_statique(chemin_statique):
    """« dsfr/dist/fonts/… » → « file:///…/Marianne-Regular.woff2 » (ou "" si introuvable)."""
    chemin = finders.find(chemin_statique)
    return Path(chemin).resolve().as_uri() if chemin else ""


def _base_url():
    racine = Path(settings.STATIC_ROOT) if settings.STATIC_ROOT and Path(settings.STATIC_ROOT).is_dir() else None
    racine = racine or Path(settings.STATICFILES_DIRS[0])
    return racine.resolve().as_uri() + "/"


def _weasyprint():
    """Importe WeasyPrint (lent : Pango, fontconfig) en annulant son réglage global de Pillow.

    À l'import, WeasyPrint fait `PIL.ImageFile.LOAD_TRUNCATED_IMAGES = True` pour tout le processus :
    les images tronquées déposées par les usagers seraient alors acceptées par portail.fichiers. Nos
    PDF n'intègrent que nos propres images : on rétablit la valeur par défaut de Pillow.
    """
    import weasyprint
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return weasyprint


def _recuperateur():
    _weasyprint()
    from weasyprint.urls import URLFetcher

    class RecuperateurLocal(URLFetcher):
        """N'ouvre que des fichiers statiques locaux et des URL data: ; jamais le réseau."""

        def __init__(self):
            super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False, timeout=1)
            self._dossiers = _dossiers_autorises()

        def fetch(self, url, headers=None):
            morceaux = urlsplit(url)
            if morceaux.scheme == "data":
                return super().fetch(url, headers)
            if morceaux.scheme != "file" or morceaux.netloc not in ("", "localhost"):
                logger.warning("PDF : ressource externe refusée : %s", url)
                raise AccesRefuse(f"Ressource externe refusée : {url}")
            chemin = Path(unquote(morceaux.path)).resolve()
            if not any(chemin.is_relative_to(d) for d in self._dossiers):
                logger.warning("PDF : fichier hors des dossiers statiques refusé : %s", url)
                raise AccesRefuse(f"Fichier non autorisé : {url}")
            return super().fetch(url, headers)

    return RecuperateurLocal()


def _lire_cache(cle):
    try:
        # Point de sauvegarde : l'échec d'un cache en base n'interrompt pas la transaction en cours.
        with transaction.atomic():
            return cache.get(cle)
    except Exception:  # cache indisponible (table absente, Redis arrêté) : on rend sans cache
        logger.warning("PDF : cache indisponible en lecture", exc_info=True)
        return None


def _ecrire_cache(cle, contenu):
    try:
        with transaction.atomic():
            cache.set(cle, contenu, DUREE_CACHE)
    except Exception:
        logger.warning("PDF : cache indisponible en écriture", exc_info=True)


def _contexte(contexte):
    return {
        **(contexte or {}),
        "polices": {nom: url_fichier_statique(chemin) for nom, chemin in POLICES.items()},
    }


def rendre_html(gabarit, contexte=None):
    return render_to_string(gabarit, _contexte(contexte))


def empreinte_pdf(gabarit, contexte=None, feuilles_de_style=()) -> str:
    """Empreinte du HTML et du CSS rendus (rapide, sans WeasyPrint) : nomme un PDF d'après son contenu."""
    contexte = _contexte(contexte)
    morceaux = [VERSION_RENDU, gabarit, render_to_string(gabarit, contexte)]
    morceaux += [render_to_string(nom, contexte) for nom in feuilles_de_style]
    return hashlib.sha256("\n\x00".join(morceaux).encode()).hexdigest()[:24]


def rendre_pdf(gabarit, contexte=None, *, feuilles_de_style=(), en_cache=False, balise=False) -> bytes:
    """Rend le gabarit HTML en PDF et renvoie ses octets.

    `feuilles_de_style` : gabarits CSS rendus avec le même contexte (la variable `polices` donne les URL
    locales des polices Marianne) et passés à WeasyPrint à part : les gabarits HTML restent sans `<style>`.

    `en_cache=True` garde le PDF dans le cache Django, sous une clé tirée du HTML et du CSS rendus : un
    contenu modifié donne un nouveau PDF, un contenu inchangé est servi sans nouveau rendu. À réserver aux
    documents sans donnée personnelle (guides, notices) : les courriers individuels ne sont pas mis en cache.

    `balise=True` produit un PDF balisé (structure des titres, paragraphes, tableaux : option `pdf_tags` de
    WeasyPrint), lisible par les lecteurs d'écran ; utilisé par les courriers (precontentieux/courriers.py).
    """
    contexte = _contexte(contexte)
    html = render_to_string(gabarit, contexte)
    feuilles = [render_to_string(nom, contexte) for nom in feuilles_de_style]
    cle = None
    if en_cache:
        empreinte = hashlib.sha256(
            "\n\x00".join([VERSION_RENDU, str(balise), gabarit, html, *feuilles]).encode()
        ).hexdigest()
        cle = f"pdf:{empreinte}"
        contenu = _lire_cache(cle)
        if contenu is not None:
            return contenu

    debut = time.perf_counter()  # inclut le premier import de WeasyPrint (Pango, fontconfig) : 2 à 4 s
    weasyprint = _weasyprint()
    from weasyprint.text.fonts import FontConfiguration

    base_url, recuperateur = _base_url(), _recuperateur()
    polices = FontConfiguration()  # nécessaire aux @font-face des feuilles de style passées à part
    contenu = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=recuperateur).write_pdf(
        stylesheets=[
            weasyprint.CSS(string=css, base_url=base_url, url_fetcher=recuperateur, font_config=polices)
            for css in feuilles
        ],
        font_config=polices,
        pdf_tags=balise,
    )
    duree = time.perf_counter() - debut
    logger.info("PDF %s rendu en %.2f s (%d octets)", gabarit, duree, len(contenu))
    if cle:
        _ecrire_cache(cle, contenu)
    return contenu


def reponse_en_preparation(request, titre, url_retour, libelle_retour):
    """Page « en cours de préparation » (202) : aucun PDF n'est jamais rendu pendant une requête web."""
    from django.shortcuts import render

    reponse = render(
        request,
        "portail/document_en_preparation.html",
        {
            "titre": titre,
            "url_reessayer": request.get_full_path(),
            "url_retour": url_retour,
            "libelle_retour": libelle_retour,
        },
        status=202,
    )
    reponse["Retry-After"] = "5"
    return reponse


def confier(tache, *args):
    """Confie la préparation d'un PDF au worker. Ne lève jamais : la page invite à réessayer."""
    try:
        tache.delay(*args)
    except Exception:
        logger.exception("Préparation du PDF (%s %s) impossible à confier au worker.", tache.name, args)

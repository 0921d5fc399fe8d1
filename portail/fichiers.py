"""Fichiers déposés : vérification par le contenu, nettoyage, stockage privé et téléchargement.

Utilisé par les pièces jointes des déclarations (forces de l'ordre) et des demandes (usagers).
Les règles et leurs raisons sont décrites dans `docs/fichiers.md`.

- `verifier_fichier(fichier)` → `FichierVerifie` ou lève `FichierRefuse` (une `ValidationError`
  au message français, prête à afficher sous le champ) ;
- `enregistrer_prive(fichier_verifie, dossier)` → nom de stockage aléatoire ;
- `reponse_telechargement(nom_stockage, nom_affiche, type_mime)` → `FileResponse` en pièce jointe,
  à appeler depuis une vue qui a déjà vérifié les droits.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import logging
import multiprocessing
import re
import resource
import secrets
import signal
import unicodedata
import warnings
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404

TAILLE_MAX_DEFAUT = 10 * 1024 * 1024
TYPES_PAR_DEFAUT = ("pdf", "jpeg", "png", "heic")

# Type détecté → (type MIME servi, extension du fichier rangé). Les HEIC sont convertis en JPEG.
TYPES_MIME = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}
EXTENSIONS = {"pdf": "pdf", "jpeg": "jpg", "png": "png"}
LIBELLES = {"pdf": "PDF", "jpeg": "JPEG", "png": "PNG", "heic": "HEIC"}

QUALITE_JPEG = 90
# Marques ISO BMFF (boîte `ftyp`) des images HEIF/HEIC produites par les téléphones.
MARQUES_HEIF = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
MARQUES_HEIF_GENERIQUES = {b"mif1", b"msf1"}  # aussi portées par les AVIF, refusés
MARQUES_AVIF = {b"avif", b"avis"}
# Au-delà, l'analyse d'un PDF est abandonnée (fichier anormalement complexe).
OBJETS_PDF_MAX = 200_000
LONGUEUR_NOM_MAX = 100
# Taille maximale lue d'un fichier XML joint à une facture électronique (Factur-X).
TAILLE_XML_JOINT_MAX = 5 * 1024 * 1024

logger = logging.getLogger(__name__)


class FichierRefuse(ValidationError):
    """Fichier refusé ; le message, en français, nomme le fichier et la raison ou la limite."""

    def __init__(self, message, code="fichier_refuse", params=None):
        super().__init__(message, code=code, params=params)

    @property
    def message_affiche(self):
        return self.messages[0]


@dataclass(frozen=True)
class FichierVerifie:
    """Fichier accepté, prêt à être enregistré.

    `contenu` est ce qui sera rangé : l'image ré-encodée (sans métadonnées) ou le PDF d'origine.
    `extension` est sans point (`pdf`, `jpg`, `png`) ; `nom` est un nom d'affichage sûr, dérivé du nom
    d'origine, dont l'extension correspond au type réel.
    """

    contenu: bytes
    type_mime: str
    extension: str
    nom: str
    taille: int

    @property
    def empreinte_sha256(self) -> str:
        return hashlib.sha256(self.contenu).hexdigest()


@dataclass(frozen=True)
class Limites:
    """Budget d'une analyse : lu dans les réglages à chaque appel (voir `docs/fichiers.md`).

    `pixels_max` et `pages_max` sont vérifiés AVANT le décodage (en-tête de l'image, `/Count` de
    l'arbre des pages) ; `memoire_octets`, `temps_cpu` et `duree_max` bornent le sous-processus
    d'analyse (RLIMIT_AS, RLIMIT_CPU, attente du processus parent).
    """

    pixels_max: int = 50_000_000
    pages_max: int = 500
    memoire_octets: int = 1024 * 1024 * 1024
    temps_cpu: int = 20
    duree_max: float = 30.0
    isolee: bool = True

    @classmethod
    def depuis_reglages(cls):
        defaut = cls()
        return cls(
            pixels_max=getattr(settings, "FICHIERS_PIXELS_MAX", defaut.pixels_max),
            pages_max=getattr(settings, "FICHIERS_PAGES_PDF_MAX", defaut.pages_max),
            memoire_octets=getattr(settings, "FICHIERS_ANALYSE_MEMOIRE_MO", defaut.memoire_octets // 2**20) * 2**20,
            temps_cpu=getattr(settings, "FICHIERS_ANALYSE_TEMPS_CPU", defaut.temps_cpu),
            duree_max=getattr(settings, "FICHIERS_ANALYSE_DUREE_MAX", defaut.duree_max),
            isolee=getattr(settings, "FICHIERS_ANALYSE_ISOLEE", defaut.isolee),
        )


# --- Noms --------------------------------------------------------------------------------------


def nettoyer_nom(nom: str | None, defaut: str = "document") -> str:
    """Nom d'affichage sûr : sans chemin, sans caractères de contrôle ni réservés, longueur bornée."""
    nom = unicodedata.normalize("NFC", str(nom or ""))
    nom = re.split(r"[/\\]", nom)[-1]
    nom = "".join(" " if unicodedata.category(c)[0] in ("C", "Z") else c for c in nom if c not in '<>:"|?*')
    nom = re.sub(r"\s+", " ", nom).strip(" .")
    if len(nom) > LONGUEUR_NOM_MAX:
        nom = nom[: LONGUEUR_NOM_MAX - 1].rstrip(" .") + "…"
    return nom or defaut


def _nom_avec_extension(nom_origine: str, extension: str) -> str:
    base = nettoyer_nom(nom_origine)
    if "." in base.strip("."):
        base = base.rsplit(".", 1)[0].rstrip(" .") or "document"
    base = base[: LONGUEUR_NOM_MAX - len(extension) - 1]
    return f"{base}.{extension}"


def _taille_lisible(octets: int) -> str:
    mo = octets / (1024 * 1024)
    if mo >= 1:
        texte = f"{mo:.0f}" if mo == int(mo) else f"{mo:.1f}".replace(".", ",")
        return f"{texte} Mo"
    return f"{max(1, round(octets / 1024))} Ko"


def _liste_formats(types_autorises) -> str:
    libelles = [LIBELLES[t] for t in TYPES_PAR_DEFAUT if t in types_autorises]
    if len(libelles) == 1:
        return f"seul le format {libelles[0]} l’est"
    return "seuls les " + ", ".join(libelles[:-1]) + " et " + libelles[-1] + " le sont"


# --- Vérification ------------------------------------------------------------------------------


def verifier_fichier(fichier, *, types_autorises=TYPES_PAR_DEFAUT, taille_max=TAILLE_MAX_DEFAUT) -> FichierVerifie:
    """Vérifie un fichier déposé (`UploadedFile`) d'après son contenu ; lève `FichierRefuse`."""
    inconnus = set(types_autorises) - set(LIBELLES)
    if inconnus:
        raise ValueError(f"Types inconnus : {sorted(inconnus)}")
    nom_origine = getattr(fichier, "name", "") or ""
    nom = nettoyer_nom(nom_origine)
    limite = _taille_lisible(taille_max)

    # 1. Taille : celle annoncée par Django, puis une lecture bornée (jamais plus que la limite + 1 octet).
    taille_annoncee = getattr(fichier, "size", None)
    if taille_annoncee is not None and taille_annoncee > taille_max:
        raise FichierRefuse(f"Le fichier « {nom} » dépasse la taille maximale de {limite}.", code="taille")
    if hasattr(fichier, "seek"):
        fichier.seek(0)
    contenu = fichier.read(taille_max + 1)
    if len(contenu) > taille_max:
        raise FichierRefuse(f"Le fichier « {nom} » dépasse la taille maximale de {limite}.", code="taille")
    if not contenu:
        raise FichierRefuse(f"Le fichier « {nom} » est vide.", code="vide")

    # 2. Type : d'après les premiers octets seulement, jamais d'après le type ou le nom envoyés.
    type_detecte = detecter_type(contenu)
    if type_detecte not in types_autorises:
        raise FichierRefuse(
            f"Le format de « {nom} » n’est pas accepté : {_liste_formats(types_autorises)}.", code="format"
        )

    # 3. Analyse complète selon le type, dans un sous-processus borné en mémoire et en temps.
    contenu, type_final = analyser(contenu, type_detecte, nom)

    return FichierVerifie(
        contenu=contenu,
        type_mime=TYPES_MIME[type_final],
        extension=EXTENSIONS[type_final],
        nom=_nom_avec_extension(nom_origine, EXTENSIONS[type_final]),
        taille=len(contenu),
    )


# --- Quotas ------------------------------------------------------------------------------------


def recevoir_fichier(fichier, utilisateur, *, pieces=None, **options) -> FichierVerifie:
    """Quotas du compte puis `verifier_fichier` : ce que les vues appellent pour chaque fichier reçu.

    - au plus `QUOTA_TELEVERSEMENTS_PAR_HEURE` fichiers reçus par compte et par heure glissante, acceptés
      ou refusés (chaque tentative est journalisée dans `Televersement` AVANT l'analyse, qui a un coût) ;
    - `pieces` (queryset des pièces déjà jointes à la demande ou à la déclaration) : le total ne dépasse
      pas `QUOTA_OCTETS_PAR_DEMANDE`.
    """
    from django.db.models import Sum
    from django.utils import timezone

    from portail.enums import EtatAnalyse
    from portail.models import Televersement

    nom = nettoyer_nom(getattr(fichier, "name", ""))
    taille = getattr(fichier, "size", None) or 0
    par_heure = settings.QUOTA_TELEVERSEMENTS_PAR_HEURE
    depuis = timezone.now() - datetime.timedelta(hours=1)
    if Televersement.objects.filter(utilisateur=utilisateur, recu_le__gte=depuis).count() >= par_heure:
        raise FichierRefuse(
            f"Le fichier « {nom} » n’a pas été envoyé : vous avez déjà envoyé {par_heure} "
            f"fichier{'s' if par_heure > 1 else ''} dans l’heure, le maximum autorisé. Réessayez dans une heure.",
            code="quota_horaire",
        )
    Televersement.objects.create(utilisateur=utilisateur, taille=taille)
    if pieces is not None:
        maximum = settings.QUOTA_OCTETS_PAR_DEMANDE
        deja = pieces.exclude(etat_analyse=EtatAnalyse.INFECTEE).aggregate(total=Sum("taille"))["total"] or 0
        if deja + taille > maximum:
            raise FichierRefuse(
                f"Le fichier « {nom} » n’a pas été ajouté : l’ensemble des documents ne peut pas dépasser "
                f"{_taille_lisible(maximum)} (déjà {_taille_lisible(deja)}). Retirez des documents inutiles ou "
                "réduisez la taille des fichiers.",
                code="quota_octets",
            )
    return verifier_fichier(fichier, **options)


# --- Analyse -----------------------------------------------------------------------------------


def analyser(contenu: bytes, type_detecte: str, nom: str, limites: Limites | None = None) -> tuple[bytes, str]:
    """Analyse complète (décodage de l'image, lecture du PDF) ; renvoie (contenu à ranger, type final).

    Par défaut dans un sous-processus à part : un fichier piégé épuise la mémoire ou le temps de ce
    processus-là, jamais ceux du serveur qui traite la requête.
    """
    limites = limites or Limites.depuis_reglages()
    if not limites.isolee:
        return _analyser(contenu, type_detecte, nom, limites)
    return _analyser_isole(contenu, type_detecte, nom, limites)


def _analyser(contenu, type_detecte, nom, limites):
    if type_detecte == "pdf":
        _verifier_pdf(contenu, nom, limites.pages_max)
        return contenu, "pdf"
    return _nettoyer_image(contenu, type_detecte, nom, limites.pixels_max)


# --- Sous-processus d'analyse ----------------------------------------------------------------------

# Modules chargés une fois par le serveur de processus (« forkserver ») : chaque analyse part d'une
# copie déjà prête, sans fils d'exécution ni connexion à la base héritée du serveur web.
_MODULES_PRECHARGES = [
    "portail.fichiers",
    "PIL.Image",
    "PIL.PngImagePlugin",
    "PIL.JpegImagePlugin",
    "pypdf",
    "pillow_heif",
    "defusedxml.ElementTree",
]
_contexte = None


def _contexte_processus():
    global _contexte
    if _contexte is None:
        contexte = multiprocessing.get_context("forkserver")
        contexte.set_forkserver_preload(_MODULES_PRECHARGES)
        _contexte = contexte
    return _contexte


def demarrer_analyseur(*, attendre: bool = False) -> None:
    """Démarre le serveur de processus d'analyse (et ses modules préchargés) sans attendre un premier fichier.

    Appelé au démarrage du serveur web (`portail/wsgi.py`), dans un fil d'exécution à part : sinon le
    premier fichier déposé après un démarrage paie le lancement de l'interpréteur et le chargement de
    Pillow et pypdf (plusieurs secondes sur une machine chargée).
    """
    import threading

    if not Limites.depuis_reglages().isolee:
        return

    def chauffer():
        try:
            analyser(_PNG_MINUSCULE, "png", "demarrage.png")
        except Exception:  # le démarrage ne doit jamais échouer pour cela ; le premier dépôt réessaiera
            logger.exception("Démarrage de l'analyseur de fichiers impossible.")

    if attendre:
        chauffer()
    else:
        threading.Thread(target=chauffer, name="demarrage-analyseur", daemon=True).start()


# PNG d'un pixel (67 octets) : la plus petite analyse possible, pour démarrer l'analyseur.
_PNG_MINUSCULE = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001"
    "0d0a2db40000000049454e44ae426082"
)


def _memoire_virtuelle_actuelle() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as statut:
            for ligne in statut:
                if ligne.startswith("VmSize:"):
                    return int(ligne.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _appliquer_limites(limites: Limites) -> None:
    """Dans le sous-processus : plafonds de mémoire (en plus de l'existant), de temps processeur, pas de core."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (limites.temps_cpu, limites.temps_cpu + 1))
    plafond = _memoire_virtuelle_actuelle() + limites.memoire_octets
    resource.setrlimit(resource.RLIMIT_AS, (plafond, plafond))


def _enfant(connexion, contenu, type_detecte, nom, limites):
    try:
        _appliquer_limites(limites)
        resultat = _analyser(contenu, type_detecte, nom, limites)
        del contenu
        connexion.send(("ok", *resultat))
    except FichierRefuse as refus:
        connexion.send(("refus", refus.message_affiche, refus.code))
    except MemoryError:
        connexion.send(("memoire", "", ""))
    except BaseException:  # noqa: BLE001 : toute autre panne de l'analyse = fichier inanalysable
        connexion.send(("impossible", "", ""))
    finally:
        connexion.close()


def _analyser_isole(contenu, type_detecte, nom, limites):
    contexte = _contexte_processus()
    recepteur, emetteur = contexte.Pipe(duplex=False)
    processus = contexte.Process(
        target=_enfant, args=(emetteur, contenu, type_detecte, nom, limites), daemon=True, name="analyse-fichier"
    )
    processus.start()
    emetteur.close()
    try:
        if recepteur.poll(limites.duree_max):
            try:
                resultat = recepteur.recv()
            except EOFError:  # le processus est mort sans répondre (limite de temps processeur, signal)
                resultat = None
        else:
            resultat = ("delai", "", "")
    finally:
        if processus.is_alive():
            processus.kill()
        processus.join(5)
        recepteur.close()
    if resultat is None:
        signaux_temps = {-signal.SIGXCPU, -signal.SIGKILL}
        resultat = ("delai" if processus.exitcode in signaux_temps else "impossible", "", "")
    etat, premier, second = resultat
    if etat == "ok":
        return premier, second
    if etat == "refus":
        raise FichierRefuse(premier, code=second)
    logger.warning("Analyse de fichier interrompue (%s, code de sortie %s).", etat, processus.exitcode)
    raise _refus_limite(etat, nom, limites)


def _refus_limite(etat, nom, limites):
    if etat == "delai":
        return FichierRefuse(
            f"L’analyse du fichier « {nom} » a dépassé le temps autorisé ({limites.temps_cpu} secondes) : "
            "il est trop complexe. Réduisez sa définition ou son nombre de pages, puis déposez-le à nouveau.",
            code="analyse_delai",
        )
    if etat == "memoire":
        return FichierRefuse(
            f"L’analyse du fichier « {nom} » demande plus que la mémoire autorisée "
            f"({limites.memoire_octets // 2**20} Mo) : il est trop complexe. Réduisez sa définition ou son "
            "nombre de pages, puis déposez-le à nouveau.",
            code="analyse_memoire",
        )
    return FichierRefuse(
        f"Le fichier « {nom} » n’a pas pu être analysé : il est peut-être endommagé.", code="analyse_impossible"
    )


def detecter_type(contenu: bytes) -> str | None:
    """Type d'après les octets magiques : `pdf`, `jpeg`, `png`, `heic` ou None."""
    if contenu.startswith(b"%PDF-"):
        return "pdf"
    if contenu.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if contenu.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(contenu) >= 16 and contenu[4:8] == b"ftyp":
        taille_boite = int.from_bytes(contenu[0:4], "big")
        fin = min(taille_boite, len(contenu), 4096) if taille_boite >= 16 else 16
        majeure = contenu[8:12]
        marques = {majeure} | {contenu[i : i + 4] for i in range(16, fin - 3, 4)}
        if marques & (MARQUES_HEIF - MARQUES_HEIF_GENERIQUES):
            return "heic"
        if majeure in MARQUES_HEIF_GENERIQUES and not marques & MARQUES_AVIF:
            return "heic"  # HEIF générique : le décodeur tranchera
    return None


# --- Images ------------------------------------------------------------------------------------


def _nettoyer_image(contenu: bytes, type_detecte: str, nom: str, limite_pixels: int) -> tuple[bytes, str]:
    """Décode entièrement l'image et la ré-encode sans aucune métadonnée.

    Le ré-encodage ne garde que les pixels : EXIF (dont GPS), XMP, commentaires, miniatures et toute
    donnée ajoutée après la fin de l'image (fichiers polyglottes) disparaissent. Les dimensions sont lues
    dans l'en-tête AVANT tout décodage : au-delà de `limite_pixels`, rien n'est décodé.
    """
    from PIL import Image, ImageFile

    illisible = FichierRefuse(
        f"Le fichier « {nom} » n’a pas pu être lu comme une image : il est peut-être endommagé.", code="illisible"
    )
    limite_lisible = (
        f"{limite_pixels // 1_000_000} millions de pixels" if limite_pixels >= 1_000_000 else f"{limite_pixels} pixels"
    )
    trop_grande = FichierRefuse(
        f"L’image « {nom} » est trop grande (plus de {limite_lisible}) : "
        "réduisez sa définition puis déposez-la à nouveau.",
        code="dimensions",
    )
    # Une bibliothèque importée ailleurs (WeasyPrint) active ce réglage global de Pillow :
    # une image tronquée serait alors acceptée. On le remet d'aplomb avant chaque décodage.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            # Au-delà de MAX_IMAGE_PIXELS, Pillow avertit (puis échoue au double) : on refuse dans les deux cas.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if type_detecte == "heic":
                image = _ouvrir_heic(contenu, limite_pixels, trop_grande)
            else:
                image = Image.open(io.BytesIO(contenu), formats=[type_detecte.upper()])
                largeur, hauteur = image.size
                if largeur * hauteur > limite_pixels:
                    raise trop_grande
                image.load()
            image = _preparer(image, "png" if type_detecte == "png" else "jpeg")
    except (FichierRefuse, MemoryError):
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise trop_grande from None
    except Exception:  # Toute erreur de décodage : fichier illisible, tronqué ou forgé.
        raise illisible from None

    sortie = io.BytesIO()
    if type_detecte == "png":
        image.save(sortie, format="PNG")
        return sortie.getvalue(), "png"
    image.save(sortie, format="JPEG", quality=QUALITE_JPEG, optimize=True)
    return sortie.getvalue(), "jpeg"


def _ouvrir_heic(contenu, limite_pixels, trop_grande):
    import pillow_heif

    heif = pillow_heif.open_heif(io.BytesIO(contenu), convert_hdr_to_8bit=True)
    largeur, hauteur = heif.size
    if largeur * hauteur > limite_pixels:
        raise trop_grande
    # libheif applique déjà la rotation ; `to_pillow` remet l'orientation EXIF à 1.
    return heif.to_pillow()


def _preparer(image, format_sortie: str):
    """Oriente, convertit en sRGB et dans un mode simple, puis retire toutes les métadonnées."""
    from PIL import ImageOps

    image = ImageOps.exif_transpose(image)  # avant de perdre l'EXIF, qui porte l'orientation
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        image = image.convert("I").point(lambda v: v / 256).convert("L")
    if "transparency" in image.info or image.mode in ("PA", "La"):
        image = image.convert("LA" if image.mode in ("1", "L", "La") else "RGBA")
    elif image.mode not in ("1", "L", "LA", "RGB", "RGBA"):
        image = image.convert("RGBA" if image.mode.endswith(("A", "a")) else "RGB")
    image = _vers_srgb(image)
    if format_sortie == "jpeg" and image.mode not in ("L", "RGB"):
        image = image.convert("L" if image.mode in ("1", "LA") else "RGB")
    image.info = {}  # `image` est déjà une copie (exif_transpose en renvoie toujours une)
    return image


def _vers_srgb(image):
    """Convertit vers sRGB si un profil ICC est présent (le profil n'est pas conservé)."""
    profil = image.info.get("icc_profile")
    if not profil or image.mode not in ("RGB", "RGBA"):
        return image
    from PIL import ImageCms

    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profil))
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=image.mode)
    except Exception:  # Profil invalide : on garde les pixels tels quels.
        return image


# --- PDF ---------------------------------------------------------------------------------------

# Actions refusées : elles exécutent du code, lancent un programme, envoient des données (formulaire) ou
# ouvrent un autre fichier, local ou sur un partage réseau (fuite de l'empreinte NTLM du poste de l'agent).
ACTIONS_INTERDITES = {
    "/JavaScript",
    "/Launch",
    "/ImportData",
    "/RichMediaExecute",
    "/SubmitForm",
    "/GoToR",
    "/GoToE",
}
CLES_INTERDITES = {"/JS", "/JavaScript", "/XFA", "/RichMedia"}
# Liens (/URI) admis seulement vers le web : pas de fichier local ni de partage réseau.
SCHEMAS_URI_ADMIS = ("http://", "https://", "mailto:", "tel:")


def _nombre_de_pages_annonce(lecteur) -> int:
    """Le `/Count` de la racine de l'arbre des pages, lu sans parcourir l'arbre."""
    pages = lecteur.trailer["/Root"].get_object()["/Pages"].get_object()
    nombre = pages["/Count"].get_object()
    if not isinstance(nombre, int) or isinstance(nombre, bool) or nombre < 0:
        raise ValueError("/Count invalide")
    return int(nombre)


def _verifier_pdf(contenu: bytes, nom: str, pages_max: int = 500) -> None:
    """Analyse le PDF avec pypdf ; le PDF accepté est gardé tel quel."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    illisible = FichierRefuse(
        f"Le fichier « {nom} » n’est pas un PDF lisible : il est peut-être endommagé.", code="pdf_illisible"
    )
    # Un PDF se termine par %%EOF ; des octets autres que des blancs après la fin trahissent un polyglotte.
    fin = contenu.rfind(b"%%EOF")
    if fin == -1:
        raise illisible
    if contenu[fin + 5 :].strip(b" \t\r\n\f\x00"):
        raise FichierRefuse(
            f"Le PDF « {nom} » contient des données après la fin du document : "
            "enregistrez-le à nouveau au format PDF puis déposez-le.",
            code="pdf_donnees_en_trop",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pypdf signale les petites irrégularités qu'il sait corriger
            lecteur = PdfReader(io.BytesIO(contenu), strict=False)
            if lecteur.is_encrypted:
                raise FichierRefuse(
                    f"Le PDF « {nom} » est protégé par un mot de passe ou chiffré : "
                    "déposez une version sans protection.",
                    code="pdf_chiffre",
                )
            if "/Root" not in lecteur.trailer:
                raise illisible
            trop_de_pages = FichierRefuse(
                f"Le PDF « {nom} » compte trop de pages (plus de {pages_max}) : "
                "déposez seulement les pages utiles, en plusieurs fichiers si besoin.",
                code="pdf_trop_de_pages",
            )
            # Le nombre annoncé d'abord (rien n'est parcouru), puis le nombre réel (l'annonce peut mentir).
            if _nombre_de_pages_annonce(lecteur) > pages_max:
                raise trop_de_pages
            nombre_pages = len(lecteur.pages)
            if nombre_pages > pages_max:
                raise trop_de_pages
            if nombre_pages == 0:
                raise FichierRefuse(f"Le PDF « {nom} » ne contient aucune page.", code="pdf_vide")
            for page in lecteur.pages:
                contenu_page = page.get_contents()
                if contenu_page is not None:
                    contenu_page.get_data()
            # Tous les objets : ceux atteignables depuis le catalogue et ceux de la table des références.
            a_visiter = [lecteur.trailer]
            for generation, objets in lecteur.xref.items():
                a_visiter.extend(IndirectObject(numero, generation, lecteur) for numero in objets)
            a_visiter.extend(IndirectObject(numero, 0, lecteur) for numero in lecteur.xref_objStm)
            vus = set()
            compteur = 0
            while a_visiter:
                objet = a_visiter.pop()
                if isinstance(objet, IndirectObject):
                    cle = (objet.idnum, objet.generation)
                    if cle in vus:
                        continue
                    vus.add(cle)
                    objet = objet.get_object()
                compteur += 1
                if compteur > OBJETS_PDF_MAX:
                    raise illisible
                if isinstance(objet, DictionaryObject):
                    _controler_dictionnaire(objet, nom)
                    a_visiter.extend(objet.values())
                elif isinstance(objet, ArrayObject):
                    a_visiter.extend(objet)
    except (FichierRefuse, MemoryError):
        raise
    except Exception:  # Toute erreur de lecture : PDF endommagé ou forgé.
        raise illisible from None


def _valeur(objet, cle):
    """Valeur résolue (une référence indirecte ne doit pas cacher un /S /JavaScript)."""
    valeur = objet.get(cle)
    return valeur.get_object() if valeur is not None else None


def _refus_actif(nom):
    return FichierRefuse(
        f"Le PDF « {nom} » contient du code ou des actions automatiques (JavaScript, lancement de "
        "programme, formulaire dynamique ou envoyé en ligne, ouverture d’un autre fichier ou d’un partage "
        "réseau), refusés pour des raisons de sécurité : enregistrez-le à nouveau au format PDF "
        "(« Imprimer » puis « Enregistrer au format PDF ») puis déposez-le.",
        code="pdf_actif",
    )


def _controler_dictionnaire(objet, nom: str) -> None:
    action = _valeur(objet, "/S")
    if any(cle in objet for cle in CLES_INTERDITES) or action in ACTIONS_INTERDITES:
        raise _refus_actif(nom)
    if action == "/URI" and not _uri_admise(_valeur(objet, "/URI")):
        raise _refus_actif(nom)
    if "/EF" in objet:
        # Spécification de fichier joint : seules les données XML des factures électroniques
        # (Factur-X, ZUGFeRD) sont admises, et seulement si leur contenu est bien du XML.
        nom_joint = str(_valeur(objet, "/UF") or _valeur(objet, "/F") or "")
        joint_refuse = FichierRefuse(
            f"Le PDF « {nom} » contient des fichiers joints, qui ne sont pas acceptés : "
            "déposez chaque document séparément.",
            code="pdf_fichier_joint",
        )
        if not nom_joint.lower().endswith(".xml"):
            raise joint_refuse
        fichiers = _valeur(objet, "/EF")
        if not hasattr(fichiers, "values"):
            raise joint_refuse
        for flux in fichiers.values():
            flux = flux.get_object()
            if not hasattr(flux, "get_data") or not _est_du_xml(flux.get_data()):
                raise joint_refuse


def _uri_admise(cible) -> bool:
    """Lien web (http, https, mailto, tel) ou adresse sans schéma (« www.artisan.fr ») ; jamais un fichier
    local ni un partage réseau (`file:`, `smb:`, `\\\\serveur`, `//serveur`)."""
    if isinstance(cible, bytes):
        cible = cible.decode("latin-1")
    cible = str(cible or "").strip().lower()
    if cible.startswith(SCHEMAS_URI_ADMIS):
        return True
    if cible.startswith(("\\", "//")):
        return False
    return not re.match(r"^[a-z][a-z0-9+.-]*:", cible)


def _est_du_xml(donnees: bytes) -> bool:
    """Vrai si les octets sont un document XML bien formé (sans DTD ni entités), pas un exécutable renommé."""
    import defusedxml.ElementTree

    if not donnees or len(donnees) > TAILLE_XML_JOINT_MAX:
        return False
    try:
        if donnees.startswith((b"\xff\xfe", b"\xfe\xff")):
            texte = donnees.decode("utf-16")
        else:
            texte = donnees.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    texte = texte.lstrip()
    if not texte.startswith("<") or any(ord(c) < 32 and c not in "\t\r\n" for c in texte):
        return False
    try:
        defusedxml.ElementTree.fromstring(donnees, forbid_dtd=True)
    except Exception:  # XML mal formé, DTD, entités : refusé
        return False
    return True


# --- Stockage et téléchargement ----------------------------------------------------------------

_DOSSIER_VALIDE = re.compile(r"^[a-z0-9_-]+(/[a-z0-9_-]+)*$")


def enregistrer_prive(fichier_verifie: FichierVerifie, dossier: str) -> str:
    """Range le fichier sous `<dossier>/<hexadécimal aléatoire>` ; renvoie le nom de stockage.

    Le nom d'origine n'apparaît jamais dans le chemin ; il est conservé à part (en base) pour l'affichage.
    """
    if not _DOSSIER_VALIDE.match(dossier):
        raise ValueError(f"Dossier de stockage invalide : {dossier!r}")
    nom = f"{dossier}/{secrets.token_hex(16)}"
    return default_storage.save(nom, ContentFile(fichier_verifie.contenu))


def supprimer_prive(nom_stockage: str) -> None:
    """Supprime un fichier rangé (par exemple une pièce retirée d'un brouillon)."""
    if nom_stockage:
        default_storage.delete(nom_stockage)


def _content_disposition(nom_affiche: str) -> str:
    """`attachment` avec un nom ASCII de repli et le nom exact encodé selon la RFC 6266 (filename*)."""
    nom = nettoyer_nom(nom_affiche, defaut="fichier")
    repli = unicodedata.normalize("NFKD", nom).encode("ascii", "ignore").decode("ascii")
    repli = re.sub(r"[^A-Za-z0-9 ._()+-]", "_", repli).strip(" .") or "fichier"
    return f"attachment; filename=\"{repli}\"; filename*=UTF-8''{quote(nom, safe='')}"


def reponse_telechargement(nom_stockage: str, nom_affiche: str, type_mime: str) -> FileResponse:
    """Sert un fichier privé en téléchargement. Les droits doivent avoir été vérifiés par la vue."""
    if type_mime not in TYPES_MIME.values():
        type_mime = "application/octet-stream"
    try:
        flux = default_storage.open(nom_stockage, "rb")
    except (FileNotFoundError, ValueError):
        raise Http404("Fichier introuvable.") from None
    return entetes_telechargement(FileResponse(flux, content_type=type_mime), nom_affiche)


def entetes_telechargement(reponse, nom_affiche: str):
    """En-têtes d'un téléchargement privé (pièce, archive produite en flux) : pièce jointe, jamais interprétée
    par le navigateur, jamais mise en cache."""
    reponse["Content-Disposition"] = _content_disposition(nom_affiche)
    reponse["X-Content-Type-Options"] = "nosniff"
    reponse["Cache-Control"] = "private, no-store"
    reponse["Content-Security-Policy"] = "default-src 'none'; sandbox; frame-ancestors 'none'"
    reponse["Cross-Origin-Resource-Policy"] = "same-origin"
    return reponse

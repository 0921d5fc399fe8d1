"""Vérification des fichiers déposés, stockage privé et téléchargement (portail/fichiers.py)."""

import copy
import io
import pickle
import re
import warnings
import zipfile

import pytest
from django import forms
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import Http404
from django.urls import path
from PIL import ExifTags, Image

from portail.fichiers import (
    FichierRefuse,
    FichierVerifie,
    enregistrer_prive,
    reponse_telechargement,
    verifier_fichier,
)
from tests import fichiers_exemples as ex

DIX_MO = 10 * 1024 * 1024


@pytest.fixture(autouse=True)
def _stockage_temporaire(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"
    return settings.MEDIA_ROOT


def refus(nom, contenu, **options):
    with pytest.raises(FichierRefuse) as erreur:
        verifier_fichier(ex.televerse(nom, contenu), **options)
    return erreur.value


def ouvrir(contenu):
    image = Image.open(io.BytesIO(contenu))
    image.load()
    return image


def assert_sans_metadonnees(contenu):
    image = ouvrir(contenu)
    exif = image.getexif()
    assert len(exif) == 0
    assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert "exif" not in image.info and "xmp" not in image.info and "comment" not in image.info
    for trace in (b"Exif\x00", b"GPSLatitude", b"ns.adobe.com", "Téléphone".encode(), b"Modele", b"secret"):
        assert trace not in contenu


# --- Taille ------------------------------------------------------------------------------------


def test_fichier_de_plus_de_10_mo_refuse_avec_la_limite_dans_le_message():
    contenu = ex.jpeg() + bytes(DIX_MO)
    erreur = refus("photo porte.jpg", contenu)
    assert erreur.code == "taille"
    assert erreur.message_affiche == "Le fichier « photo porte.jpg » dépasse la taille maximale de 10 Mo."
    assert isinstance(erreur, ValidationError)
    copie = pickle.loads(pickle.dumps(copy.deepcopy(erreur)))  # comme le font formulaires et caches
    assert (copie.code, copie.message_affiche) == (erreur.code, erreur.message_affiche)


def test_fichier_de_exactement_10_mo_accepte():
    contenu = ex.jpeg()
    contenu += bytes(DIX_MO - len(contenu))
    verifie = verifier_fichier(ex.televerse("photo.jpg", contenu))
    assert verifie.type_mime == "image/jpeg"
    assert verifie.taille == len(verifie.contenu) < 10_000  # le remplissage après l'image a disparu


class FluxSansFin:
    """Fichier qui ment sur sa taille (ou ne la donne pas) et compte ce qu'on lui lit."""

    def __init__(self, taille_annoncee):
        self.name = "flux.jpg"
        self.size = taille_annoncee
        self.lu = 0

    def seek(self, position):
        pass

    def read(self, n=-1):
        assert n >= 0, "lecture complète d'un flux sans fin"
        self.lu += n
        return (b"\xff\xd8\xff" + bytes(n))[:n]


@pytest.mark.parametrize("taille_annoncee", [None, 10])
def test_la_lecture_est_bornee_meme_si_la_taille_annoncee_ment(taille_annoncee):
    flux = FluxSansFin(taille_annoncee)
    with pytest.raises(FichierRefuse) as erreur:
        verifier_fichier(flux, taille_max=2 * 1024 * 1024)
    assert erreur.value.code == "taille"
    assert "2 Mo" in erreur.value.message_affiche
    assert flux.lu == 2 * 1024 * 1024 + 1


def test_la_taille_annoncee_trop_grande_refuse_sans_rien_lire():
    flux = FluxSansFin(DIX_MO + 1)
    with pytest.raises(FichierRefuse):
        verifier_fichier(flux)
    assert flux.lu == 0


def test_fichier_vide_refuse():
    assert refus("vide.pdf", b"").code == "vide"


# --- Type d'après le contenu -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nom", "contenu", "type_annonce"),
    [
        ("pv.txt", ex.TEXTE, "text/plain"),
        ("pv.pdf", ex.TEXTE, "application/pdf"),
        ("archive.zip", ex.zip_contenant(), "application/zip"),
        ("photo.jpg", ex.zip_contenant(), "image/jpeg"),
        ("photo.jpg", ex.HTML, "image/jpeg"),
        ("dessin.svg", ex.SVG, "image/svg+xml"),
        ("photo.png", ex.SVG, "image/png"),
        ("facture.pdf", ex.EXECUTABLE, "application/pdf"),
        ("anime.jpg", ex.GIF, "image/jpeg"),
    ],
)
def test_format_refuse_d_apres_le_contenu_quel_que_soit_le_nom_ou_le_type_annonce(nom, contenu, type_annonce):
    with pytest.raises(FichierRefuse) as erreur:
        verifier_fichier(ex.televerse(nom, contenu, type_annonce))
    assert erreur.value.code == "format"
    assert erreur.value.message_affiche == (
        f"Le format de « {nom} » n’est pas accepté : seuls les PDF, JPEG, PNG et HEIC le sont."
    )


def test_types_autorises_restreints():
    erreur = refus("pv.pdf", ex.pdf_simple(), types_autorises=("jpeg", "png", "heic"))
    assert erreur.message_affiche == "Le format de « pv.pdf » n’est pas accepté : seuls les JPEG, PNG et HEIC le sont."
    erreur = refus("photo.heic", ex.heic(), types_autorises=("pdf",))
    assert erreur.message_affiche.endswith("seul le format PDF l’est.")


def test_le_type_et_l_extension_viennent_du_contenu():
    verifie = verifier_fichier(ex.televerse("photo.jpg", ex.png(), "image/jpeg"))
    assert (verifie.type_mime, verifie.extension, verifie.nom) == ("image/png", "png", "photo.png")
    verifie = verifier_fichier(ex.televerse("scan", ex.pdf_simple(), "text/html"))
    assert (verifie.type_mime, verifie.extension, verifie.nom) == ("application/pdf", "pdf", "scan.pdf")


@pytest.mark.parametrize(
    ("nom_envoye", "nom_attendu"),
    [
        ("../../etc/passwd.jpg", "passwd.jpg"),
        ("C:\\Users\\agent\\Photo porte.JPEG", "Photo porte.jpg"),
        ("a\r\nb\x00c.jpg", "a b c.jpg"),
        ('<img src=x onerror="alert(1)">.jpg', "img src=x onerror=alert(1).jpg"),
        ("...", "document.jpg"),
        ("x" * 300 + ".jpg", "x" * 96 + ".jpg"),
    ],
)
def test_nom_affiche_sur(nom_envoye, nom_attendu):
    assert verifier_fichier(ex.televerse(nom_envoye, ex.jpeg())).nom == nom_attendu


def test_le_message_de_refus_ne_reprend_pas_de_balise():
    erreur = refus("<script>alert(1)</script>.txt", ex.TEXTE)
    assert "<" not in erreur.message_affiche and ">" not in erreur.message_affiche.replace("»", "")


# --- Images : ré-encodage, métadonnées, polyglottes --------------------------------------------


def test_jpeg_avec_gps_accepte_et_range_sans_exif_ni_gps():
    contenu = ex.jpeg(gps=True, commentaire=b"secret", xmp=True)
    origine = ouvrir(contenu)
    assert origine.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # l'exemple porte bien une position
    assert b"GPSLatitude" in contenu and b"secret" in contenu

    verifie = verifier_fichier(ex.televerse("IMG_1234.jpg", contenu, "image/jpeg"))
    nom_stockage = enregistrer_prive(verifie, "declarations")
    with default_storage.open(nom_stockage, "rb") as f:
        range_ = f.read()

    assert range_ == verifie.contenu
    assert ouvrir(range_).format == "JPEG"
    assert_sans_metadonnees(range_)
    assert ouvrir(range_).size == (64, 48)


def test_l_orientation_exif_est_appliquee_avant_de_retirer_l_exif():
    # Orientation 6 : l'image doit être tournée de 90° dans le sens horaire pour l'affichage ;
    # la moitié gauche (rouge) se retrouve en haut.
    verifie = verifier_fichier(ex.televerse("portrait.jpg", ex.jpeg(80, 40, orientation=6, gps=True)))
    image = ouvrir(verifie.contenu).convert("RGB")
    assert image.size == (40, 80)
    rouge, _, bleu = image.getpixel((20, 10))
    assert rouge > 180 and bleu < 60
    rouge, _, bleu = image.getpixel((20, 70))
    assert bleu > 180 and rouge < 60
    assert_sans_metadonnees(verifie.contenu)


def test_jpeg_polyglotte_html_accepte_seulement_comme_image_nettoyee():
    contenu = ex.jpeg_polyglotte_html()
    assert b"<script>" in contenu
    verifie = verifier_fichier(ex.televerse("photo.jpg", contenu))
    assert b"<script" not in verifie.contenu and b"<html" not in verifie.contenu
    assert verifie.contenu.endswith(b"\xff\xd9")
    assert ouvrir(verifie.contenu).format == "JPEG"


def test_jpeg_avec_zip_accole_facon_gifar_accepte_sans_l_archive():
    contenu = ex.jpeg_polyglotte_zip()
    assert zipfile.is_zipfile(io.BytesIO(contenu))
    verifie = verifier_fichier(ex.televerse("photo.jpg", contenu))
    assert not zipfile.is_zipfile(io.BytesIO(verifie.contenu))
    assert b"charge.class" not in verifie.contenu and b"PK\x03\x04" not in verifie.contenu
    assert verifie.contenu.endswith(b"\xff\xd9")


def test_png_polyglotte_html_nettoye():
    verifie = verifier_fichier(ex.televerse("capture.png", ex.png_polyglotte_html()))
    assert verifie.type_mime == "image/png"
    assert b"<script" not in verifie.contenu
    assert verifie.contenu.endswith(b"IEND\xaeB`\x82")


def test_png_accepte_reste_png_sans_texte_ni_exif():
    contenu = ex.png(texte="secret", gps=True)
    assert b"secret" in contenu and b"eXIf" in contenu
    verifie = verifier_fichier(ex.televerse("capture.png", contenu, "image/png"))
    assert (verifie.type_mime, verifie.extension, verifie.nom) == ("image/png", "png", "capture.png")
    image = ouvrir(verifie.contenu)
    assert image.format == "PNG" and image.size == (64, 48)
    assert image.convert("RGB").getpixel((5, 5)) == (220, 0, 0)
    assert b"tEXt" not in verifie.contenu and b"eXIf" not in verifie.contenu
    assert_sans_metadonnees(verifie.contenu)


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "RGBA", "I;16"])
def test_png_de_tous_les_modes_courants_accepte(mode):
    verifie = verifier_fichier(ex.televerse("image.png", ex.png(mode=mode)))
    assert ouvrir(verifie.contenu).format == "PNG"


def test_png_avec_profil_icc_converti_en_srgb_sans_profil():
    from PIL import ImageCms

    profil = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    sortie = io.BytesIO()
    ex.image_deux_couleurs().save(sortie, "PNG", icc_profile=profil)
    assert "icc_profile" in ouvrir(sortie.getvalue()).info
    verifie = verifier_fichier(ex.televerse("capture.png", sortie.getvalue()))
    image = ouvrir(verifie.contenu)
    assert "icc_profile" not in image.info and b"iCCP" not in verifie.contenu
    rouge, vert, bleu = image.convert("RGB").getpixel((5, 5))
    assert rouge > 200 and vert < 20 and bleu < 20


def test_photo_heic_acceptee_et_convertie_en_jpeg_sans_gps():
    contenu = ex.heic(gps=True)
    assert contenu[4:12] == b"ftypheic"
    verifie = verifier_fichier(ex.televerse("IMG_0042.HEIC", contenu, "image/heic"))
    assert (verifie.type_mime, verifie.extension, verifie.nom) == ("image/jpeg", "jpg", "IMG_0042.jpg")
    image = ouvrir(verifie.contenu)
    assert image.format == "JPEG" and image.size == (64, 48)
    rouge, _, bleu = image.convert("RGB").getpixel((8, 24))
    assert rouge > 150 and bleu < 80
    assert_sans_metadonnees(verifie.contenu)


def test_image_tronquee_refusee():
    erreur = refus("photo.jpg", ex.jpeg_tronque())
    assert erreur.code == "illisible"
    assert "n’a pas pu être lu comme une image" in erreur.message_affiche


def test_faux_heic_refuse():
    erreur = refus("photo.heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(100))
    assert erreur.code == "illisible"


# --- Bombes de décompression -------------------------------------------------------------------


def test_bombe_de_decompression_aux_dimensions_enormes_refusee():
    contenu = ex.png_bombe(30_000, 30_000)  # 900 millions de pixels dans quelques dizaines de Ko
    assert len(contenu) < 1024 * 1024
    erreur = refus("plan.png", contenu)
    assert erreur.code == "dimensions"
    assert "trop grande" in erreur.message_affiche


def test_image_au_dela_de_la_limite_refusee_meme_quand_pillow_ne_fait_qu_avertir():
    contenu = ex.png_bombe(10_000, 10_000)  # 100 Mpx : au-dessus de MAX_IMAGE_PIXELS, sous le double
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # comme en production : les avertissements ne lèvent rien
        erreur = refus("plan.png", contenu)
    assert erreur.code == "dimensions"


@pytest.mark.parametrize(("nom", "fabrique"), [("photo.jpg", ex.jpeg), ("photo.heic", ex.heic), ("c.png", ex.png)])
def test_la_limite_de_pixels_est_respectee(settings, nom, fabrique):
    settings.FICHIERS_PIXELS_MAX = 2000  # les exemples font 64 × 48 = 3072 pixels
    erreur = refus(nom, fabrique())
    assert erreur.code == "dimensions"
    assert f"L’image « {nom} » est trop grande (plus de 2000 pixels)" in erreur.message_affiche


# --- PDF ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fabrique", [ex.pdf_simple, ex.pdf_brut_simple])
def test_pdf_simple_accepte_sans_modification(fabrique):
    contenu = fabrique()
    verifie = verifier_fichier(ex.televerse("Procès-verbal.PDF", contenu, "application/octet-stream"))
    assert verifie == FichierVerifie(
        contenu=contenu, type_mime="application/pdf", extension="pdf", nom="Procès-verbal.pdf", taille=len(contenu)
    )


def test_facture_electronique_avec_xml_joint_acceptee():
    contenu = ex.pdf_fichier_joint("factur-x.xml", ex.FACTURX_XML)
    assert verifier_fichier(ex.televerse("facture.pdf", contenu)).contenu == contenu


@pytest.mark.parametrize("mot_de_passe", ["secret", ""])
def test_pdf_chiffre_refuse(mot_de_passe):
    erreur = refus("rib.pdf", ex.pdf_chiffre(mot_de_passe))
    assert erreur.code == "pdf_chiffre"
    assert erreur.message_affiche == (
        "Le PDF « rib.pdf » est protégé par un mot de passe ou chiffré : déposez une version sans protection."
    )


@pytest.mark.parametrize(
    "fabrique",
    [
        ex.pdf_javascript_ouverture,
        ex.pdf_javascript_noms,
        ex.pdf_javascript_page,
        ex.pdf_javascript_nom_masque,
        ex.pdf_javascript_indirect,
        ex.pdf_javascript_orphelin,
        ex.pdf_lancement,
        ex.pdf_xfa,
    ],
)
def test_pdf_avec_javascript_ou_action_automatique_refuse(fabrique):
    erreur = refus("facture.pdf", fabrique())
    assert erreur.code == "pdf_actif"
    assert erreur.message_affiche.startswith("Le PDF « facture.pdf » contient du code ou des actions automatiques")


def test_pdf_avec_executable_joint_refuse():
    erreur = refus("facture.pdf", ex.pdf_fichier_joint())
    assert erreur.code == "pdf_fichier_joint"
    assert "fichiers joints" in erreur.message_affiche


@pytest.mark.parametrize("fabrique", [ex.pdf_corrompu, ex.pdf_tronque])
def test_pdf_corrompu_refuse(fabrique):
    erreur = refus("pv.pdf", fabrique())
    assert erreur.code == "pdf_illisible"
    assert erreur.message_affiche == "Le fichier « pv.pdf » n’est pas un PDF lisible : il est peut-être endommagé."


def test_pdf_suivi_d_une_archive_refuse():
    contenu = ex.pdf_polyglotte_zip()
    assert zipfile.is_zipfile(io.BytesIO(contenu))
    assert refus("pv.pdf", contenu).code == "pdf_donnees_en_trop"


def test_pdf_sans_page_refuse():
    assert refus("pv.pdf", ex.pdf_sans_page()).code == "pdf_vide"


# --- Dans un formulaire ------------------------------------------------------------------------


class FormulairePiece(forms.Form):
    piece = forms.FileField(label="Pièce justificative")

    def clean_piece(self):
        return verifier_fichier(self.cleaned_data["piece"])


def test_le_refus_s_affiche_sous_le_champ_du_formulaire():
    formulaire = FormulairePiece(data={}, files={"piece": ex.televerse("photo.jpg", ex.HTML, "image/jpeg")})
    assert not formulaire.is_valid()
    assert formulaire.errors["piece"] == [
        "Le format de « photo.jpg » n’est pas accepté : seuls les PDF, JPEG, PNG et HEIC le sont."
    ]
    formulaire = FormulairePiece(data={}, files={"piece": ex.televerse("photo.jpg", ex.jpeg(gps=True))})
    assert formulaire.is_valid()
    assert isinstance(formulaire.cleaned_data["piece"], FichierVerifie)


# --- Stockage privé ----------------------------------------------------------------------------


def test_enregistrer_prive_range_sous_un_nom_aleatoire(_stockage_temporaire):
    verifie = verifier_fichier(ex.televerse("Dupont Jean - RIB.pdf", ex.pdf_simple()))
    premier = enregistrer_prive(verifie, "demandes")
    second = enregistrer_prive(verifie, "demandes")
    assert re.fullmatch(r"demandes/[0-9a-f]{32}", premier)
    assert premier != second
    chemin = _stockage_temporaire / premier
    assert chemin.read_bytes() == verifie.contenu
    assert "Dupont" not in premier and "RIB" not in premier


@pytest.mark.parametrize("dossier", ["../hors", "/absolu", "", "a/../b", "avec espace"])
def test_enregistrer_prive_refuse_un_dossier_dangereux(dossier):
    verifie = verifier_fichier(ex.televerse("pv.pdf", ex.pdf_simple()))
    with pytest.raises(ValueError):
        enregistrer_prive(verifie, dossier)


# --- Téléchargement ----------------------------------------------------------------------------


def lire(reponse):
    try:
        return b"".join(reponse.streaming_content)
    finally:
        reponse.close()


@pytest.mark.django_db  # la fermeture de la réponse émet request_finished
def test_reponse_telechargement_en_pieces_jointes_et_durcie():
    verifie = verifier_fichier(ex.televerse("Procès-verbal n°1.pdf", ex.pdf_simple()))
    nom_stockage = enregistrer_prive(verifie, "declarations")
    reponse = reponse_telechargement(nom_stockage, verifie.nom, verifie.type_mime)
    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "application/pdf"
    assert reponse["Content-Disposition"] == (
        "attachment; filename=\"Proces-verbal n1.pdf\"; filename*=UTF-8''Proc%C3%A8s-verbal%20n%C2%B01.pdf"
    )
    assert reponse["X-Content-Type-Options"] == "nosniff"
    assert reponse["Cache-Control"] == "private, no-store"
    assert "default-src 'none'" in reponse["Content-Security-Policy"]
    assert "sandbox" in reponse["Content-Security-Policy"]
    assert reponse["Content-Length"] == str(len(verifie.contenu))
    assert lire(reponse) == verifie.contenu


@pytest.mark.django_db  # la fermeture de la réponse émet request_finished
def test_reponse_telechargement_nom_piege_et_type_inconnu():
    verifie = verifier_fichier(ex.televerse("pv.pdf", ex.pdf_simple()))
    nom_stockage = enregistrer_prive(verifie, "declarations")
    reponse = reponse_telechargement(nom_stockage, 'a";\r\nSet-Cookie: x=1; b\\..\\c.html', "text/html")
    entete = reponse["Content-Disposition"]
    assert "\r" not in entete and "\n" not in entete and "\\" not in entete
    assert entete.startswith('attachment; filename="')
    assert entete.count('"') == 2
    assert reponse["Content-Type"] == "application/octet-stream"
    lire(reponse)


def test_reponse_telechargement_fichier_absent():
    with pytest.raises(Http404):
        reponse_telechargement("declarations/" + "0" * 32, "pv.pdf", "application/pdf")


# Vue de test (URLconf propre à ce module) : vérifie les en-têtes après toute la chaîne des middlewares.
@login_not_required
def vue_telechargement(request, nom):
    return reponse_telechargement(f"declarations/{nom}", "photo porte.jpg", "image/jpeg")


urlpatterns = [path("telecharger/<str:nom>/", vue_telechargement)]


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_telechargement_http_garde_ses_en_tetes_apres_les_middlewares(client):
    verifie = verifier_fichier(ex.televerse("photo porte.jpg", ex.jpeg_polyglotte_html()))
    nom_stockage = enregistrer_prive(verifie, "declarations")
    reponse = client.get(f"/telecharger/{nom_stockage.split('/')[1]}/")
    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "image/jpeg"
    assert reponse["Content-Disposition"] == (
        "attachment; filename=\"photo porte.jpg\"; filename*=UTF-8''photo%20porte.jpg"
    )
    assert reponse["X-Content-Type-Options"] == "nosniff"
    assert reponse["Cache-Control"] == "private, no-store"
    # La CSP du site (qui autorise 'self') ne remplace pas celle, fermée, du fichier.
    assert reponse["Content-Security-Policy"].startswith("default-src 'none'; sandbox")
    assert "'self'" not in reponse["Content-Security-Policy"]
    assert b"".join(reponse.streaming_content) == verifie.contenu

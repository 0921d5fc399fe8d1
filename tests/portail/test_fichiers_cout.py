"""Coût des fichiers déposés (issue 11, item 3) : budget de pixels, plafond de pages lu avant tout
parcours, analyse dans un sous-processus borné en mémoire et en temps, trous du filtre PDF.

Aucun temps absolu : chaque test affirme le refus, son code et la limite annoncée à la personne.
"""

import resource

import pytest

from portail.fichiers import FichierRefuse, analyser, verifier_fichier
from tests import fichiers_exemples as ex


@pytest.fixture(autouse=True)
def _stockage_temporaire(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"


def refus(nom, contenu):
    with pytest.raises(FichierRefuse) as erreur:
        verifier_fichier(ex.televerse(nom, contenu))
    return erreur.value


# --- Budget de pixels ----------------------------------------------------------------------------


def test_png_de_88_mpx_de_quelques_ko_refuse_avant_decodage():
    """Le PNG de l'essai : 88 Mpx dans un fichier minuscule (accepté avant, après 7 s et +680 Mo)."""
    contenu = ex.png_bombe(9_380, 9_380)  # 87,98 millions de pixels, sous l'ancienne limite de Pillow (89,5)
    assert len(contenu) < 252 * 1024
    erreur = refus("plan.png", contenu)
    assert erreur.code == "dimensions"
    assert erreur.message_affiche == (
        "L’image « plan.png » est trop grande (plus de 50 millions de pixels) : "
        "réduisez sa définition puis déposez-la à nouveau."
    )


def test_une_photo_de_telephone_de_48_mpx_reste_acceptee():
    verifie = verifier_fichier(ex.televerse("porte.png", ex.png_bombe(8_000, 6_000)))
    assert verifie.type_mime == "image/png"


# --- Plafond de pages des PDF --------------------------------------------------------------------


def test_pdf_de_20000_pages_refuse_sur_le_nombre_annonce():
    contenu = ex.pdf_pages(20_000)
    assert 2 * 1024 * 1024 < len(contenu) < 3 * 1024 * 1024
    erreur = refus("factures.pdf", contenu)
    assert erreur.code == "pdf_trop_de_pages"
    assert erreur.message_affiche == (
        "Le PDF « factures.pdf » compte trop de pages (plus de 500) : "
        "déposez seulement les pages utiles, en plusieurs fichiers si besoin."
    )


def test_pdf_dont_le_nombre_de_pages_annonce_ment_refuse_aussi():
    erreur = refus("factures.pdf", ex.pdf_pages(501, count_annonce=1))
    assert erreur.code == "pdf_trop_de_pages"


def test_pdf_au_plafond_de_pages_accepte(settings):
    settings.FICHIERS_PAGES_PDF_MAX = 20
    assert verifier_fichier(ex.televerse("bail.pdf", ex.pdf_pages(20))).type_mime == "application/pdf"
    assert refus("bail.pdf", ex.pdf_pages(21)).code == "pdf_trop_de_pages"


# --- Sous-processus borné ------------------------------------------------------------------------


def test_l_analyse_depassant_la_memoire_autorisee_est_refusee_sans_toucher_au_serveur(settings):
    settings.FICHIERS_ANALYSE_MEMOIRE_MO = 16  # 48 Mpx décodés demandent au moins 48 Mo
    limite_serveur = resource.getrlimit(resource.RLIMIT_AS)
    erreur = refus("porte.png", ex.png_bombe(8_000, 6_000))
    assert erreur.code == "analyse_memoire"
    assert "demande plus que la mémoire autorisée (16 Mo)" in erreur.message_affiche
    # La limite s'applique au sous-processus d'analyse, jamais au processus qui sert la requête.
    assert resource.getrlimit(resource.RLIMIT_AS) == limite_serveur


def test_l_analyse_trop_longue_est_interrompue_et_refusee(settings):
    settings.FICHIERS_ANALYSE_DUREE_MAX = 0.001
    settings.FICHIERS_ANALYSE_TEMPS_CPU = 7
    erreur = refus("porte.png", ex.png_bombe(8_000, 6_000))
    assert erreur.code == "analyse_delai"
    assert "a dépassé le temps autorisé (7 secondes)" in erreur.message_affiche


def test_le_refus_calcule_dans_le_sous_processus_garde_son_message():
    with pytest.raises(FichierRefuse) as erreur:
        analyser(ex.pdf_avec_action(ex.PDF_ENVOI_FORMULAIRE), "pdf", "f.pdf")
    assert erreur.value.code == "pdf_actif"
    assert "« f.pdf »" in erreur.value.message_affiche


# --- Trous du filtre PDF -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fabrique",
    [
        pytest.param(lambda: ex.pdf_avec_action(ex.PDF_ENVOI_FORMULAIRE), id="submitform-ouverture"),
        pytest.param(lambda: ex.pdf_lien_page(ex.PDF_ENVOI_FORMULAIRE), id="submitform-lien"),
        pytest.param(lambda: ex.pdf_avec_action(ex.PDF_OUVERTURE_PARTAGE_RESEAU), id="gotor-ouverture"),
        pytest.param(lambda: ex.pdf_lien_page(ex.PDF_OUVERTURE_PARTAGE_RESEAU), id="gotor-lien"),
        pytest.param(lambda: ex.pdf_lien_page(ex.PDF_LIEN_FICHIER_LOCAL), id="uri-file"),
        pytest.param(lambda: ex.pdf_lien_page(b"<< /S /URI /URI (smb://serveur/partage) >>"), id="uri-smb"),
        pytest.param(lambda: ex.pdf_lien_page(b"<< /S /URI /URI (\\\\\\\\serveur\\\\x) >>"), id="uri-unc"),
        pytest.param(ex.pdf_lancement, id="launch"),
    ],
)
def test_pdf_qui_envoie_des_donnees_ou_ouvre_un_partage_reseau_refuse(fabrique):
    erreur = refus("facture.pdf", fabrique())
    assert erreur.code == "pdf_actif"
    assert "refusés pour des raisons de sécurité" in erreur.message_affiche


@pytest.mark.parametrize(
    "action",
    [ex.PDF_LIEN_WEB, b"<< /S /URI /URI (www.artisan-serrurier.fr) >>", b"<< /S /URI /URI (mailto:a@b.fr) >>"],
)
def test_pdf_avec_un_lien_web_reste_accepte(action):
    assert verifier_fichier(ex.televerse("facture.pdf", ex.pdf_lien_page(action))).type_mime == "application/pdf"


@pytest.mark.parametrize(
    "contenu",
    [
        pytest.param(ex.EXECUTABLE, id="executable"),
        pytest.param(b"\x7fELF\x02\x01\x01" + bytes(100), id="elf"),
        pytest.param(b"<?xml version='1.0'?><facture><ligne>", id="xml-tronque"),
        pytest.param(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;&a;</x>', id="xml-avec-entites"),
    ],
)
def test_executable_deguise_en_xml_de_facture_electronique_refuse(contenu):
    erreur = refus("facture.pdf", ex.pdf_fichier_joint("factur-x.xml", contenu))
    assert erreur.code == "pdf_fichier_joint"


def test_facture_electronique_au_xml_bien_forme_acceptee():
    contenu = ex.pdf_fichier_joint("factur-x.xml", ex.FACTURX_XML)
    assert verifier_fichier(ex.televerse("facture.pdf", contenu)).contenu == contenu

"""« Mes documents » : guides en page HTML et en PDF (WeasyPrint), sans réseau, mis en cache."""

import http.server
import io
import re
import threading

import pypdf
import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils.html import strip_tags

from declarations.documents import DOCUMENTS
from portail import pdf
from portail.enums import Role
from tests.fabriques import UtilisateurFactory

URL = reverse("declarations:documents")

PHRASES = {
    "guide-declaration-en-ligne": [
        "Quand faire une déclaration en ligne ?",
        "Étape 1 sur 3 — Éléments relatifs au bris de porte",
        "Étape 2 sur 3 — Éléments relatifs au service enquêteur",
        "Étape 3 sur 3 — Informations concernant l’usager",
        "strictement confidentielles",
        "Une fois la déclaration envoyée, il n’est plus possible de la modifier.",
        "enregistrée automatiquement en brouillon",
        "ProConnect",
    ],
    "notice-occupant": [
        "Votre porte a été endommagée lors d’une intervention des forces de l’ordre",
        "Vous pouvez demander à l’État d’être indemnisé(e)",
        "Mon Indemnisation Justice",
        settings.URL_PORTAIL,
        "courriel d’invitation",
        "un relevé d’identité bancaire (RIB)",
        "2 mois pour vous répondre",
        "son silence vaut refus",
        "2 mois pour contester ce refus devant le tribunal administratif",
        "116 006",
        "France Victimes",
    ],
}


def texte(contenu_pdf):
    lecteur = pypdf.PdfReader(io.BytesIO(contenu_pdf))
    return " ".join(re.sub(r"\s+", " ", page.extract_text()) for page in lecteur.pages), lecteur


@pytest.fixture(autouse=True)
def _cache_vide():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def policier(client):
    utilisateur = UtilisateurFactory(
        policier=True, prenom="Sentinelle", nom="AGENTSECRET", email="sentinelle.agent@interieur.gouv.fr"
    )
    client.force_login(utilisateur)
    return utilisateur


@pytest.mark.django_db
def test_liste_des_documents(client, policier):
    reponse = client.get(URL)
    contenu = reponse.content.decode()
    assert reponse.status_code == 200
    assert contenu.count("<h1") == 1
    assert "Guide de la déclaration en ligne" in contenu
    assert "Notice à remettre à l’occupant après un bris de porte" in contenu
    for slug in DOCUMENTS:
        assert f'href="{reverse("declarations:document", args=[slug])}"' in contenu
        assert f'href="{reverse("declarations:document_pdf", args=[slug])}"' in contenu
    assert contenu.count("fr-link--download") == len(DOCUMENTS)


@pytest.mark.django_db
@pytest.mark.parametrize("slug", list(DOCUMENTS))
def test_page_html_du_document(client, policier, slug):
    reponse = client.get(reverse("declarations:document", args=[slug]))
    contenu = reponse.content.decode()
    assert reponse.status_code == 200
    assert contenu.count("<h1") == 1
    assert f"<h1>{DOCUMENTS[slug]['titre']}</h1>" in contenu
    assert reverse("declarations:document_pdf", args=[slug]) in contenu
    lisible = re.sub(r"\s+", " ", strip_tags(contenu))
    for phrase in PHRASES[slug][1:]:
        assert phrase in lisible, phrase


@pytest.mark.django_db
@pytest.mark.parametrize("slug", list(DOCUMENTS))
def test_telechargement_pdf(client, policier, slug):
    reponse = client.get(reverse("declarations:document_pdf", args=[slug]))
    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "application/pdf"
    assert reponse["Content-Disposition"] == f'attachment; filename="{DOCUMENTS[slug]["fichier"]}"'
    assert reponse["X-Content-Type-Options"] == "nosniff"
    assert reponse.content.startswith(b"%PDF")
    contenu, lecteur = texte(reponse.content)
    for phrase in PHRASES[slug]:
        assert phrase in contenu, phrase
    # Aucune donnée de l'utilisateur connecté ni donnée confidentielle.
    for sentinelle in ("Sentinelle", "AGENTSECRET", "sentinelle.agent", policier.identifiant):
        assert sentinelle not in contenu
    # A4, polices Marianne embarquées.
    largeur, hauteur = float(lecteur.pages[0].mediabox.width), float(lecteur.pages[0].mediabox.height)
    assert round(largeur) == 595 and round(hauteur) == 842
    polices = {
        police.get_object()["/BaseFont"].split("+")[-1]
        for page in lecteur.pages
        for police in page["/Resources"]["/Font"].values()
    }
    # Marianne (DSFR) pour le texte ; une police locale du système peut compléter un symbole (⚠).
    assert {"Marianne", "Marianne-Bold"} <= polices, polices
    assert lecteur.metadata.title.startswith(DOCUMENTS[slug]["titre"])


@pytest.mark.django_db
def test_notice_lisible_a_l_impression(client, policier):
    """Gros caractères : le corps de la notice est en 14 pt (contre 11,5 pt pour le guide), format A4."""
    contenu = client.get(reverse("declarations:document_pdf", args=["notice-occupant"])).content
    lecteur = pypdf.PdfReader(io.BytesIO(contenu))
    tailles = []

    def visiteur(texte, cm, tm, police, taille):
        if texte.strip():
            tailles.append(round(taille * tm[0] * cm[0], 1))  # en points PDF (1/72 pouce)

    lecteur.pages[0].extract_text(visitor_text=visiteur)
    # La taille de texte la plus fréquente de la première page est celle du corps : 14 pt.
    assert max(set(tailles), key=tailles.count) == 14.0, tailles
    assert "Date de l’intervention" in texte(contenu)[0]  # zone à compléter à la main


@pytest.mark.django_db
def test_pdf_range_une_fois(client, policier, monkeypatch, settings, tmp_path):
    """Le PDF est rendu une fois (par la tâche) et rangé sous un nom tiré de son contenu."""
    settings.MEDIA_ROOT = tmp_path
    weasyprint = pdf._weasyprint()
    rendus = []
    html_original = weasyprint.HTML

    def html_compte(*args, **kwargs):
        rendus.append(kwargs.get("base_url"))
        return html_original(*args, **kwargs)

    monkeypatch.setattr(weasyprint, "HTML", html_compte)
    url = reverse("declarations:document_pdf", args=["notice-occupant"])
    premier = client.get(url).content
    second = client.get(url).content
    assert premier == second and premier.startswith(b"%PDF")
    assert len(rendus) == 1  # le second téléchargement vient du fichier rangé
    # Un autre policier reçoit le même fichier (aucune donnée personnelle dedans), toujours sans rendu.
    client.force_login(UtilisateurFactory(policier=True))
    assert client.get(url).content == premier
    assert len(rendus) == 1
    # Le cache est propre au contenu : un autre document est rendu.
    client.get(reverse("declarations:document_pdf", args=["guide-declaration-en-ligne"]))
    assert len(rendus) == 2


@pytest.mark.django_db
def test_pdf_sans_cache_disponible(client, policier, settings, tmp_path):
    """Le PDF rangé ne dépend pas du cache : cache injoignable (table absente), il est tout de même servi."""
    settings.MEDIA_ROOT = tmp_path
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "absente"}}
    reponse = client.get(reverse("declarations:document_pdf", args=["notice-occupant"]))
    assert reponse.status_code == 200 and reponse.content.startswith(b"%PDF")
    assert client.get(URL).status_code == 200


class _ServeurCompteur(http.server.BaseHTTPRequestHandler):
    requetes = []

    def do_GET(self):  # noqa: N802
        self.requetes.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_aucune_ressource_externe_n_est_chargee():
    """Une URL http dans le HTML n'atteint jamais le réseau ; un fichier hors des statiques est refusé."""
    serveur = http.server.HTTPServer(("127.0.0.1", 0), _ServeurCompteur)
    fil = threading.Thread(target=serveur.serve_forever, daemon=True)
    fil.start()
    try:
        adresse = f"http://127.0.0.1:{serveur.server_address[1]}"
        html = (
            f'<html><head><link rel="stylesheet" href="{adresse}/style.css"></head>'
            f'<body><p>Essai</p><img src="{adresse}/image.png"><img src="file:///etc/hostname"></body></html>'
        )
        contenu = (
            pdf._weasyprint().HTML(string=html, base_url=pdf._base_url(), url_fetcher=pdf._recuperateur()).write_pdf()
        )
        assert contenu.startswith(b"%PDF")
        assert _ServeurCompteur.requetes == []
    finally:
        serveur.shutdown()
        serveur.server_close()

    recuperateur = pdf._recuperateur()
    for url in (f"{adresse}/x.png", "https://exemple.test/x.css", "ftp://exemple.test/x", "file:///etc/hostname"):
        with pytest.raises(pdf.AccesRefuse):
            recuperateur.fetch(url)
    police = pdf.url_fichier_statique(pdf.POLICES["marianne_regulier"])
    assert police.startswith("file://")
    reponse = recuperateur.fetch(police)
    assert reponse.read(4) == b"wOF2"
    reponse.close()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "utilisateur",
    [lambda: UtilisateurFactory(), lambda: UtilisateurFactory(agent_mj=True, roles=[Role.REDACTEUR])],
    ids=["usager", "agent-mj"],
)
@pytest.mark.parametrize(
    "url",
    [
        URL,
        reverse("declarations:document", args=["notice-occupant"]),
        reverse("declarations:document_pdf", args=["notice-occupant"]),
    ],
)
def test_reserve_aux_forces_de_l_ordre(client, utilisateur, url):
    client.force_login(utilisateur())
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_anonyme_renvoye_vers_la_connexion(client):
    reponse = client.get(reverse("declarations:document_pdf", args=["notice-occupant"]))
    assert reponse.status_code == 302
    assert reponse["Location"].startswith(reverse("portail:connexion"))


@pytest.mark.django_db
def test_document_inconnu(client, policier):
    assert client.get(reverse("declarations:document", args=["inconnu"])).status_code == 404
    assert client.get(reverse("declarations:document_pdf", args=["inconnu"])).status_code == 404


@pytest.mark.django_db
def test_rendu_pdf_ne_relache_pas_le_controle_des_images_deposees(client, policier):
    """WeasyPrint active LOAD_TRUNCATED_IMAGES à l'import : portail.pdf le rétablit (images tronquées refusées)."""
    from PIL import ImageFile

    from portail.fichiers import FichierRefuse, verifier_fichier
    from tests import fichiers_exemples as ex

    assert client.get(reverse("declarations:document_pdf", args=["notice-occupant"])).status_code == 200
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    with pytest.raises(FichierRefuse):
        verifier_fichier(ex.televerse("photo.jpg", ex.jpeg_tronque()))

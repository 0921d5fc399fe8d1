"""Essayer en local (`make run`) : courriels lisibles et `localhost` équivalent à `127.0.0.1`."""

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from portail.middleware import AdresseLocaleCanoniqueMiddleware

pytestmark = pytest.mark.django_db

LIEN = "http://127.0.0.1:8000/mon-espace/invitation/" + "Zk9" * 40 + "/?source=courriel"


@pytest.fixture
def mode_embarque(settings, tmp_path):
    """Réglages de `portail.settings.dev` pour les courriels : DEBUG et backend « fichier »."""
    settings.DEBUG = True
    settings.DOSSIER_COURRIELS_DEV = str(tmp_path)
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(tmp_path)},
        }
    }
    return tmp_path


def _envoyer(sujet, texte, html=None):
    message = EmailMultiAlternatives(sujet, texte, "ne-pas-repondre@exemple.fr", ["camille@exemple.fr"])
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


def test_page_des_courriels_decodes_et_liens_cliquables(client, mode_embarque):
    _envoyer("Premier envoi", "Bonjour,\nrien à signaler.")
    _envoyer(
        "Votre invitation à compléter votre demande d’indemnisation",
        f"Bonjour,\n\nOuvrez ce lien pour compléter votre demande : {LIEN}\n\nÀ bientôt <script>alert(1)</script>",
        html="<p>version HTML</p>",
    )
    brut = "".join(f.read_text() for f in mode_embarque.glob("*.log"))
    assert LIEN not in brut  # dans le fichier, le lien est coupé (quoted-printable ou base64)

    reponse = client.get(reverse("portail:courriels_dev"))

    assert reponse.status_code == 200
    contenu = reponse.content.decode()
    assert contenu.count("<h1") == 1
    assert "Votre invitation à compléter votre demande d’indemnisation" in contenu
    assert f'<a href="{LIEN.replace("&", "&amp;")}"' in contenu
    assert "À bientôt &lt;script&gt;" in contenu and "<script>alert" not in contenu
    assert "camille@exemple.fr" in contenu
    # Le plus récent d'abord.
    assert contenu.index("Votre invitation") < contenu.index("Premier envoi")


def test_page_des_courriels_vide(client, mode_embarque):
    reponse = client.get(reverse("portail:courriels_dev"))
    assert reponse.status_code == 200
    assert "Aucun courriel envoyé pour l’instant." in reponse.content.decode()


def test_page_des_courriels_absente_hors_developpement(client, settings, tmp_path):
    settings.DEBUG = False
    settings.DOSSIER_COURRIELS_DEV = str(tmp_path)
    assert client.get(reverse("portail:courriels_dev")).status_code == 404


def test_page_des_courriels_absente_sans_dossier_de_courriels(client, settings):
    settings.DEBUG = True
    assert not hasattr(settings, "DOSSIER_COURRIELS_DEV")  # réglages de test et de production
    assert client.get(reverse("portail:courriels_dev")).status_code == 404
    assert not mail.outbox


def test_les_reglages_de_developpement_ouvrent_la_page_et_la_redirection():
    from portail.settings import dev

    assert dev.DEBUG is True
    assert dev.DOSSIER_COURRIELS_DEV == dev.MAILERS["default"]["OPTIONS"]["file_path"]
    assert "portail.middleware.AdresseLocaleCanoniqueMiddleware" in dev.MIDDLEWARE


@pytest.fixture
def redirection_locale(settings):
    settings.DEBUG = True
    settings.URL_PORTAIL = "http://127.0.0.1:8000"
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
    settings.MIDDLEWARE = [
        settings.MIDDLEWARE[0],
        "portail.middleware.AdresseLocaleCanoniqueMiddleware",
        *settings.MIDDLEWARE[1:],
    ]


@pytest.mark.parametrize("hote", ["localhost:8000", "[::1]:8000", "localhost"])
def test_localhost_redirige_vers_l_adresse_du_portail(client, redirection_locale, hote):
    reponse = client.get("/connexion/?next=/mon-espace/", HTTP_HOST=hote)
    assert reponse.status_code == 302
    assert reponse["Location"] == "http://127.0.0.1:8000/connexion/?next=/mon-espace/"


@pytest.mark.integration
def test_la_connexion_oidc_depuis_localhost_passe_par_l_adresse_inscrite(client, fournisseur_oidc, settings):
    import requests

    settings.DEBUG = True
    settings.URL_PORTAIL = "http://127.0.0.1:8000"
    settings.MIDDLEWARE = [
        settings.MIDDLEWARE[0],
        "portail.middleware.AdresseLocaleCanoniqueMiddleware",
        *settings.MIDDLEWARE[1:],
    ]
    fournisseur_oidc.inscrire_portail(settings.URL_PORTAIL)
    depart = reverse("oidc:connexion", args=["proconnect"])
    # Depuis localhost, le bouton ProConnect mène d'abord à 127.0.0.1 (même hôte pour le cookie de session
    # et pour l'URI de retour inscrite)…
    reponse = client.get(depart, HTTP_HOST="localhost:8000")
    assert reponse["Location"] == "http://127.0.0.1:8000" + depart
    # … d'où le fournisseur accepte la demande, l'URI de retour étant exactement celle inscrite.
    reponse = client.get(depart, HTTP_HOST="127.0.0.1:8000")
    assert "redirect_uri=http%3A%2F%2F127.0.0.1%3A8000%2Foidc%2Fproconnect%2Fretour%2F" in reponse["Location"]
    assert requests.get(reponse["Location"], timeout=5).status_code == 200
    # Sans la redirection, un portail qui se croirait sur localhost serait refusé par le fournisseur.
    settings.URL_PORTAIL = "http://localhost:8000"
    reponse = client.get(depart, HTTP_HOST="localhost:8000")
    assert requests.get(reponse["Location"], timeout=5).status_code == 400


def test_l_adresse_du_portail_n_est_pas_redirigee(client, redirection_locale):
    assert client.get("/connexion/", HTTP_HOST="127.0.0.1:8000").status_code == 200


def test_pas_de_redirection_hors_developpement(client, redirection_locale, settings):
    settings.DEBUG = False
    assert client.get("/connexion/", HTTP_HOST="localhost:8000").status_code == 200


def test_pas_de_redirection_d_un_formulaire(client, redirection_locale):
    reponse = client.post("/deconnexion/", HTTP_HOST="localhost:8000")
    assert reponse.status_code != 302 or not reponse["Location"].startswith("http://127.0.0.1:8000")


def test_middleware_sans_effet_si_le_portail_n_est_pas_local(rf, settings):
    settings.DEBUG = True
    settings.URL_PORTAIL = "https://indemnisation.justice.gouv.fr"
    settings.ALLOWED_HOSTS = ["localhost"]
    middleware = AdresseLocaleCanoniqueMiddleware(lambda request: "suite")
    assert middleware(rf.get("/", HTTP_HOST="localhost")) == "suite"

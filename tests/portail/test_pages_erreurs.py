"""Pages d'erreur 403, 404 et 500 au modèle « page d'erreur » du DSFR."""

import pytest
from django.core.exceptions import PermissionDenied
from django.template import loader
from django.test import Client, override_settings
from django.urls import path, reverse

from portail import urls as urls_du_portail
from portail.enums import TypeUtilisateur
from portail.models import Utilisateur


def _vue_en_panne(request):
    raise RuntimeError("panne simulée")


def _vue_interdite(request):
    raise PermissionDenied


# URLconf de test : le portail réel plus deux vues qui échouent.
urlpatterns = [
    *urls_du_portail.urlpatterns,
    path("test-panne/", _vue_en_panne),
    path("test-interdit/", _vue_interdite),
]
handler403 = "portail.views.erreur_403"
handler404 = "portail.views.erreur_404"
handler500 = "portail.views.erreur_500"


def _verifier_page_erreur(reponse, titre, code):
    html = reponse.content.decode()
    assert html.count("<h1") == 1
    assert f"<h1>{titre}</h1>" in html
    assert f"Erreur {code}" in html
    assert '<html lang="fr"' in html
    assert "fr-artwork" in html  # illustration du modèle DSFR
    assert f'<a class="fr-btn" href="{reverse("portail:accueil")}">Page d’accueil</a>' in html
    assert 'id="footer"' in html and "Accessibilité : non conforme" in html
    assert "dsfr/dist/dsfr/dsfr.module.min.js" in html
    return html


@pytest.mark.django_db
def test_404_page_inconnue(client):
    reponse = client.get("/cette-page-n-existe-pas/")
    assert reponse.status_code == 404
    _verifier_page_erreur(reponse, "Page non trouvée", 404)


@pytest.mark.django_db
def test_403_usager_dans_l_espace_des_forces_de_l_ordre(client):
    usager = Utilisateur.objects.create_user("u@exemple.fr", email="u@exemple.fr", type=TypeUtilisateur.USAGER)
    client.force_login(usager)
    reponse = client.get(reverse("declarations:accueil"))
    assert reponse.status_code == 403
    html = _verifier_page_erreur(reponse, "Accès refusé", 403)
    assert "Mon espace" in html


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_403_par_le_gestionnaire(client):
    usager = Utilisateur.objects.create_user("u@exemple.fr", email="u@exemple.fr", type=TypeUtilisateur.USAGER)
    client.force_login(usager)
    reponse = client.get("/test-interdit/")
    assert reponse.status_code == 403
    _verifier_page_erreur(reponse, "Accès refusé", 403)


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_500_exception_non_rattrapee():
    client = Client(raise_request_exception=False)
    usager = Utilisateur.objects.create_user("u@exemple.fr", email="u@exemple.fr", type=TypeUtilisateur.USAGER)
    client.force_login(usager)
    reponse = client.get("/test-panne/")
    assert reponse.status_code == 500
    _verifier_page_erreur(reponse, "Erreur inattendue", 500)
    # La politique CSP reste appliquée à la page d'erreur.
    assert "script-src 'self'" in reponse["Content-Security-Policy"]


def test_500_sans_contexte_ni_base_de_donnees():
    """Django peut rendre 500.html sans requête ni processeur de contexte, base indisponible."""
    # Pas de marqueur django_db : toute requête SQL ferait échouer le test.
    html = loader.get_template("500.html").render()
    assert html.count("<h1") == 1
    assert "<h1>Erreur inattendue</h1>" in html
    assert "dsfr/dist/dsfr/dsfr.min.css" in html
    assert "style=" not in html

"""Pages publiques servies depuis le cache, configuration du site sans requête, PDF jamais rendus dans une requête."""

import sys

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.urls import reverse
from dsfr.models import DsfrConfig

from portail.celery import app as celery_app
from tests.fabriques import UtilisateurFactory

pytestmark = pytest.mark.django_db

PAGES_PUBLIQUES = [
    "portail:accueil",
    "portail:connexion",
    "portail:accessibilite",
    "portail:mentions_legales",
    "portail:donnees_personnelles",
    "portail:plan_du_site",
    "eligibilite:debut",
    "faq:liste",
]


@pytest.fixture
def pages_en_cache(settings):
    settings.PAGES_PUBLIQUES_EN_CACHE = True
    settings.CONFIGURATION_SITE_SECONDES = 60
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("nom", PAGES_PUBLIQUES)
def test_page_publique_servie_depuis_le_cache_sans_session_ni_requete(
    client, pages_en_cache, django_assert_num_queries, nom
):
    url = reverse(nom)
    premiere = client.get(url)
    assert premiere.status_code == 200
    with django_assert_num_queries(0):
        seconde = client.get(url)
    assert seconde.status_code == 200
    assert seconde.content == premiere.content
    # Aucune session créée, aucun cookie posé pour un visiteur anonyme.
    assert not seconde.cookies and not premiere.cookies
    assert not Session.objects.exists()
    # Pas de nonce : ces pages n'ont aucun script en ligne, leurs scripts viennent de notre origine.
    for reponse in (premiere, seconde):
        politique = reponse["Content-Security-Policy"]
        assert "nonce-" not in politique and "script-src 'self'" in politique
        assert b"nonce=" not in reponse.content
        assert reponse.content.count(b"<h1") == 1


def test_visiteur_connecte_page_rendue_pour_lui(client, pages_en_cache):
    client.get(reverse("portail:accueil"))  # version anonyme en cache
    agent = UtilisateurFactory(policier=True, prenom="Sentinelle")
    client.force_login(agent)
    contenu = client.get(reverse("portail:accueil")).content.decode()
    assert "Se déconnecter" in contenu
    # Les pages des espaces connectés gardent leur nonce CSP.
    reponse = client.get(reverse("declarations:accueil"))
    assert "nonce-" in reponse["Content-Security-Policy"]


def test_test_d_eligibilite_commence_page_rendue_avec_reprise(client, pages_en_cache):
    debut = reverse("eligibilite:debut")
    contenu = client.get(debut).content.decode()
    assert 'method="get"' in contenu and "csrfmiddlewaretoken" not in contenu  # page partagée, sans jeton
    session = client.session
    session["eligibilite_reponses"] = {"statut": "locataire"}
    session.save()
    contenu = client.get(debut).content.decode()
    assert "csrfmiddlewaretoken" in contenu  # formulaire « Recommencer » (POST) pour ce visiteur


def test_message_a_lire_page_non_servie_depuis_le_cache(client, pages_en_cache):
    agent = UtilisateurFactory(policier=True)
    client.get(reverse("portail:accueil"))
    client.force_login(agent)
    reponse = client.post(reverse("portail:deconnexion"), follow=True)
    assert "Vous êtes déconnecté(e)." in reponse.content.decode()


def test_configuration_du_site_gardee_en_memoire_et_oubliee_quand_elle_change(
    client, pages_en_cache, django_assert_num_queries
):
    policier = UtilisateurFactory(policier=True)
    client.force_login(policier)
    url = reverse("declarations:accueil")
    client.get(url)
    # Session, utilisateur, rôles : plus les deux requêtes de django-dsfr à chaque page.
    with django_assert_num_queries(3):
        client.get(url)
    DsfrConfig.objects.create(language="fr", site_title="Titre de configuration", notice_title="Bandeau d’essai")
    assert "Bandeau d’essai" in client.get(url).content.decode()


@pytest.fixture
def sans_worker_ni_weasyprint(monkeypatch):
    """Production : un broker sans worker (les tâches attendent) et WeasyPrint introuvable dans ce processus :
    une vue qui rendrait un PDF échouerait."""
    conf = celery_app.conf
    avant = {"task_always_eager": conf.task_always_eager, "broker_url": conf.broker_url}
    conf.update(task_always_eager=False, broker_url="memory://")
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    yield
    conf.update(**avant)
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def test_recepisse_jamais_rendu_dans_la_requete(client, settings, tmp_path, monkeypatch, sans_worker_ni_weasyprint):
    from precontentieux.models import Dossier
    from precontentieux.tasks import generer_recepisse
    from tests.fabriques import completer, dossier_declare

    settings.MEDIA_ROOT = tmp_path
    usager = UtilisateurFactory()
    dossier = dossier_declare(usager)
    completer(dossier)
    dossier.deposer(usager)  # la tâche du récépissé part dans la file, sans worker
    dossier.refresh_from_db()
    assert not dossier.recepisse
    client.force_login(usager)
    url = reverse("usagers:recepisse", args=[dossier.reference])

    reponse = client.get(url)
    assert reponse.status_code == 202
    contenu = reponse.content.decode()
    assert "Récépissé de dépôt en cours de préparation" in contenu and contenu.count("<h1") == 1
    assert reponse["Retry-After"] == "5"

    # Le worker fait son travail (ici, dans ce processus, WeasyPrint de retour) ; le téléchargement suit.
    monkeypatch.delitem(sys.modules, "weasyprint")
    generer_recepisse.apply(args=[dossier.pk])
    assert Dossier.objects.get(pk=dossier.pk).recepisse
    reponse = client.get(url)
    assert reponse.status_code == 200 and b"".join(reponse.streaming_content).startswith(b"%PDF")


def test_mes_documents_jamais_rendus_dans_la_requete(
    client, settings, tmp_path, monkeypatch, sans_worker_ni_weasyprint
):
    from declarations.tasks import preparer_document

    settings.MEDIA_ROOT = tmp_path
    client.force_login(UtilisateurFactory(policier=True))
    url = reverse("declarations:document_pdf", args=["notice-occupant"])
    reponse = client.get(url)
    assert reponse.status_code == 202
    assert "en cours de préparation" in reponse.content.decode()

    monkeypatch.delitem(sys.modules, "weasyprint")
    preparer_document.apply(args=["notice-occupant"])
    reponse = client.get(url)
    assert reponse.status_code == 200 and reponse.content.startswith(b"%PDF")


def test_urls_des_statiques_calculees_une_fois_par_processus(settings, tmp_path):
    """`{% static %}` (une vingtaine d'appels par page) ne refait pas la recherche dans le manifeste."""
    from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
    from django.core.management import call_command

    from portail.statiques import ManifesteMemorise

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "portail.statiques.ManifesteMemorise"}}
    call_command("collectstatic", interactive=False, verbosity=0)
    memorise, reference = ManifesteMemorise(), ManifestStaticFilesStorage()
    url = memorise.url("css/portail.css")
    assert url == reference.url("css/portail.css") and url != "/static/css/portail.css"  # nom versionné
    memorise.hashed_files = {}  # le manifeste n'est plus relu : l'URL vient de la mémoire du processus
    assert memorise.url("css/portail.css") == url

"""Parcours navigateur : Chromium de Debian piloté par Playwright, face au `live_server` de pytest-django.

L'API synchrone de Playwright fait tourner une boucle asyncio dans le fil du test : Django refuserait alors
tout accès à l'ORM depuis ce fil (SynchronousOnlyOperation), y compris le vidage de la base en fin de test.
Ces accès restent pourtant synchrones et sûrs : `DJANGO_ALLOW_ASYNC_UNSAFE` est donc posé pour la durée
des seuls tests marqués `e2e` (montage, test et démontage), puis retiré. Le navigateur vit à l'échelle du
module, jamais de la session, pour que la boucle ne tourne plus quand les autres tests s'exécutent.
"""

import os

import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.outils import SCRIPT_ECOUTE_CSP, JournalNavigateur

ARGUMENTS_CHROMIUM = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):
    dossier = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(dossier):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    if item.get_closest_marker("e2e") is None:
        return (yield)
    precedent = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        return (yield)
    finally:
        if precedent is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = precedent


@pytest.fixture(scope="session", autouse=True)
def _analyseur_de_fichiers_pret():
    """Comme au démarrage du serveur web (portail/wsgi.py) : le sous-processus d'analyse des fichiers est
    lancé avant le premier dépôt, qui ne paie pas le chargement de Pillow et pypdf."""
    from portail.fichiers import demarrer_analyseur

    demarrer_analyseur(attendre=True)


@pytest.fixture(scope="module")
def navigateur():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=os.environ.get("NAVIGATEUR_CHROMIUM", "/usr/bin/chromium"),
            args=ARGUMENTS_CHROMIUM,
            headless=True,
        )
        yield chromium
        chromium.close()


@pytest.fixture
def journal_navigateur():
    """Refus CSP, erreurs JavaScript et ressources en échec relevés pendant le test."""
    return JournalNavigateur()


@pytest.fixture
def page(navigateur, live_server, journal_navigateur, django_db_serialized_rollback):
    """Un onglet neuf (cookies vides) pointé sur le portail ; échoue si la console a relevé un problème.

    Base transactionnelle (le serveur tourne dans un autre fil) avec restauration des données semées par les
    migrations (administrations, rôles) : sans elle, le vidage de fin de test les effacerait pour les suivants.
    """
    contexte = navigateur.new_context(base_url=live_server.url, locale="fr-FR", timezone_id="Europe/Paris")
    contexte.set_default_timeout(15_000)
    contexte.add_init_script(SCRIPT_ECOUTE_CSP)
    onglet = contexte.new_page()
    journal_navigateur.brancher(onglet)
    yield onglet
    contexte.close()
    probleme = journal_navigateur.problemes()
    assert not probleme, probleme

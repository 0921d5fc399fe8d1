import pytest
from django.conf import settings

pytest_plugins = ["tests.oidc_local", "tests.clamav"]


class VariableDeGabaritInconnue(str):
    """Fait échouer un test dès qu'un gabarit utilise une variable non définie."""

    def __mod__(self, other):
        raise AssertionError(f"Variable de gabarit inconnue : {other!r}")


@pytest.fixture(autouse=True, scope="session")
def _gabarits_stricts():
    settings.TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = VariableDeGabaritInconnue("%s")


@pytest.fixture(autouse=True)
def _cache_vide():
    """Chaque test part d'un cache vide : les compteurs des limiteurs de débit ne passent pas d'un test à
    l'autre (les identifiants d'utilisateurs et les adresses IP de test se répètent)."""
    from django.core.cache import cache

    from portail.cache import oublier_pages_locales

    cache.clear()
    oublier_pages_locales()
    yield
    cache.clear()
    oublier_pages_locales()


@pytest.fixture(autouse=True)
def _rappels_on_commit(request, monkeypatch):
    """Exécute les rappels `transaction.on_commit` comme en production.

    Dans un test enveloppé dans une transaction (le cas par défaut), le COMMIT n'a jamais lieu :
    on exécute donc les rappels quand le bloc `atomic` le plus externe du code testé se termine
    sans erreur (ou tout de suite hors bloc), ceux d'un bloc annulé étant déjà retirés par Django.
    Les tests `transaction=True` font de vrais COMMIT : rien à faire.
    """
    if not request.node.get_closest_marker("django_db"):
        yield
        return
    request.getfixturevalue("_django_db_helper")
    from django.db import connections, transaction

    profondeurs = {alias: len(connections[alias].atomic_blocks) for alias in connections}
    if not any(connections[alias].in_atomic_block for alias in profondeurs):
        yield
        return

    def vider(connexion, alias):
        while len(connexion.atomic_blocks) == profondeurs[alias] and connexion.run_on_commit:
            _, rappel, robuste = connexion.run_on_commit.pop(0)
            try:
                rappel()
            except Exception:
                if not robuste:
                    raise

    sortie_originale = transaction.Atomic.__exit__

    def sortie(self, exc_type, exc_value, traceback):
        resultat = sortie_originale(self, exc_type, exc_value, traceback)
        alias = self.using or "default"
        if exc_type is None and alias in profondeurs:
            vider(connections[alias], alias)
        return resultat

    on_commit_original = type(connections["default"]).on_commit

    def on_commit(connexion, rappel, robust=False):
        on_commit_original(connexion, rappel, robust)
        if connexion.alias in profondeurs:
            vider(connexion, connexion.alias)

    monkeypatch.setattr(transaction.Atomic, "__exit__", sortie)
    for alias in profondeurs:
        monkeypatch.setattr(type(connections[alias]), "on_commit", on_commit)
    yield


# Données de référence écrites par des migrations (administrations, rôles, FAQ).
MIGRATIONS_DE_DONNEES = [
    "portail.migrations.0002_administrations_et_roles",
    "faq.migrations.0002_entrees_initiales",
]


def semer_donnees_de_reference():
    import importlib

    from django.apps import apps

    for chemin in MIGRATIONS_DE_DONNEES:
        importlib.import_module(chemin).semer(apps, None)


@pytest.fixture(autouse=True)
def _donnees_de_reference(request):
    """Les tests `transaction=True` vident toutes les tables en fin de test : on ressème alors les
    données de référence que les migrations avaient écrites, pour les tests suivants."""
    utilise_la_base = request.node.get_closest_marker("django_db") or {
        "db",
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if utilise_la_base:
        request.getfixturevalue("_django_db_helper")
        from django.contrib.auth.models import Group

        if not Group.objects.filter(name="forces_de_l_ordre").exists():
            semer_donnees_de_reference()
    yield

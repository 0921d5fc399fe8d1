import pytest
from django.conf import settings


class VariableDeGabaritInconnue(str):
    """Fait échouer un test dès qu'un gabarit utilise une variable non définie."""

    def __mod__(self, other):
        raise AssertionError(f"Variable de gabarit inconnue : {other!r}")


@pytest.fixture(autouse=True, scope="session")
def _gabarits_stricts():
    settings.TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = VariableDeGabaritInconnue("%s")


@pytest.fixture(autouse=True)
def _rappels_on_commit(django_capture_on_commit_callbacks):
    """Exécute les rappels `transaction.on_commit` comme en production."""
    with django_capture_on_commit_callbacks(execute=True):
        yield

"""Les pages des forces de l'ordre lisent le dossier par une projection : jamais l'IBAN ni l'identité de l'usager."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.fabriques import UtilisateurFactory, completer, dossier_declare

pytestmark = pytest.mark.django_db

COLONNES_INTERDITES = (
    "iban",
    "titulaire_compte",
    "nom_naissance",
    "prenoms",
    "date_naissance",
    "telephone",
    "courriel",
)


@pytest.fixture(autouse=True)
def _stockage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"


def test_pages_de_l_agent_sans_colonnes_confidentielles_du_dossier(client):
    dossier = completer(dossier_declare(UtilisateurFactory()), pieces=False)
    declaration = dossier.declaration
    client.force_login(declaration.agent)
    for url in (
        reverse("declarations:mes_declarations"),
        reverse("declarations:voir", args=[declaration.pk]),
    ):
        with CaptureQueriesContext(connection) as requetes:
            reponse = client.get(url)
        assert reponse.status_code == 200
        assert declaration.reference in reponse.content.decode()
        sql = "\n".join(q["sql"] for q in requetes.captured_queries)
        assert '"precontentieux_dossier"."statut"' in sql
        for colonne in COLONNES_INTERDITES:
            assert f'"precontentieux_dossier"."{colonne}"' not in sql, (url, colonne)
        assert "IBAN" not in reponse.content.decode()

"""Administration Django : le dossier et ses pièces se consultent, sans modification du statut possible."""

import pytest
from django.urls import reverse

from precontentieux.enums import TypePiece
from tests.fabriques import UtilisateurFactory, ajouter_piece, dossier_declare

pytestmark = pytest.mark.django_db


def test_dossier_consultable_en_lecture_seule(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    dossier = dossier_declare(UtilisateurFactory())
    ajouter_piece(dossier, TypePiece.RIB, nom="rib.pdf")
    admin = UtilisateurFactory(is_staff=True, is_superuser=True, agent_mj=True)
    client.force_login(admin)
    assert client.get(reverse("admin:precontentieux_dossier_changelist")).status_code == 200
    page = client.get(reverse("admin:precontentieux_dossier_change", args=[dossier.pk]))
    assert page.status_code == 200
    contenu = page.content.decode()
    assert "rib.pdf" in contenu
    assert 'name="statut"' not in contenu  # aucun champ modifiable pour le statut
    assert client.get(reverse("admin:precontentieux_dossier_add")).status_code == 403

"""Demande d'indemnisation sans invitation, dans un vrai navigateur : « Commencer une demande » (le document des
forces de l'ordre y est annoncé), 4 étapes avec enregistrement automatique et vrais fichiers (glisser-déposer avec
progression, champ fichier, fichier refusé), logement non assuré, dépôt, accusé de réception, récépissé, ajout d'un
document après le dépôt.

Chaque page passe axe-core (WCAG 2.1 AA) et la console ne relève aucun refus CSP ni erreur JavaScript
(étapes dans `tests/e2e/parcours_usager.py`).
"""

import pytest
from django.conf import settings as reglages
from django.test import Client
from playwright.sync_api import expect

from precontentieux.enums import OrigineDossier, TypePiece
from precontentieux.models import Dossier
from tests.e2e import parcours_usager as parcours
from tests.e2e.outils import verifier_page
from tests.fabriques import UtilisateurFactory

pytestmark = pytest.mark.e2e

COURRIEL = "martin@exemple.fr"


@pytest.fixture
def fichiers_temporaires(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _connecter_par_cookie(contexte, utilisateur, live_server):
    client = Client()
    client.force_login(utilisateur)
    contexte.add_cookies(
        [
            {
                "name": reglages.SESSION_COOKIE_NAME,
                "value": client.cookies[reglages.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_demande_sans_invitation_non_assure_jusqu_au_recepisse(
    page, journal_navigateur, live_server, fichiers_temporaires
):
    usager = UtilisateurFactory(prenom="Martin", nom="DUPONT", email=COURRIEL, adresse_verifiee=True)
    _connecter_par_cookie(page.context, usager, live_server)

    page.goto("/mon-espace/demandes/nouvelle/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Commencer une demande d’indemnisation")
    expect(page.locator("#document-forces-de-l-ordre")).to_contain_text("procès-verbal, récépissé, avis de passage")
    verifier_page(page, journal_navigateur)
    page.get_by_role("button", name="Commencer ma demande").click()
    dossier = Dossier.objects.get(requerant=usager)
    assert dossier.origine == OrigineDossier.USAGER

    parcours.etape_bris_de_porte(
        page,
        journal_navigateur,
        dossier,
        qualite="proprietaire_occupant",
        assure=False,
        adresse=("2026-11-02", "3 place Bellecour", "69002", "Lyon"),
    )
    assert Dossier.objects.get(pk=dossier.pk).adresse_ville == "Lyon"
    parcours.etape_informations(page, journal_navigateur, prenoms_attendus="Martin", courriel_attendu=COURRIEL)
    requis = parcours.etape_pieces(page, journal_navigateur, dossier)
    # Sans déclaration : document des forces de l'ordre exigé ; non assuré : aucune attestation d'assurance.
    assert TypePiece.ATTESTATION_FORCES_DE_L_ORDRE in requis
    assert TypePiece.ATTESTATION_ASSURANCE not in requis
    dossier = parcours.recapitulatif_et_depot(page, journal_navigateur, dossier)

    parcours.accuse_de_reception(dossier, COURRIEL)
    parcours.telecharger_recepisse(
        page, dossier, attendus=("3 place Bellecour", "Attestation remise par les forces de l", "depose.png")
    )
    parcours.ajouter_document_apres_depot(page, journal_navigateur, dossier)

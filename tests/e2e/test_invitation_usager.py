"""La chaîne complète de l'usager invité, dans un vrai navigateur : lien du courriel d'invitation → inscription par
courriel → vérification de l'adresse → demande rattachée → 4 étapes avec de vrais fichiers → dépôt → accusé de
réception et récépissé PDF. Puis le même départ avec une persona FranceConnect, jusqu'aux champs verrouillés.

Chaque page passe axe-core (WCAG 2.1 AA) et la console ne relève aucun refus CSP ni erreur JavaScript
(étapes dans `tests/e2e/parcours_usager.py`)."""

import pytest
from playwright.sync_api import expect

from portail.models import Utilisateur
from precontentieux.enums import TypePiece
from precontentieux.models import Dossier, Invitation
from tests.e2e import parcours_usager as parcours
from tests.e2e.outils import verifier_page

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("_purger_declarations_envoyees")]

COURRIEL = "martin.dupont@courriel.fr"
MOT_DE_PASSE = "Porte-Bleue-Lilas-2024!"


@pytest.fixture
def _purger_declarations_envoyees(transactional_db):
    yield
    parcours.purger_declarations_envoyees()


@pytest.fixture
def fichiers_temporaires(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_invitation_inscription_par_courriel_jusqu_au_recepisse(
    page, journal_navigateur, live_server, settings, fichiers_temporaires
):
    settings.URL_PORTAIL = live_server.url
    dossier, lien = parcours.lien_invitation(live_server, COURRIEL)

    # Arriver : invitation, inscription, vérification de l'adresse, connexion, demande rattachée.
    parcours.ouvrir_invitation(page, journal_navigateur, lien)
    parcours.inscription_par_courriel(page, journal_navigateur, COURRIEL, MOT_DE_PASSE)
    parcours.demande_rattachee(page, journal_navigateur, dossier)
    usager = Utilisateur.objects.get(email=COURRIEL)
    dossier.refresh_from_db()
    assert dossier.requerant == usager
    assert Invitation.objects.get(dossier=dossier).utilisee_par == usager

    # Compléter : date et adresse reprises de la déclaration, pièces selon la table (logement assuré).
    parcours.etape_bris_de_porte(page, journal_navigateur, dossier, qualite="proprietaire_occupant", assure=True)
    # Compte par courriel : les coordonnées données par l'agent ne sont pas recopiées dans le compte.
    parcours.etape_informations(page, journal_navigateur, prenoms_attendus="", courriel_attendu=COURRIEL)
    requis = parcours.etape_pieces(page, journal_navigateur, dossier)
    assert TypePiece.ATTESTATION_ASSURANCE in requis
    assert TypePiece.ATTESTATION_FORCES_DE_L_ORDRE not in requis  # la déclaration de l'agent en tient lieu
    dossier = parcours.recapitulatif_et_depot(page, journal_navigateur, dossier)

    # Après le dépôt : accusé de réception envoyé, récépissé PDF téléchargé et lu.
    parcours.accuse_de_reception(dossier, COURRIEL)
    parcours.telecharger_recepisse(page, dossier, attendus=("DUPONT", "12 rue des Lilas", "titre_propriete.pdf"))

    # Le lien déjà utilisé, rouvert déconnecté : page claire.
    page.get_by_role("button", name="Se déconnecter").click()
    page.goto(lien)
    expect(page.get_by_role("heading", level=1)).to_have_text("Ce lien d’invitation a déjà été utilisé")
    verifier_page(page, journal_navigateur)


def test_invitation_puis_franceconnect_champs_verrouilles(page, journal_navigateur, live_server, fournisseur_oidc_live):
    dossier, lien = parcours.lien_invitation(live_server, COURRIEL)
    parcours.ouvrir_invitation(page, journal_navigateur, lien)
    parcours.connexion_franceconnect(page, fournisseur_oidc_live, "Camille Durand")
    # L'adresse FranceConnect n'est pas l'adresse invitée : code envoyé à l'adresse invitée (issue 11, item 2).
    parcours.code_invitation(page, journal_navigateur, COURRIEL)
    parcours.demande_rattachee(page, journal_navigateur, dossier)
    dossier.refresh_from_db()
    assert dossier.requerant.identifiant.startswith("franceconnect:")

    # Étape 1 pré-remplie depuis la déclaration, étape 2 avec l'identité certifiée verrouillée.
    parcours.etape_bris_de_porte(page, journal_navigateur, dossier, qualite="locataire", assure=False)
    parcours.champs_franceconnect_verrouilles(
        page,
        {
            "Prénoms": "Camille Marie",
            "Nom de naissance": "DURAND",
            "Date de naissance": "1985-04-12",
            "Lieu de naissance": "Lyon (69)",
            "Courriel": "camille.durand@exemple.fr",
        },
    )
    verifier_page(page, journal_navigateur)
    assert Dossier.objects.get(pk=dossier.pk).logement_assure is False

"""Chaîne complète des transitions, du dépôt à l'indemnisation (smoke test de la table)."""

import pytest

from portail.models import EmailSortant
from precontentieux.enums import StatutDossier
from precontentieux.models import TransitionInterdite
from tests.factories import UtilisateurFactory
from tests.precontentieux.outils import completer, dossier_declare

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _stockage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"


def test_de_bout_en_bout_avec_separation_des_fonctions():
    usager = UtilisateurFactory()
    attributeur = UtilisateurFactory(agent_mj=True, roles=["attributeur"])
    redacteur = UtilisateurFactory(agent_mj=True, roles=["redacteur", "validateur"])
    validateur = UtilisateurFactory(agent_mj=True, roles=["validateur"])
    budget = UtilisateurFactory(agent_mj=True, roles=["liaison_budget"])
    dossier = completer(dossier_declare(usager))
    dossier.deposer(usager)
    dossier.attribuer(attributeur, redacteur)
    assert EmailSortant.objects.filter(gabarit="attribution", destinataire=redacteur.email).exists()
    dossier.demarrer_instruction(redacteur)
    dossier.demander_complements(redacteur, "Merci d’envoyer le bail.")
    dossier.recevoir_complements(usager)
    dossier.transitionner("proposer_indemnisation", redacteur)
    with pytest.raises(TransitionInterdite, match="vous-même"):
        dossier.transitionner("signer_proposition", redacteur)
    dossier.transitionner("signer_proposition", validateur)
    dossier.transitionner("accepter_proposition", usager)
    dossier.transitionner("preparer_arrete", redacteur)
    dossier.transitionner("signer_arrete", validateur)
    dossier.transitionner("transmettre_budget", budget)
    dossier.transitionner("marquer_indemnise", budget)
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.INDEMNISE
    assert dossier.indemnise_le and dossier.attribue_le and dossier.arrete_signe_le

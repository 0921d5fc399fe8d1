"""Écrans de la décision dans un vrai navigateur, chacun (états d'erreur compris) passé à axe-core : proposer une
indemnisation (montant prérempli, aperçu du courrier, alerte de dépassement, soumission), proposer un rejet (motif,
aperçu), clôturer avec un motif. Le courrier affiché est celui du PDF (même gabarit)."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from precontentieux.enums import StatutDossier
from precontentieux.models import Dossier
from tests.e2e import parcours_usager as parcours
from tests.e2e.outils import verifier_page
from tests.e2e.test_backoffice_instruction import _onglet_connecte

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("_purger_declarations_envoyees")]


@pytest.fixture
def _purger_declarations_envoyees(transactional_db):
    """Les déclarations envoyées sont immuables (déclencheur SQL) : purgées avant le vidage de la base."""
    yield
    parcours.purger_declarations_envoyees()


@pytest.fixture(autouse=True)
def _attentes_longues():
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture
def fichiers_temporaires(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _dossier(equipe):
    from tests.precontentieux.outils_backoffice import dossier_en_instruction

    dossier = dossier_en_instruction(equipe)
    Dossier.objects.filter(pk=dossier.pk).update(montant_demande=Decimal("1234.56"))
    return dossier


def test_proposer_une_indemnisation_puis_soumettre(navigateur, live_server, journal_navigateur, fichiers_temporaires):
    from tests.precontentieux.outils_backoffice import agents

    equipe = agents()
    dossier = _dossier(equipe)
    onglet = _onglet_connecte(navigateur, live_server, journal_navigateur, equipe["redacteur"])
    onglet.set_default_timeout(60_000)
    onglet.goto(f"/precontentieux/dossiers/{dossier.reference}/")
    onglet.get_by_role("link", name="Proposer une indemnisation").click()
    champ = onglet.get_by_label(re.compile(r"^\s*Montant proposé"))
    expect(champ).to_have_value("1234,56")
    verifier_page(onglet, journal_navigateur)
    champ.fill("douze euros")
    onglet.get_by_role("button", name="Voir l’aperçu du courrier").click()
    expect(onglet.locator("#resume-erreurs")).to_contain_text("Saisissez un montant en euros")
    expect(onglet).to_have_title(re.compile("^Erreur"))
    verifier_page(onglet, journal_navigateur)
    onglet.get_by_label(re.compile(r"^\s*Montant proposé")).fill("1 500")
    onglet.get_by_label(re.compile(r"^\s*Paragraphe d’explication")).fill("Le devis retenu est le moins élevé.")
    onglet.get_by_role("button", name="Voir l’aperçu du courrier").click()
    expect(onglet.get_by_text("La proposition dépasse le montant demandé")).to_be_visible()
    expect(onglet.locator(".precontentieux-courrier")).to_contain_text("mille cinq cents euros")
    expect(onglet.locator(".precontentieux-courrier")).to_contain_text("Le devis retenu est le moins élevé.")
    verifier_page(onglet, journal_navigateur)
    onglet.get_by_role("button", name="Soumettre à la signature").click()
    expect(onglet.get_by_text("transmise à la signature d’un validateur")).to_be_visible()
    verifier_page(onglet, journal_navigateur)
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.PROPOSITION_A_SIGNER
    assert dossier.montant_propose == Decimal("1500.00")
    onglet.context.close()


def test_proposer_un_rejet_et_cloturer(navigateur, live_server, journal_navigateur, fichiers_temporaires):
    from tests.precontentieux.outils_backoffice import agents

    equipe = agents()
    dossier = _dossier(equipe)
    autre = _dossier(equipe)
    onglet = _onglet_connecte(navigateur, live_server, journal_navigateur, equipe["redacteur"])
    onglet.set_default_timeout(60_000)
    onglet.goto(f"/precontentieux/dossiers/{dossier.reference}/")
    onglet.get_by_role("link", name="Proposer un rejet").click()
    verifier_page(onglet, journal_navigateur)
    onglet.locator("label", has_text="Autre motif").first.click()
    onglet.get_by_role("button", name="Voir l’aperçu du courrier").click()
    expect(onglet.locator("#resume-erreurs")).to_contain_text("écrivez le texte du motif")
    verifier_page(onglet, journal_navigateur)
    onglet.locator("label", has_text="Dégradations dans les parties communes").click()
    onglet.get_by_role("button", name="Voir l’aperçu du courrier").click()
    expect(onglet.locator(".precontentieux-courrier")).to_contain_text("syndicat des copropriétaires")
    verifier_page(onglet, journal_navigateur)
    onglet.get_by_role("button", name="Soumettre à la signature").click()
    expect(onglet.get_by_text("La décision de rejet est transmise")).to_be_visible()
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.REJET_A_SIGNER

    onglet.goto(f"/precontentieux/dossiers/{autre.reference}/")
    onglet.get_by_role("link", name="Clôturer", exact=True).click()
    verifier_page(onglet, journal_navigateur)
    onglet.get_by_role("button", name="Clôturer définitivement le dossier").click()
    expect(onglet.locator("#resume-erreurs")).to_contain_text("Choisissez le motif de la clôture.")
    verifier_page(onglet, journal_navigateur)
    onglet.locator("label", has_text="Désistement du requérant").click()
    onglet.get_by_role("button", name="Clôturer définitivement le dossier").click()
    expect(onglet.get_by_text("Le dossier est clôturé.")).to_be_visible()
    verifier_page(onglet, journal_navigateur)
    autre.refresh_from_db()
    assert autre.statut == StatutDossier.CLOTURE
    onglet.context.close()

"""Signature et décision de l'usager dans un vrai navigateur (issue 9, parties 3 et 4) : trois parcours.

- « rejeté » : le validateur ouvre la file des rejets, lit le courrier, signe ; l'usager lit la décision (motif en
  mots simples, recours) ;
- « proposition refusée » : le validateur signe la proposition ; l'usager ouvre « Accepter » (déclaration
  d'acceptation, IBAN) puis renonce, refuse sans confirmer (erreur), puis confirme son refus ;
- « renvoyée par le validateur » : renvoi sans commentaire (erreur), puis avec ; le rédacteur lit le commentaire sur
  la fiche.

Les dossiers arrivent à l'étape de signature par les vraies transitions (fabriques) ; chaque page traversée, états
d'erreur compris, passe axe-core (WCAG 2.1 AA), sans refus CSP ni erreur JavaScript (`verifier_page`).
"""

import re

import pytest
from django.conf import settings as reglages
from django.test import Client
from playwright.sync_api import expect

from portail.enums import Role
from precontentieux.enums import StatutDossier
from precontentieux.models import Dossier
from tests.e2e.outils import SCRIPT_ECOUTE_CSP, verifier_page
from tests.e2e.parcours_usager import purger_declarations_envoyees
from tests.fabriques import DossierFactory, UtilisateurFactory

pytestmark = pytest.mark.e2e
S = StatutDossier


@pytest.fixture(autouse=True)
def _fichiers(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"


@pytest.fixture(autouse=True)
def _purge(transactional_db):
    yield
    purger_declarations_envoyees()


@pytest.fixture(autouse=True)
def _attentes_longues():
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


def _onglet(navigateur, live_server, journal, utilisateur):
    """Un navigateur à part (cookies propres) ouvert au nom de `utilisateur`."""
    contexte = navigateur.new_context(base_url=live_server.url, locale="fr-FR", timezone_id="Europe/Paris")
    contexte.set_default_timeout(30_000)
    contexte.add_init_script(SCRIPT_ECOUTE_CSP)
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
    onglet = contexte.new_page()
    journal.brancher(onglet)
    return onglet


def _dossier(etat):
    requerant = UtilisateurFactory(adresse_verifiee=True, prenom="Camille", nom="DURAND")
    return DossierFactory(etat=etat, requerant=requerant)


def _validateur():
    return UtilisateurFactory(agent_mj=True, roles=[Role.VALIDATEUR], prenom="Valérie", nom="VALIDATRICE")


def _signer(onglet, journal, dossier, file, libelle_file):
    """Le validateur ouvre sa file, le dossier, lit le courrier et signe."""
    onglet.goto("/precontentieux/")
    verifier_page(onglet, journal)
    menu = onglet.get_by_role("navigation", name="Précontentieux")
    menu.get_by_role("link", name=re.compile(f"^{libelle_file}")).click()
    expect(onglet.get_by_role("heading", level=1)).to_have_text(libelle_file)
    expect(onglet.locator(f'tr[data-reference="{dossier.reference}"]')).to_have_count(1)
    verifier_page(onglet, journal)
    onglet.get_by_role("link", name=dossier.reference).click()
    expect(onglet.get_by_role("heading", level=1)).to_have_text(f"Dossier n° {dossier.reference}")
    onglet.get_by_role("link", name=re.compile("^Signer et envoyer")).click()
    expect(onglet.get_by_role("heading", level=2, name="Le courrier à signer")).to_be_visible()
    expect(onglet.locator("article.courrier-apercu")).to_contain_text("Aperçu non signé")
    verifier_page(onglet, journal)
    onglet.get_by_role("button", name="Signer et envoyer").click()
    expect(onglet.get_by_role("heading", level=1)).to_have_text(f"Dossier n° {dossier.reference}")
    expect(onglet.locator("main")).to_contain_text("courrier signé par Valérie VALIDATRICE (validateur)")
    verifier_page(onglet, journal)


def test_parcours_rejete(navigateur, journal_navigateur, live_server):
    dossier = _dossier(S.REJET_A_SIGNER)
    validateur = _onglet(navigateur, live_server, journal_navigateur, _validateur())
    _signer(validateur, journal_navigateur, dossier, "rejets-a-signer", "Rejets à signer")
    validateur.context.close()
    assert Dossier.objects.get(pk=dossier.pk).statut == S.REJETE

    usager = _onglet(navigateur, live_server, journal_navigateur, dossier.requerant)
    usager.goto(f"/mon-espace/demandes/{dossier.reference}/")
    usager.get_by_role("link", name="Lire la décision").click()
    expect(usager.get_by_role("heading", level=1)).to_have_text(f"Décision sur votre demande n° {dossier.reference}")
    expect(usager.locator("main")).to_contain_text("C’est à lui de réparer les dégradations")
    expect(usager.get_by_role("heading", name="Contester cette décision")).to_be_visible()
    expect(usager.locator("main")).to_contain_text("Signé électroniquement le")
    verifier_page(usager, journal_navigateur)
    usager.context.close()


def test_parcours_proposition_refusee(navigateur, journal_navigateur, live_server):
    dossier = _dossier(S.PROPOSITION_A_SIGNER)
    validateur = _onglet(navigateur, live_server, journal_navigateur, _validateur())
    _signer(validateur, journal_navigateur, dossier, "propositions-a-signer", "Propositions à signer")
    validateur.context.close()

    usager = _onglet(navigateur, live_server, journal_navigateur, dossier.requerant)
    usager.goto(f"/mon-espace/demandes/{dossier.reference}/")
    usager.get_by_role("link", name="Lire la proposition et y répondre").click()
    expect(usager.locator("main")).to_contain_text("850,00")
    verifier_page(usager, journal_navigateur)
    # « Accepter » montre la déclaration et l'IBAN, sans rien enregistrer ; l'usager renonce.
    usager.get_by_role("link", name="Accepter la proposition").click()
    expect(usager.get_by_role("heading", level=1)).to_have_text("Accepter la proposition d’indemnisation")
    expect(usager.locator("main")).to_contain_text("entièrement indemnisé")
    expect(usager.get_by_label(re.compile("^IBAN"))).to_have_value("FR76 3000 6000 0112 3456 7890 189")
    verifier_page(usager, journal_navigateur)
    usager.get_by_role("button", name="Confirmer et signer mon acceptation").click()  # case non cochée
    expect(usager).to_have_title(re.compile("^Erreur"))
    expect(usager.locator("#resume-erreurs")).to_contain_text("Cochez la case")
    verifier_page(usager, journal_navigateur)
    usager.get_by_role("link", name="Annuler").click()
    # Refuser : sans confirmer, l'erreur ; puis le refus confirmé.
    usager.get_by_role("link", name="Refuser la proposition").click()
    expect(usager.get_by_role("heading", level=1)).to_have_text("Refuser la proposition d’indemnisation")
    verifier_page(usager, journal_navigateur)
    usager.get_by_label(re.compile("Pourquoi refusez-vous")).fill("Le montant ne couvre pas la serrure.")
    usager.get_by_role("button", name="Confirmer mon refus").click()
    expect(usager).to_have_title(re.compile("^Erreur"))
    verifier_page(usager, journal_navigateur)
    usager.locator("label", has_text="Je refuse définitivement").click()
    usager.get_by_role("button", name="Confirmer mon refus").click()
    expect(usager.locator("main")).to_contain_text("Vous avez refusé cette proposition")
    verifier_page(usager, journal_navigateur)
    usager.context.close()
    dossier.refresh_from_db()
    assert dossier.statut == S.PROPOSITION_REFUSEE


def test_parcours_renvoyee_par_le_validateur(navigateur, journal_navigateur, live_server):
    dossier = _dossier(S.PROPOSITION_A_SIGNER)
    validateur = _onglet(navigateur, live_server, journal_navigateur, _validateur())
    validateur.goto(f"/precontentieux/dossiers/{dossier.reference}/signer/")
    verifier_page(validateur, journal_navigateur)
    validateur.get_by_role("link", name="Renvoyer au rédacteur").click()
    expect(validateur.get_by_role("heading", level=1)).to_contain_text("Renvoyer au rédacteur")
    verifier_page(validateur, journal_navigateur)
    validateur.get_by_role("button", name="Renvoyer au rédacteur").click()  # sans commentaire
    expect(validateur).to_have_title(re.compile("^Erreur"))
    verifier_page(validateur, journal_navigateur)
    validateur.get_by_label("Commentaire pour le rédacteur").fill("Le montant dépasse le devis : revoir.")
    validateur.get_by_role("button", name="Renvoyer au rédacteur").click()
    expect(validateur.get_by_role("heading", level=1)).to_have_text(f"Dossier n° {dossier.reference}")
    verifier_page(validateur, journal_navigateur)
    validateur.context.close()

    redacteur = _onglet(navigateur, live_server, journal_navigateur, dossier.redacteur)
    redacteur.goto(f"/precontentieux/dossiers/{dossier.reference}/")
    expect(redacteur.locator("#renvoi-validateur")).to_contain_text("Le montant dépasse le devis : revoir.")
    verifier_page(redacteur, journal_navigateur)
    redacteur.context.close()
    dossier.refresh_from_db()
    assert dossier.statut == S.EN_INSTRUCTION

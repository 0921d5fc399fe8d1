"""Du dépôt à l'indemnisation dans un vrai navigateur (issue 9) : le policier déclare → l'usager (invité par
courriel) complète et dépose → l'attributeur attribue → le rédacteur instruit et propose → le validateur signe →
l'usager accepte en ligne → le rédacteur prépare l'arrêté de paiement → un validateur le signe → la liaison budget
télécharge le dossier de paiement, confirme la transmission, puis marque le dossier indemnisé (erreur de date
d'abord) → l'usager reçoit le courriel ; le policier lit « Usager indemnisé ».

Chaque page traversée, états d'erreur compris, passe axe-core (WCAG 2.1 AA), sans refus CSP ni erreur JavaScript
(`verifier_page`).
"""

import datetime
import io
import re
import zipfile

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from portail.enums import Role
from precontentieux.enums import StatutDossier
from precontentieux.models import Dossier
from tests.e2e import parcours_usager as parcours
from tests.e2e.outils import verifier_page
from tests.e2e.test_backoffice_instruction import _declarer, _onglet_connecte
from tests.fabriques import UtilisateurFactory

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("_purger_declarations_envoyees")]

S = StatutDossier
COURRIEL = "camille.usager@courriel.fr"
MOT_DE_PASSE = "Porte-Verte-Tilleul-2026!"


@pytest.fixture
def _purger_declarations_envoyees(transactional_db):
    yield
    parcours.purger_declarations_envoyees()


@pytest.fixture(autouse=True)
def _attentes_longues():
    """Parcours long sur une machine partagée : les assertions attendent jusqu'à 30 s."""
    expect.set_options(timeout=30_000)
    yield
    expect.set_options(timeout=5_000)


def _agent(role, prenom, nom):
    return UtilisateurFactory(
        agent_mj=True, roles=[role], prenom=prenom, nom=nom, email=f"{prenom.lower()}.{nom.lower()}@justice.gouv.fr"
    )


def _menu(onglet, libelle):
    """Ouvre une file depuis le menu du back-office (compteur compris dans le nom du lien)."""
    onglet.goto("/precontentieux/")
    onglet.get_by_role("navigation", name="Précontentieux").get_by_role("link", name=re.compile(f"^{libelle}")).click()


def _statut(dossier):
    return Dossier.objects.values_list("statut", flat=True).get(pk=dossier.pk)


def test_du_depot_a_l_indemnisation(page, navigateur, journal_navigateur, live_server, settings, tmp_path):
    settings.URL_PORTAIL = live_server.url
    settings.MEDIA_ROOT = tmp_path
    page.set_default_timeout(60_000)  # le dépôt produit le récépissé PDF (tâches exécutées sur place)
    policier = UtilisateurFactory(policier=True, prenom="Paul", nom="Martin", email="paul.martin@interieur.gouv.fr")
    attributeur = _agent(Role.ATTRIBUTEUR, "Alice", "Attrib")
    redacteur = _agent(Role.REDACTEUR, "Rémi", "Redac")
    validateur = _agent(Role.VALIDATEUR, "Valérie", "Validatrice")
    liaison = _agent(Role.LIAISON_BUDGET, "Léa", "Budget")

    def onglet(utilisateur):
        nouvel = _onglet_connecte(navigateur, live_server, journal_navigateur, utilisateur)
        nouvel.set_default_timeout(60_000)
        return nouvel

    # 1. Le policier déclare ; l'usager est invité par courriel.
    onglet_policier = onglet(policier)
    dossier, lien = _declarer(onglet_policier, journal_navigateur)
    onglet_policier.context.close()

    # 2. L'usager complète et dépose sa demande.
    parcours.ouvrir_invitation(page, journal_navigateur, lien)
    parcours.inscription_par_courriel(page, journal_navigateur, COURRIEL, MOT_DE_PASSE)
    parcours.demande_rattachee(page, journal_navigateur, dossier)
    parcours.etape_bris_de_porte(page, journal_navigateur, dossier, qualite="locataire", assure=True)
    parcours.etape_informations(page, journal_navigateur, prenoms_attendus="", courriel_attendu=COURRIEL)
    parcours.etape_pieces(page, journal_navigateur, dossier)
    dossier = parcours.recapitulatif_et_depot(page, journal_navigateur, dossier)
    url_fiche = f"/precontentieux/dossiers/{dossier.reference}/"

    # 3. L'attributeur attribue le dossier au rédacteur.
    onglet_attributeur = onglet(attributeur)
    onglet_attributeur.goto(url_fiche)
    onglet_attributeur.get_by_role("link", name="Attribuer", exact=True).click()
    onglet_attributeur.get_by_label(re.compile(r"^\s*Rédacteur")).select_option(label="Rémi Redac — 0 dossier en cours")
    onglet_attributeur.get_by_role("button", name="Attribuer", exact=True).click()
    expect(onglet_attributeur.get_by_text("Le dossier est attribué à Rémi Redac")).to_be_visible()
    onglet_attributeur.context.close()

    # 4. Le rédacteur démarre l'instruction et propose une indemnisation (aperçu, puis soumission).
    onglet_redacteur = onglet(redacteur)
    onglet_redacteur.goto(url_fiche)
    onglet_redacteur.get_by_role("button", name="Démarrer l’instruction").click()
    expect(onglet_redacteur.get_by_text("L’instruction est démarrée.")).to_be_visible()
    onglet_redacteur.get_by_role("link", name="Proposer une indemnisation").click()
    onglet_redacteur.get_by_label(re.compile(r"^\s*Montant proposé")).fill("850")
    onglet_redacteur.get_by_role("button", name="Voir l’aperçu du courrier").click()
    expect(onglet_redacteur.locator("article.courrier-apercu")).to_contain_text("huit cent cinquante euros")
    onglet_redacteur.get_by_role("button", name="Soumettre à la signature").click()
    expect(onglet_redacteur.get_by_role("heading", level=1)).to_have_text(f"Dossier n° {dossier.reference}")
    assert _statut(dossier) == S.PROPOSITION_A_SIGNER

    # 5. Le validateur signe et envoie la proposition.
    onglet_validateur = onglet(validateur)
    onglet_validateur.goto(url_fiche)
    onglet_validateur.get_by_role("link", name="Signer et envoyer la proposition").click()
    onglet_validateur.get_by_role("button", name="Signer et envoyer").click()
    expect(onglet_validateur.get_by_role("heading", level=1)).to_have_text(f"Dossier n° {dossier.reference}")
    assert _statut(dossier) == S.PROPOSITION_ENVOYEE

    # 6. L'usager accepte en ligne (déclaration d'acceptation signée, IBAN confirmé).
    page.goto(f"/mon-espace/demandes/{dossier.reference}/")
    page.get_by_role("link", name="Lire la proposition et y répondre").click()
    page.get_by_role("link", name="Accepter la proposition").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accepter la proposition d’indemnisation")
    page.locator("label", has_text="J’ai lu la déclaration d’acceptation").click()
    page.get_by_role("button", name="Confirmer et signer mon acceptation").click()
    expect(page.get_by_text("Vous avez accepté la proposition")).to_be_visible()
    assert _statut(dossier) == S.PROPOSITION_ACCEPTEE

    # 7. Le rédacteur prépare l'arrêté de paiement depuis sa file : aperçu (banque et BIC déduits de l'IBAN).
    _menu(onglet_redacteur, "Arrêté de paiement à préparer")
    expect(onglet_redacteur.get_by_role("heading", level=1)).to_have_text(
        "Mes dossiers — arrêté de paiement à préparer"
    )
    expect(onglet_redacteur.locator(f'tr[data-reference="{dossier.reference}"]')).to_have_count(1)
    verifier_page(onglet_redacteur, journal_navigateur)
    onglet_redacteur.get_by_role("link", name=f"Préparer l’arrêté du dossier {dossier.reference}").click()
    expect(onglet_redacteur.get_by_role("heading", level=1)).to_contain_text("Préparer l’arrêté de paiement")
    apercu = onglet_redacteur.locator("article.courrier-apercu")
    expect(apercu).to_contain_text("tenu par CREDIT AGRICOLE SA (BIC AGRIFRPPXXX)")
    expect(apercu).to_contain_text("programme 166")
    expect(apercu).to_contain_text("850,00")
    verifier_page(onglet_redacteur, journal_navigateur)
    onglet_redacteur.get_by_role("button", name="Préparer l’arrêté et l’envoyer à la signature").click()
    expect(onglet_redacteur.get_by_text("L’arrêté de paiement est préparé")).to_be_visible()
    verifier_page(onglet_redacteur, journal_navigateur)
    assert _statut(dossier) == S.ARRETE_A_SIGNER
    onglet_redacteur.context.close()

    # 8. Un validateur signe l'arrêté (vue de signature commune).
    _menu(onglet_validateur, "Arrêtés à signer")
    onglet_validateur.get_by_role("link", name=dossier.reference).click()
    onglet_validateur.get_by_role("link", name="Signer l’arrêté de paiement").click()
    expect(onglet_validateur.locator("article.courrier-apercu")).to_contain_text("Arrête :")
    onglet_validateur.get_by_role("button", name="Signer et envoyer").click()
    expect(onglet_validateur.get_by_role("heading", level=1)).to_have_text(f"Dossier n° {dossier.reference}")
    assert _statut(dossier) == S.A_INDEMNISER
    onglet_validateur.context.close()

    # 9. La liaison budget : file « À transmettre », dossier de paiement (ZIP), confirmation de la transmission.
    onglet_budget = onglet(liaison)
    _menu(onglet_budget, "À transmettre")
    expect(onglet_budget.get_by_role("heading", level=1)).to_have_text("À transmettre")
    expect(onglet_budget.locator(f'tr[data-reference="{dossier.reference}"]')).to_contain_text("850,00")
    verifier_page(onglet_budget, journal_navigateur)
    with onglet_budget.expect_download() as telechargement:
        onglet_budget.get_by_role("link", name=f"ZIP du dossier de paiement {dossier.reference}").click()
    with open(telechargement.value.path(), "rb") as fichier:
        contenu = fichier.read()
    assert sorted(zipfile.ZipFile(io.BytesIO(contenu)).namelist()) == sorted(
        f"{dossier.reference}-{nom}"
        for nom in ("declaration-acceptation.pdf", "arrete-de-paiement.pdf", "piece-identite.pdf", "rib.pdf")
    )
    onglet_budget.get_by_role("link", name=f"Confirmer la transmission du dossier {dossier.reference}").click()
    expect(onglet_budget.get_by_role("heading", level=1)).to_contain_text("Transmettre au budget")
    expect(onglet_budget.locator("main")).to_contain_text(f"{dossier.reference}-rib.pdf")
    verifier_page(onglet_budget, journal_navigateur)
    onglet_budget.get_by_role("button", name="Confirmer la transmission au budget").click()
    expect(onglet_budget.get_by_text(f"Le dossier {dossier.reference} est transmis au budget")).to_be_visible()
    verifier_page(onglet_budget, journal_navigateur)
    assert _statut(dossier) == S.TRANSMIS_BUDGET

    # 10. « Transmis au budget » puis « Marquer indemnisé » : une date future est refusée, sous le champ.
    _menu(onglet_budget, "Transmis au budget")
    expect(onglet_budget.locator(f'tr[data-reference="{dossier.reference}"]')).to_contain_text("aujourd’hui")
    verifier_page(onglet_budget, journal_navigateur)
    onglet_budget.get_by_role("link", name=f"Marquer indemnisé le dossier {dossier.reference}").click()
    verifier_page(onglet_budget, journal_navigateur)
    aujourd_hui = timezone.localdate()
    champ = onglet_budget.get_by_label(re.compile(r"^\s*Date du virement"))
    champ.fill((aujourd_hui + datetime.timedelta(days=1)).isoformat())
    onglet_budget.get_by_role("button", name="Confirmer : le dossier est indemnisé").click()
    expect(onglet_budget).to_have_title(re.compile("^Erreur"))
    expect(onglet_budget.locator("#resume-erreurs")).to_contain_text("ne peut pas être dans le futur")
    verifier_page(onglet_budget, journal_navigateur)
    onglet_budget.get_by_label(re.compile(r"^\s*Date du virement")).fill(aujourd_hui.isoformat())
    onglet_budget.get_by_role("button", name="Confirmer : le dossier est indemnisé").click()
    expect(onglet_budget.get_by_text(f"Le dossier {dossier.reference} est indemnisé")).to_be_visible()
    verifier_page(onglet_budget, journal_navigateur)
    onglet_budget.context.close()
    dossier.refresh_from_db()
    assert dossier.statut == S.INDEMNISE and dossier.date_virement == aujourd_hui

    # 11. L'usager est averti ; sa demande est terminée. Le policier lit l'issue, rien de plus.
    (courriel,) = [m for m in mail.outbox if m.subject == f"Votre indemnisation {dossier.reference} a été versée"]
    assert courriel.to == [COURRIEL] and courriel.body.startswith("Bonjour,")
    page.goto(f"/mon-espace/demandes/{dossier.reference}/")
    verifier_page(page, journal_navigateur)
    onglet_policier = onglet(policier)
    onglet_policier.goto("/forces-de-l-ordre/mes-declarations/")
    expect(onglet_policier.locator("main")).to_contain_text("Usager indemnisé")
    expect(onglet_policier.locator("main")).not_to_contain_text("850")
    verifier_page(onglet_policier, journal_navigateur)
    onglet_policier.context.close()

"""L'usager ouvre le lien d'invitation reçu par courriel, crée son compte (ou passe par FranceConnect), et
arrive sur sa demande rattachée ; chaque page est vérifiée avec axe-core (et sans refus CSP)."""

import importlib
import re

import pytest
from django.core import mail
from django.db import connection
from playwright.sync_api import expect

from declarations.models import envoyer_declaration
from portail.models import Utilisateur
from precontentieux.models import Invitation
from tests.e2e.outils import verifier_accessibilite, verifier_page
from tests.factories import DeclarationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("_purger_declarations_envoyees")]

COURRIEL = "martin.dupont@courriel.fr"
MOT_DE_PASSE = "Porte-Bleue-Lilas-2024!"
MOT_DE_PASSE_LIBELLE = re.compile(r"^\s*Mot de passe")


@pytest.fixture
def _purger_declarations_envoyees(transactional_db):
    """Fin de test sous SQLite : lève le temps du vidage les déclencheurs qui rendent une déclaration envoyée
    immuable (même procédé que tests/e2e/test_declaration.py)."""
    yield
    if connection.vendor != "sqlite":
        return
    immuabilite = importlib.import_module("declarations.migrations.0002_immutabilite_en_base")
    with connection.cursor() as curseur:
        for sql in immuabilite.SQLITE_RETOUR:
            curseur.execute(sql)
        try:
            curseur.execute("DELETE FROM declarations_declaration WHERE statut = 'envoyee'")
        finally:
            for sql in immuabilite.SQLITE:
                curseur.execute(sql)


def _lien_invitation(live_server):
    declaration = DeclarationFactory(complete=True, usager_courriel=COURRIEL)
    declaration = envoyer_declaration(declaration.pk, declaration.agent)
    (courriel,) = [m for m in mail.outbox if m.to == [COURRIEL]]
    lien = re.search(r"https?://\S+/mon-espace/invitation/\S+/", courriel.body).group(0)
    assert lien.startswith(live_server.url)
    return declaration.dossier, lien


def _sur_la_demande(page, journal, dossier):
    expect(page).to_have_url(re.compile(rf"/mon-espace/demandes/{dossier.reference}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Demande n° {dossier.reference}")
    expect(page.get_by_text("rattachée à votre compte").first).to_be_visible()
    verifier_page(page, journal)
    page.get_by_role("link", name="Mes demandes").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    expect(page.get_by_text("À compléter").first).to_be_visible()
    verifier_page(page, journal)


def test_invitation_puis_inscription_par_courriel(page, journal_navigateur, live_server, settings):
    settings.URL_PORTAIL = live_server.url
    dossier, lien = _lien_invitation(live_server)

    page.goto(lien)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Votre porte a été endommagée")
    verifier_page(page, journal_navigateur)
    page.get_by_role("button", name="Créer un compte avec mon adresse email").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Créer un compte")
    expect(page.get_by_label("Adresse électronique")).to_have_value(COURRIEL)
    verifier_page(page, journal_navigateur)
    page.get_by_label(MOT_DE_PASSE_LIBELLE).fill(MOT_DE_PASSE)
    page.get_by_label("Confirmation du mot de passe").fill(MOT_DE_PASSE)
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    verification = [m for m in mail.outbox if m.to == [COURRIEL] and "/compte/confirm-email/" in m.body][-1]
    page.goto(re.search(r"https?://\S+/compte/confirm-email/\S+", verification.body).group(0))
    page.get_by_role("button", name="Confirmer mon adresse").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter avec son adresse électronique")
    page.get_by_label("Adresse électronique").fill(COURRIEL)
    page.get_by_label(MOT_DE_PASSE_LIBELLE).fill(MOT_DE_PASSE)
    page.get_by_role("button", name="Se connecter", exact=True).click()

    _sur_la_demande(page, journal_navigateur, dossier)
    usager = Utilisateur.objects.get(email=COURRIEL)
    dossier.refresh_from_db()
    assert dossier.requerant == usager
    assert Invitation.objects.get(dossier=dossier).utilisee_par == usager

    # Le lien déjà utilisé, rouvert déconnecté : page claire.
    page.get_by_role("button", name="Se déconnecter").click()
    page.goto(lien)
    expect(page.get_by_role("heading", level=1)).to_have_text("Ce lien d’invitation a déjà été utilisé")
    verifier_page(page, journal_navigateur)


def test_invitation_puis_franceconnect(page, journal_navigateur, live_server, fournisseur_oidc_live):
    dossier, lien = _lien_invitation(live_server)
    page.goto(lien)
    verifier_page(page, journal_navigateur)
    page.get_by_role("button", name=re.compile("S’identifier avec\\s*FranceConnect")).click()

    emetteur = fournisseur_oidc_live.emetteur("franceconnect")
    expect(page).to_have_url(re.compile("^" + re.escape(emetteur + "/authorize")))
    verifier_accessibilite(page)
    page.get_by_role("button", name=re.compile("Camille Durand")).click()

    _sur_la_demande(page, journal_navigateur, dossier)
    dossier.refresh_from_db()
    assert dossier.requerant.identifiant.startswith("franceconnect:")

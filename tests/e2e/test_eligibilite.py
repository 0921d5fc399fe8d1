"""Test d'éligibilité public, dans Chromium : les trois issues, chaque page vérifiée (axe-core, CSP, un seul h1)."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.outils import verifier_page

pytestmark = pytest.mark.e2e


def verifier(page, journal, titre_h1):
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_text(titre_h1)
    verifier_page(page, journal)


def repondre(page, journal, question, reponse, numero):
    """Vérifie la page de la question, coche la réponse (par son libellé) et continue."""
    verifier(page, journal, question)
    expect(page.locator("#numero-question")).to_have_text(re.compile(rf"Question {numero}$"))
    # Comme un usager : clic sur le libellé (le DSFR dessine le bouton radio sur le libellé).
    radio = page.get_by_role("radio", name=reponse)
    page.locator(f'label[for="{radio.get_attribute("id")}"]').click()
    expect(radio).to_be_checked()
    page.get_by_role("button", name="Continuer").click()


def commencer(page, journal):
    page.goto("/")
    page.get_by_role("link", name="Tester mon éligibilité").click()
    verifier(page, journal, "Tester mon éligibilité")
    page.get_by_role("button", name="Commencer le test").click()


STATUT = re.compile("situation par rapport au logement")
RECHERCHEE = "Étiez-vous la personne recherchée par les forces de l’ordre ?"
DOMICILE = "La personne recherchée réside-t-elle ou est-elle hébergée à votre domicile ?"
ASSURANCE = "Avez-vous contacté votre assureur ?"
BAILLEUR = "Avez-vous prévenu votre bailleur du bris de porte ?"


def test_eligible_personne_morale_avec_erreur_corrigee(page, journal_navigateur):
    commencer(page, journal_navigateur)
    verifier(page, journal_navigateur, STATUT)
    # Continuer sans répondre : erreur annoncée, reliée au groupe de boutons, page toujours accessible.
    page.get_by_role("button", name="Continuer").click()
    expect(page).to_have_title(re.compile("^Erreur : Question 1"))
    alerte = page.locator("#resume-erreurs")
    expect(alerte).to_contain_text("Indiquez votre situation par rapport au logement.")
    verifier(page, journal_navigateur, STATUT)
    alerte.get_by_role("link").click()
    expect(page.locator("#id_statut_0")).to_be_focused()
    repondre(page, journal_navigateur, STATUT, "Bailleur social ou personne morale", 1)
    # Pas de question sur la personne recherchée ni le domicile pour une personne morale.
    repondre(page, journal_navigateur, ASSURANCE, re.compile("^Oui, et j’ai l’attestation"), 2)

    verifier(page, journal_navigateur, "Vous pouvez demander une indemnisation")
    expect(page.locator("main")).to_contain_text("FranceConnect est réservé aux particuliers")
    expect(page.locator("main").locator(".fr-connect")).to_have_count(0)
    page.get_by_role("link", name="Créer un compte avec une adresse email").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Créer un compte")


def test_incomplet_locataire_avec_retour_en_arriere(page, journal_navigateur):
    commencer(page, journal_navigateur)
    repondre(page, journal_navigateur, STATUT, "Propriétaire occupant", 1)
    # « Précédent » ramène à la question 1, réponse conservée ; on change d'avis.
    page.get_by_role("link", name="Précédent").click()
    verifier(page, journal_navigateur, STATUT)
    expect(page.get_by_role("radio", name="Propriétaire occupant")).to_be_checked()
    repondre(page, journal_navigateur, STATUT, "Locataire", 1)
    repondre(page, journal_navigateur, RECHERCHEE, "Non", 2)
    repondre(page, journal_navigateur, DOMICILE, "Je ne sais pas", 3)
    repondre(page, journal_navigateur, ASSURANCE, re.compile("^J’ai contacté mon assureur"), 4)
    repondre(page, journal_navigateur, BAILLEUR, "Non", 5)

    verifier(page, journal_navigateur, "Avant de déposer votre demande")
    a_obtenir = page.locator("#a-obtenir")
    expect(a_obtenir).to_contain_text("L’attestation de non prise en charge de votre assureur")
    expect(a_obtenir).to_contain_text("Prévenir votre bailleur")
    # Corriger une réponse depuis le résultat.
    page.get_by_role("link", name="Modifier mes réponses").click()
    verifier(page, journal_navigateur, BAILLEUR)
    repondre(page, journal_navigateur, BAILLEUR, "Oui", 5)
    verifier(page, journal_navigateur, "Avant de déposer votre demande")
    expect(page.locator("#a-obtenir li")).to_have_count(1)


def test_non_eligible_personne_hebergee(page, journal_navigateur):
    commencer(page, journal_navigateur)
    repondre(page, journal_navigateur, STATUT, "Propriétaire occupant", 1)
    repondre(page, journal_navigateur, RECHERCHEE, "Non", 2)
    repondre(page, journal_navigateur, DOMICILE, "Oui", 3)

    verifier(page, journal_navigateur, "Ce service ne peut pas prendre en charge votre demande")
    principal = page.locator("main")
    for attendu in ("116 006", "France Victimes", "Point-justice", "porter plainte", "CIVI"):
        expect(principal).to_contain_text(attendu)
    expect(principal.get_by_role("link", name="Créer un compte")).to_have_count(0)
    # Refaire le test repart de la première question, réponses effacées.
    page.get_by_role("button", name="Refaire le test").click()
    verifier(page, journal_navigateur, STATUT)
    expect(page.locator("main input[type=radio]")).to_have_count(4)
    expect(page.locator("main input[type=radio]:checked")).to_have_count(0)

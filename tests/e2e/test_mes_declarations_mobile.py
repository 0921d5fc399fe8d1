"""« Mes déclarations » sur un téléphone (390 px) : aucun défilement horizontal (WCAG 1.4.10), chaque brouillon
reconnaissable à son adresse et à ses dates, pagination DSFR, axe-core sans violation."""

import re

from django.conf import settings as reglages
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from declarations.models import Declaration
from tests.e2e.outils import SCRIPT_ECOUTE_CSP, verifier_page
from tests.fabriques import UtilisateurFactory


def test_mes_declarations_a_390_px_sans_defilement_horizontal(
    navigateur, journal_navigateur, live_server, django_db_serialized_rollback
):
    agent = UtilisateurFactory(policier=True)
    Declaration.objects.bulk_create(
        Declaration(
            agent=agent,
            adresse_voie=f"{i} avenue du Général-de-Gaulle-et-de-la-Libération-Nationale",
            adresse_complement="Bâtiment B, escalier 3, 5e étage, porte gauche",
            adresse_code_postal="97400",
            adresse_ville="Saint-Denis",
            date_operation=timezone.localdate(),
        )
        for i in range(25)
    )
    Declaration.objects.create(agent=agent)  # brouillon sans adresse
    client = Client()
    client.force_login(agent)
    contexte = navigateur.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        locale="fr-FR",
        timezone_id="Europe/Paris",
    )
    contexte.set_default_timeout(15_000)
    contexte.add_init_script(SCRIPT_ECOUTE_CSP)
    contexte.add_cookies(
        [
            {
                "name": reglages.SESSION_COOKIE_NAME,
                "value": client.cookies[reglages.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = contexte.new_page()
    journal_navigateur.brancher(page)
    try:
        page.goto("/forces-de-l-ordre/mes-declarations/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Mes déclarations")
        largeurs = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert largeurs[0] <= largeurs[1], f"défilement horizontal : {largeurs}"
        titres = page.locator("h2.fr-card__title")
        expect(titres).to_have_count(20)
        # Le plus récent d'abord : le brouillon sans adresse, puis les autres, titrés par leur adresse.
        expect(titres.first).to_have_text(re.compile(r"Brouillon —\s+adresse non renseignée"))
        expect(titres.nth(1)).to_contain_text("avenue du Général-de-Gaulle-et-de-la-Libération-Nationale")
        expect(page.get_by_text(re.compile(r"Commencé le \d{2}/\d{2}/\d{4} à \d{2}:\d{2}")).first).to_be_visible()
        pagination = page.get_by_role("navigation", name="Pagination")
        expect(pagination).to_be_visible()
        verifier_page(page, journal_navigateur)

        pagination.get_by_role("link", name="Page suivante").click()
        expect(page.locator("h2.fr-card__title")).to_have_count(6)
        expect(page.locator("h2.fr-card__title").first).to_contain_text("97400 Saint-Denis")
        largeurs = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert largeurs[0] <= largeurs[1], f"défilement horizontal : {largeurs}"
        verifier_page(page, journal_navigateur)
    finally:
        contexte.close()

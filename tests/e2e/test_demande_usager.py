"""Demande d'indemnisation de l'usager dans un vrai navigateur : 4 étapes, enregistrement automatique,
dépôt de fichiers (champ fichier et glisser-déposer, avec progression), dépôt, récépissé.

Chaque page passe axe-core (WCAG 2.1 AA) et la console ne relève aucun refus CSP ni erreur JavaScript.
"""

import re
import time

import pytest
from django.conf import settings as reglages
from django.test import Client
from playwright.sync_api import expect

from portail.models import EmailSortant
from precontentieux.enums import StatutDossier
from precontentieux.models import Dossier
from precontentieux.pieces import Situation, types_requis
from tests import fichiers_exemples as ex
from tests.e2e.outils import verifier_page
from tests.factories import UtilisateurFactory
from tests.precontentieux.outils import dossier_usager

pytestmark = pytest.mark.e2e

STATUT_ENREGISTRE = re.compile(r"^Demande enregistrée à \d{2}:\d{2}$")


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


def _cocher(page, nom, valeur):
    identifiant = page.locator(f"input[name='{nom}'][value='{valeur}']").get_attribute("id")
    page.locator(f"label[for='{identifiant}']").click()


def _attendre(condition, delai=10):
    """L'enregistrement automatique part ~1,5 s après la dernière saisie : on attend qu'il ait abouti."""
    fin = time.monotonic() + delai
    while not condition():
        assert time.monotonic() < fin, "Enregistrement automatique non abouti"
        time.sleep(0.2)


def _continuer(page):
    page.get_by_role("button", name="Continuer", exact=True).click()


def test_parcours_demande_jusqu_au_recepisse(page, journal_navigateur, live_server, fichiers_temporaires):
    usager = UtilisateurFactory(prenom="Martin", nom="DUPONT", email="martin@exemple.fr")
    dossier = dossier_usager(usager)
    _connecter_par_cookie(page.context, usager, live_server)

    # Étape 1 : saisie, enregistrement automatique, le type de personne morale n'apparaît qu'au besoin.
    page.goto(f"/mon-espace/demandes/{dossier.reference}/completer/")
    expect(page.get_by_text("Étape 1 sur 4")).to_be_visible()
    type_pm = page.get_by_label("Type de personne morale")
    _cocher(page, "le-bris-de-porte-type_requerant", "physique")
    expect(type_pm).to_be_hidden()
    _cocher(page, "le-bris-de-porte-type_requerant", "morale")
    expect(type_pm).to_be_visible()
    verifier_page(page, journal_navigateur)
    _cocher(page, "le-bris-de-porte-type_requerant", "physique")
    expect(type_pm).to_be_hidden()
    _cocher(page, "le-bris-de-porte-qualite", "proprietaire_occupant")
    page.get_by_label(re.compile(r"^\s*Date du bris de porte")).fill("2026-11-02")
    page.get_by_label("Numéro de voie, rue").fill("3 place Bellecour")
    page.get_by_label(re.compile(r"^\s*Code postal")).fill("69002")
    page.get_by_label("Ville").fill("Lyon")
    page.get_by_label(re.compile(r"^\s*Décrivez les dommages")).fill("Porte enfoncée.")
    _cocher(page, "le-bris-de-porte-porte_blindee", "non")
    _cocher(page, "le-bris-de-porte-reparation_effectuee", "oui")
    expect(page.locator("#brouillon-statut")).to_have_text(STATUT_ENREGISTRE)
    _attendre(lambda: Dossier.objects.get(pk=dossier.pk).reparation_effectuee is True)
    assert Dossier.objects.get(pk=dossier.pk).adresse_ville == "Lyon"
    verifier_page(page, journal_navigateur)
    _continuer(page)

    # Étape 2 : erreurs reliées aux champs (IBAN faux), puis correction.
    expect(page.get_by_text("Étape 2 sur 4")).to_be_visible()
    _cocher(page, "vos-informations-civilite", "m")
    expect(page.get_by_label(re.compile(r"^\s*Prénoms"))).to_have_value("Martin")
    page.get_by_label(re.compile(r"^\s*Prénoms")).fill("Martin Paul")
    page.get_by_label(re.compile(r"^\s*Date de naissance")).fill("1980-05-17")
    page.get_by_label(re.compile(r"^\s*Lieu de naissance")).fill("Lyon")
    page.get_by_label("Numéro de voie, rue").fill("3 place Bellecour")
    page.get_by_label(re.compile(r"^\s*Code postal")).fill("69002")
    page.get_by_label("Ville").fill("Lyon")
    page.get_by_label(re.compile(r"^\s*Téléphone")).fill("06 00 00 00 00")
    page.get_by_label(re.compile(r"^\s*IBAN")).fill("FR76 3000 6000 0112 3456 7890 188")
    page.get_by_label(re.compile(r"^\s*Titulaire du compte")).fill("Martin DUPONT")
    _continuer(page)
    expect(page.locator("#resume-erreurs")).to_contain_text("Cet IBAN est incorrect")
    iban = page.get_by_label(re.compile(r"^\s*IBAN"))
    expect(iban).to_have_attribute("aria-invalid", "true")
    verifier_page(page, journal_navigateur)
    iban.fill("FR76 3000 6000 0112 3456 7890 189")
    _continuer(page)

    # Étape 3 : une zone par pièce ; champ fichier (clavier) et glisser-déposer, progression affichée.
    expect(page.get_by_text("Étape 3 sur 4")).to_be_visible()
    verifier_page(page, journal_navigateur)
    requis = sorted(types_requis(Situation.du_dossier(Dossier.objects.get(pk=dossier.pk))))
    premier, *suivants = requis
    # Glisser-déposer d'un fichier sur la première zone.
    zone = page.locator(f"#fichiers-{premier}").locator("xpath=ancestor::div[@data-televersement]")
    transfert = page.evaluate_handle(
        """(octets) => {
            const t = new DataTransfer();
            t.items.add(new File([new Uint8Array(octets)], "depose.png", {type: "image/png"}));
            return t;
        }""",
        list(ex.png()),
    )
    zone.dispatch_event("drop", {"dataTransfer": transfert})
    expect(zone).to_contain_text("Fichiers prêts à être ajoutés : depose.png")
    zone.locator("button[value=televerser]").click()
    expect(page.locator(".fr-alert--success, .fr-notice, [role=alert]").first).to_contain_text("1 document ajouté")
    for type_piece in suivants:
        page.locator(f"#fichiers-{type_piece}").set_input_files(
            {"name": f"{type_piece}.pdf", "mimeType": "application/pdf", "buffer": ex.pdf_simple()}
        )
    # Un fichier refusé en même temps : message français nommant le fichier.
    page.locator("#fichiers-autre").set_input_files(
        {"name": "faux.pdf", "mimeType": "application/pdf", "buffer": ex.HTML}
    )
    page.locator(f"#fichiers-{suivants[0]}").locator("xpath=ancestor::div[@data-televersement]").locator(
        "button[value=televerser]"
    ).click()
    expect(page.get_by_text("Le format de « faux.pdf » n’est pas accepté", exact=False)).to_be_visible()
    assert Dossier.objects.get(pk=dossier.pk).pieces.count() == len(requis)
    verifier_page(page, journal_navigateur)
    _continuer(page)

    # Récapitulatif : liens « Modifier », attestation, dépôt.
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre demande avant de la déposer")
    expect(page.get_by_role("link", name=re.compile("^Modifier"))).to_have_count(3)
    verifier_page(page, journal_navigateur)
    page.locator("label[for='id_attestation_honneur']").click()
    page.get_by_role("button", name="Déposer ma demande").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("est déposée")
    expect(page.get_by_text("tribunal administratif", exact=False)).to_be_visible()
    verifier_page(page, journal_navigateur)
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.DEPOSE
    assert EmailSortant.objects.filter(gabarit="accuse_reception", destinataire="martin@exemple.fr").exists()
    with page.expect_download() as telechargement:
        page.get_by_role("link", name="Télécharger le récépissé de dépôt (PDF)").click()
    assert telechargement.value.suggested_filename == f"recepisse-{dossier.reference}.pdf"

    # Après le dépôt : lecture seule, ajout de documents seulement.
    page.get_by_role("link", name="Ajouter un document").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Documents de ma demande")
    expect(page.get_by_role("button", name=re.compile("^Retirer"))).to_have_count(0)
    verifier_page(page, journal_navigateur)
    page.locator("#fichiers-autre").set_input_files(
        {"name": "complement.pdf", "mimeType": "application/pdf", "buffer": ex.pdf_simple()}
    )
    page.locator("#fichiers-autre").locator("xpath=ancestor::div[@data-televersement]").locator(
        "button[value=televerser]"
    ).click()
    expect(page.get_by_role("link", name="complement.pdf")).to_be_visible()
    verifier_page(page, journal_navigateur)
    assert dossier.pieces.filter(nom="complement.pdf").exists()

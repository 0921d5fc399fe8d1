"""La déclaration d'acceptation (templates/courriers/acceptation.html) : rendue pour une personne physique et une
personne morale, police et gendarmerie, sans marque à remplir ni alternative ; l'usager en est l'expéditeur et le
signataire (compte, horodatage, adresse IP) ; le texte relu sur la page est celui du PDF signé."""

from decimal import Decimal

import pytest

from precontentieux.acceptation import contexte_declaration
from precontentieux.courriers import TypeCourrier, preparer_courrier, rendre_html, signer_courrier
from tests.fabriques import IBAN_VALIDE
from tests.precontentieux.test_courriers import CAS, fabriquer, verifier_texte

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fichiers(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"


def _acceptation(dossier, signee=True):
    courrier = preparer_courrier(
        dossier,
        TypeCourrier.ACCEPTATION,
        auteur=dossier.requerant,
        montant=Decimal("80"),
        iban=IBAN_VALIDE,
        adresse_ip="198.51.100.7",
    )
    if signee:
        signer_courrier(courrier, dossier.requerant, "requérant")
    return courrier


@pytest.mark.parametrize(("morale", "administration", "forces"), CAS)
def test_acceptation_rendue_sans_marque(morale, administration, forces):
    dossier = fabriquer(morale, administration)
    texte = " ".join(verifier_texte(rendre_html(_acceptation(dossier))).split())
    assert "80,00 € (quatre-vingts euros)" in texte.replace("\u00a0", " ")
    assert "en réparation du dommage causé à la porte du logement situé" in texte
    assert "entièrement indemnisé" in texte and ("de " + forces) in texte
    assert "FR76 3000 6000 0112 3456 7890 189" in texte
    assert "198.51.100.7" in texte and "Déclaration signée en ligne" in texte
    # L'usager écrit au Bureau : pas de « Pour le garde des Sceaux », pas de « Paris, le ».
    assert "garde des Sceaux" not in texte and "Paris, le" not in texte
    if morale:
        assert "Agissant au nom de SCI Les Tilleuls (représentant légal : Jeanne Durand)" in texte
        assert "SCI Les Tilleuls ne pourra plus rien réclamer" in texte
    else:
        assert "Je soussigné, Monsieur Martin Paul DUPONT, déclare accepter" in texte


def test_accords_madame_et_apercu_non_signe():
    dossier = fabriquer(madame=True)
    texte = " ".join(verifier_texte(rendre_html(_acceptation(dossier, signee=False))).split())
    assert "Je soussignée, Madame" in texte and "entièrement indemnisée" in texte
    assert "Aperçu non signé" in texte


def test_le_texte_de_la_page_est_celui_du_pdf():
    from django.template.loader import render_to_string

    dossier = fabriquer()
    type(dossier).objects.filter(pk=dossier.pk).update(montant_propose=Decimal("80"))
    dossier.refresh_from_db()
    page = render_to_string("courriers/_acceptation_corps.html", contexte_declaration(dossier))
    courrier = render_to_string("courriers/_acceptation_corps.html", contexte_declaration(dossier, iban=IBAN_VALIDE))
    commun = page.split("<p>")[1]  # le premier paragraphe (la somme, le dommage, l'adresse) est identique
    assert commun == courrier.split("<p>")[1]
    assert "dont je confirme l’IBAN ci-dessous" in page and "FR76 3000" in courrier

"""Socle des courriers : montants en lettres, rendu de chaque courrier (personne physique et morale, police et
gendarmerie) sans marque à remplir, pipeline PDF (tâche après COMMIT, idempotente, PDF figé après signature)."""

import hashlib
import io
import re
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from pypdf import PdfReader

from portail.enums import CodeAdministration, Role
from portail.models import Administration
from precontentieux import decision
from precontentieux.courriers import (
    Courrier,
    TypeCourrier,
    contexte_commun,
    courrier_actif,
    montant_en_chiffres,
    montant_en_lettres,
    produire_pdf,
    rendre_html,
    signer_courrier,
)
from precontentieux.enums import MotifRejet, StatutDossier, TypePersonneMorale, TypeRequerant
from tests.fabriques import SIRET_VALIDE, DossierFactory, UtilisateurFactory, agent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fichiers(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"


def lire(nom):
    with default_storage.open(nom) as fichier:
        return fichier.read()


@pytest.mark.parametrize(
    ("montant", "attendu"),
    [
        ("0.01", "un centime"),
        ("1", "un euro"),
        ("80", "quatre-vingts euros"),
        ("1000000.50", "un million d’euros et cinquante centimes"),
        ("21.80", "vingt et un euros et quatre-vingts centimes"),
        ("0", "zéro euro"),
    ],
)
def test_montant_en_lettres(montant, attendu):
    assert montant_en_lettres(Decimal(montant)) == attendu


def test_montant_en_chiffres():
    assert montant_en_chiffres(Decimal("1000000.5")) == "1\u202f000\u202f000,50\u00a0€"
    assert montant_en_chiffres(Decimal("80")) == "80,00\u00a0€"
    assert montant_en_chiffres(None) == ""


# --- Rendu de chaque courrier ------------------------------------------------------------------------------

MORALE = {
    "type_requerant": TypeRequerant.PERSONNE_MORALE,
    "type_personne_morale": TypePersonneMorale.SCI,
    "raison_sociale": "SCI Les Tilleuls",
    "siren_siret": SIRET_VALIDE,
    "representant_legal": "Jeanne Durand",
    "civilite": "",
}


def fabriquer(morale=False, administration=CodeAdministration.PN, madame=False, montant_demande="1234.56"):
    policier = UtilisateurFactory(policier=True, administration=Administration.objects.get(code=administration))
    dossier = DossierFactory(en_instruction=True, agent=policier)
    champs = dict(MORALE) if morale else ({"civilite": "mme"} if madame else {})
    champs["montant_demande"] = Decimal(montant_demande) if montant_demande else None
    type(dossier).objects.filter(pk=dossier.pk).update(**champs)
    dossier.refresh_from_db()
    return dossier


def verifier_texte(html):
    texte = re.sub(r"<[^>]+>", " ", html)
    assert "?" not in texte, "point d’interrogation (marque à remplir) dans le courrier"
    assert "{{" not in html and "{%" not in html
    assert not re.search(r"\w\s*/\s*\w", texte), "alternative à barre oblique dans le courrier"
    assert not re.search(r"\((e|s|es|ne|ée)\)", texte), "accord entre parenthèses dans le courrier"
    return texte


CAS = [
    pytest.param(False, CodeAdministration.PN, "la police nationale", id="physique-police"),
    pytest.param(False, CodeAdministration.GN, "la gendarmerie nationale", id="physique-gendarmerie"),
    pytest.param(True, CodeAdministration.PN, "la police nationale", id="morale-police"),
    pytest.param(True, CodeAdministration.GN, "la gendarmerie nationale", id="morale-gendarmerie"),
]


@pytest.mark.parametrize(("morale", "administration", "forces"), CAS)
def test_proposition_rendue_sans_marque(morale, administration, forces):
    dossier = fabriquer(morale, administration)
    redacteur = dossier.redacteur
    courrier = decision.apercu_proposition(dossier, redacteur, Decimal("1000000.50"), "Le devis <b>retenu</b>.")
    texte = verifier_texte(rendre_html(courrier))
    assert "1\u202f000\u202f000,50\u00a0€" in texte
    assert "un million d’euros et cinquante centimes" in texte
    assert "1\u202f234,56\u00a0€" in texte  # le montant demandé est rappelé
    assert "&lt;b&gt;retenu&lt;/b&gt;" in rendre_html(courrier)  # le paragraphe libre est échappé
    assert ("de " + forces) in texte
    assert "Bureau du précontentieux" in texte and "13 place Vendôme" in texte
    if morale:
        assert "SCI Les Tilleuls" in texte and "Madame, Monsieur," in texte
        assert "À l’attention de Jeanne Durand" in texte
    else:
        assert "Monsieur," in texte and "Martin Paul DUPONT" in texte


@pytest.mark.parametrize("motif", [m for m in MotifRejet if m != MotifRejet.AUTRE])
@pytest.mark.parametrize(("morale", "administration", "forces"), CAS)
def test_rejet_rendu_sans_marque_pour_chaque_motif(motif, morale, administration, forces):
    dossier = fabriquer(morale, administration, montant_demande=None)
    courrier = decision.apercu_rejet(dossier, dossier.redacteur, motif)
    texte = verifier_texte(rendre_html(courrier))
    assert forces in texte
    assert "tribunal administratif" in texte and "deux mois" in texte
    assert "Vous évaluez" not in texte  # pas de montant demandé : la phrase disparaît


def test_rejet_pour_un_autre_motif_exige_un_texte_et_le_rend_echappe():
    dossier = fabriquer()
    with pytest.raises(decision.TransitionInterdite):
        decision.apercu_rejet(dossier, dossier.redacteur, MotifRejet.AUTRE, "  ")
    courrier = decision.apercu_rejet(dossier, dossier.redacteur, MotifRejet.AUTRE, "Demande <script>x</script>")
    html = rendre_html(courrier)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_accords_madame():
    dossier = fabriquer(madame=True)
    courrier = decision.apercu_rejet(dossier, dossier.redacteur, MotifRejet.REQUERANT_MIS_EN_CAUSE)
    texte = verifier_texte(rendre_html(courrier))
    assert "Madame," in texte and "mise en cause" in texte
    assert contexte_commun(dossier)["e"] == "e"


def test_demande_sans_declaration_nomme_les_forces_de_l_ordre():
    dossier = DossierFactory(origine="usager", complet=False)
    assert contexte_commun(dossier)["forces"] == "les forces de l’ordre"


# --- Pipeline PDF ------------------------------------------------------------------------------------------


def test_apercu_puis_pdf_fige_apres_signature():
    dossier = fabriquer()
    courrier = decision.apercu_proposition(dossier, dossier.redacteur, Decimal("80"))
    courrier.refresh_from_db()
    # La tâche (après COMMIT) a produit l'aperçu non signé, rangé en privé.
    assert courrier.fichier and not courrier.sha256 and courrier.pdf_pret
    apercu = courrier.fichier.name
    assert lire(apercu).startswith(b"%PDF")
    decision.soumettre(dossier, dossier.redacteur, courrier.pk)
    validateur = agent(Role.VALIDATEUR)
    validateur.prenom, validateur.nom = "Valérie", "Validatrice"
    signer_courrier(courrier, validateur, "Cheffe du Bureau du précontentieux")
    courrier.refresh_from_db()
    contenu = lire(courrier.fichier.name)
    assert courrier.sha256 == hashlib.sha256(contenu).hexdigest()
    assert not default_storage.exists(apercu)  # l'aperçu a laissé la place au PDF figé
    # Idempotent : relancer la tâche ne réécrit rien.
    assert produire_pdf(courrier.pk) == courrier.fichier.name
    assert lire(courrier.fichier.name) == contenu
    # PDF balisé (structure lisible par les lecteurs d'écran), titré, en français.
    pdf = PdfReader(io.BytesIO(contenu))
    racine = pdf.trailer["/Root"]
    assert "/StructTreeRoot" in racine and racine["/MarkInfo"]["/Marked"]
    assert racine["/Lang"] == "fr" and pdf.metadata.title.startswith("Proposition d’indemnisation")
    texte_pdf = " ".join(page.extract_text() for page in pdf.pages)
    assert "quatre-vingts euros" in texte_pdf and "Cheffe du Bureau du précontentieux" in texte_pdf
    html = rendre_html(courrier)
    assert "Signé électroniquement le" in html and "Cheffe du Bureau du précontentieux" in html
    with pytest.raises(ValueError):
        signer_courrier(courrier, validateur, "Cheffe")


def test_soumettre_fait_la_transition_une_seule_fois():
    dossier = fabriquer()
    courrier = decision.apercu_proposition(dossier, dossier.redacteur, Decimal("300.10"))
    decision.soumettre(dossier, dossier.redacteur, courrier.pk)
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.PROPOSITION_A_SIGNER
    assert dossier.montant_propose == Decimal("300.10")
    evenements = dossier.evenements.count()
    with pytest.raises(decision.TransitionInterdite):
        decision.soumettre(dossier, dossier.redacteur, courrier.pk)
    assert dossier.evenements.count() == evenements
    assert courrier_actif(dossier, TypeCourrier.PROPOSITION).pk == courrier.pk


def test_un_nouvel_apercu_remplace_le_precedent():
    dossier = fabriquer()
    premier = decision.apercu_proposition(dossier, dossier.redacteur, Decimal("10"))
    second = decision.apercu_proposition(dossier, dossier.redacteur, Decimal("20"))
    premier.refresh_from_db()
    assert premier.remplace and courrier_actif(dossier, TypeCourrier.PROPOSITION) == second
    with pytest.raises(decision.TransitionInterdite):
        decision.soumettre(dossier, dossier.redacteur, premier.pk)
    assert Courrier.objects.filter(dossier=dossier, remplace=False).count() == 1


def test_mauvais_role_ne_prepare_rien():
    dossier = fabriquer()
    for intrus in (agent(Role.VALIDATEUR), agent(Role.REDACTEUR), dossier.requerant):
        with pytest.raises(decision.TransitionInterdite):
            decision.apercu_proposition(dossier, intrus, Decimal("10"))
        with pytest.raises(decision.TransitionInterdite):
            decision.apercu_rejet(dossier, intrus, MotifRejet.PARTIES_COMMUNES)
    assert not Courrier.objects.filter(dossier=dossier).exists()


def test_l_anonymisation_efface_les_courriers_et_leurs_pdf():
    """Fin de conservation (docs/rgpd.md) : les courriers (nom, adresse, paragraphe libre) et leurs PDF partent ;
    le montant proposé reste au dossier (statistiques)."""
    dossier = DossierFactory(rejete=True)
    courrier = courrier_actif(dossier, TypeCourrier.REJET)
    courrier.refresh_from_db()
    nom = courrier.fichier.name
    assert nom and default_storage.exists(nom)
    assert dossier.anonymiser()
    assert not Courrier.objects.filter(dossier=dossier).exists()
    assert not default_storage.exists(nom)

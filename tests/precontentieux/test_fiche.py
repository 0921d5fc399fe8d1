"""Fiche dossier du back-office : en-tête, demande, déclaration confidentielle, pièces (aperçu, téléchargement,
ajout), historique, notes internes en ajout seul, journal des consultations (CNIL)."""

import uuid

import pytest
from django.core.cache import cache
from django.urls import reverse

from portail.validateurs import iban_lisible
from precontentieux.enums import StatutDossier, TypeEvenementDossier, TypePiece
from precontentieux.instruction import EcritureInterdite, NoteDossier
from precontentieux.models import EvenementDossier
from tests import fichiers_exemples as ex
from tests.fabriques import IBAN_VALIDE, TEXTES_SENTINELLES, ajouter_piece
from tests.precontentieux.outils_backoffice import agents, dossier_depose, dossier_en_instruction

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _isolement(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"
    cache.clear()


@pytest.fixture
def equipe():
    return agents()


def _fiche(client, dossier):
    return client.get(reverse("precontentieux:dossier", args=[dossier.reference]))


def _consultations(dossier):
    return EvenementDossier.objects.filter(dossier=dossier, type=TypeEvenementDossier.CONSULTATION)


def test_fiche_montre_entete_demande_et_declaration_confidentielle(client, equipe):
    dossier = dossier_depose()
    client.force_login(equipe["attributeur"])
    reponse = _fiche(client, dossier)
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert html.count("<h1") == 1
    assert f"Dossier n° {dossier.reference}" in html
    assert "Déposé" in html and "non attribué" in html
    assert "Rejet implicite le" in html and "Limite de saisine du tribunal administratif" in html
    # Demande de l'usager : identité, contact, description.
    for attendu in ("DUPONT", "Martin Paul", "martin.dupont@courriel.fr", "06 00 00 00 00", "Porte d’entrée enfoncée"):
        assert attendu in html, attendu
    # Déclaration : les trois étapes, champs confidentiels compris (agents de la Justice).
    for sentinelle in TEXTES_SENTINELLES:
        assert sentinelle in html, sentinelle
    assert "Éléments relatifs au service enquêteur" in html
    # Actions tirées de la table : l'attributeur peut attribuer.
    assert reverse("precontentieux:attribuer", args=[dossier.reference]) in html


def test_iban_masque_sauf_redacteur_en_charge_et_liaison_budget(client, equipe):
    dossier = dossier_en_instruction(equipe)
    en_clair = iban_lisible(IBAN_VALIDE)
    for nom, visible in (
        ("attributeur", False),
        ("redacteur2", False),
        ("validateur", False),
        ("gestionnaire", False),
        ("redacteur", True),
        ("liaison_budget", True),
    ):
        client.force_login(equipe[nom])
        html = _fiche(client, dossier).content.decode()
        assert (en_clair in html) is visible, nom
        assert (IBAN_VALIDE not in html) or visible, nom
        if not visible:
            assert "FR76 •••• •••• •••• 0189" in html, nom


def test_chaque_affichage_est_journalise_et_montre_au_validateur_et_au_gestionnaire(client, equipe):
    dossier = dossier_depose()
    client.force_login(equipe["attributeur"])
    _fiche(client, dossier)
    _fiche(client, dossier)
    consultations = _consultations(dossier)
    assert consultations.count() == 2
    assert {c.acteur for c in consultations} == {equipe["attributeur"]}
    assert {c.details["objet"] for c in consultations} == {"fiche"}
    # L'attributeur ne voit pas le journal ; le validateur et le gestionnaire le voient.
    assert "Journal des consultations" not in _fiche(client, dossier).content.decode()
    for nom in ("validateur", "gestionnaire"):
        client.force_login(equipe[nom])
        html = _fiche(client, dossier).content.decode()
        assert "Journal des consultations" in html
        assert "Alice Attrib" in html and "Fiche du dossier" in html
    # Les consultations n'encombrent pas l'historique et ne sont pas montrées à l'usager.
    client.force_login(dossier.requerant)
    html = client.get(reverse("usagers:demande", args=[dossier.reference])).content.decode()
    assert "Consultation" not in html and "Alice" not in html


def test_telechargement_et_apercu_d_une_piece_verifient_les_droits_et_sont_journalises(client, equipe):
    dossier = dossier_depose()
    piece = dossier.pieces.first()
    client.force_login(equipe["validateur"])
    reponse = client.get(reverse("precontentieux:piece", args=[dossier.reference, piece.pk]))
    assert reponse.status_code == 200
    assert b"".join(reponse.streaming_content).startswith(b"%PDF")
    assert reponse["Content-Disposition"].startswith("attachment")
    assert reponse["X-Content-Type-Options"] == "nosniff"
    apercu = client.get(reverse("precontentieux:piece_apercu", args=[dossier.reference, piece.pk]))
    assert apercu.status_code == 200
    b"".join(apercu.streaming_content)
    assert apercu["Content-Disposition"].startswith("inline")
    assert "frame-ancestors 'self'" in apercu["Content-Security-Policy"]
    assert apercu["X-Frame-Options"] == "SAMEORIGIN"
    objets = [(c.details["objet"], c.details.get("piece")) for c in _consultations(dossier)]
    assert objets == [("piece", piece.pk), ("piece", piece.pk)]
    # Une pièce d'un autre dossier, sous cette référence : 404.
    autre = dossier_depose()
    piece_autre = autre.pieces.first()
    assert client.get(reverse("precontentieux:piece", args=[dossier.reference, piece_autre.pk])).status_code == 404


def test_piece_jointe_par_l_agent_des_forces_de_l_ordre(client, equipe):
    from declarations.models import PieceJointeDeclaration, envoyer_declaration
    from portail.fichiers import enregistrer_prive, verifier_fichier
    from tests.fabriques import SENTINELLES, DeclarationFactory

    # La pièce est jointe avant l'envoi (une déclaration envoyée est immuable, pièces comprises).
    declaration = DeclarationFactory(complete=True, **SENTINELLES)
    verifie = verifier_fichier(ex.televerse("pv.pdf", ex.pdf_simple()))
    piece = PieceJointeDeclaration.objects.create(
        declaration=declaration,
        fichier=enregistrer_prive(verifie, "declarations"),
        nom_original="pv.pdf",
        type_mime=verifie.type_mime,
        taille=verifie.taille,
    )
    dossier = envoyer_declaration(declaration.pk, declaration.agent).dossier
    client.force_login(equipe["redacteur"])
    html = _fiche(client, dossier).content.decode()
    url = reverse("precontentieux:piece_declaration", args=[dossier.reference, piece.pk])
    assert url in html
    reponse = client.get(url)
    assert reponse.status_code == 200
    b"".join(reponse.streaming_content)
    assert _consultations(dossier).filter(details__objet="piece_declaration").count() == 1


def test_notes_signees_datees_en_ajout_seul_et_double_envoi_sans_double_effet(client, equipe):
    dossier = dossier_depose()
    client.force_login(equipe["redacteur"])
    url = reverse("precontentieux:ajouter_note", args=[dossier.reference])
    jeton = str(uuid.uuid4())
    for _ in range(2):  # double clic : le même jeton
        reponse = client.post(url, {"texte": "Appeler le bailleur <script>x</script>", "jeton": jeton})
        assert reponse.status_code == 302
    note = NoteDossier.objects.get(dossier=dossier)
    assert note.auteur == equipe["redacteur"] and note.cree_le
    html = _fiche(client, dossier).content.decode()
    assert "Appeler le bailleur &lt;script&gt;x&lt;/script&gt;" in html and "<script>x</script>" not in html
    assert "Rémi Redac" in html
    # En ajout seul : ni modification ni suppression.
    note.texte = "réécrite"
    with pytest.raises(EcritureInterdite):
        note.save()
    with pytest.raises(EcritureInterdite):
        note.delete()
    # Jamais montrée à l'usager.
    client.force_login(dossier.requerant)
    assert (
        "Appeler le bailleur" not in client.get(reverse("usagers:demande", args=[dossier.reference])).content.decode()
    )


def test_note_vide_erreur_reliee_au_champ(client, equipe):
    dossier = dossier_depose()
    client.force_login(equipe["attributeur"])
    reponse = client.post(
        reverse("precontentieux:ajouter_note", args=[dossier.reference]), {"texte": " ", "jeton": str(uuid.uuid4())}
    )
    assert reponse.status_code == 400
    html = reponse.content.decode()
    assert "Écrivez le texte de la note." in html and "<title>\n  Erreur" in html
    assert not NoteDossier.objects.exists()


def test_redacteur_en_charge_ajoute_une_piece_recue_par_courrier(client, equipe):
    dossier = dossier_en_instruction(equipe)
    url = reverse("precontentieux:ajouter_piece", args=[dossier.reference])
    # Un autre rédacteur : le formulaire dit pourquoi, un envoi ne change rien.
    client.force_login(equipe["redacteur2"])
    page = client.get(url)
    assert page.status_code == 200 and 'type="file"' not in page.content.decode()
    refus = client.post(url, {"type": TypePiece.FACTURE, "fichier": ex.televerse("x.pdf", ex.pdf_simple())})
    assert refus.status_code == 302
    client.force_login(equipe["redacteur"])
    assert client.get(url).status_code == 200
    # Fichier refusé : même contrôle que partout, erreur affichée, rien d'enregistré.
    avant = dossier.pieces.count()
    faux = ex.televerse("faux.pdf", ex.HTML)
    reponse = client.post(url, {"type": TypePiece.FACTURE, "fichier": faux, "jeton": str(uuid.uuid4())})
    assert reponse.status_code == 400
    assert "n’est pas accepté" in reponse.content.decode()
    assert dossier.pieces.count() == avant
    jeton = str(uuid.uuid4())
    for _ in range(2):
        fichier = ex.televerse("courrier.pdf", ex.pdf_simple())
        reponse = client.post(url, {"type": TypePiece.FACTURE, "fichier": fichier, "jeton": jeton})
        assert reponse.status_code == 302
    assert dossier.pieces.count() == avant + 1
    piece = dossier.pieces.get(nom="courrier.pdf")
    assert piece.ajoutee_par == equipe["redacteur"]
    html = _fiche(client, dossier).content.decode()
    assert "Pièce ajoutée : courrier.pdf" in html and "Rémi Redac" in html


def test_l_attributeur_ne_peut_pas_ajouter_de_piece(client, equipe):
    dossier = dossier_en_instruction(equipe)
    client.force_login(equipe["attributeur"])
    url = reverse("precontentieux:ajouter_piece", args=[dossier.reference])
    assert client.get(url).status_code == 403
    fichier = ex.televerse("courrier.pdf", ex.pdf_simple())
    avant = dossier.pieces.count()
    assert (
        client.post(url, {"type": TypePiece.FACTURE, "fichier": fichier, "jeton": str(uuid.uuid4())}).status_code == 403
    )
    assert dossier.pieces.count() == avant


def test_action_desactivee_dit_pourquoi(client, equipe):
    dossier = dossier_depose()
    dossier.attribuer(equipe["attributeur"], equipe["redacteur"])
    client.force_login(equipe["redacteur2"])
    html = _fiche(client, dossier).content.decode()
    assert "Démarrer l’instruction" in html
    assert "disabled" in html and "attribué à un autre rédacteur" in html
    assert dossier.statut == StatutDossier.A_INSTRUIRE


def test_nombre_de_requetes_de_la_fiche_ne_depend_pas_du_nombre_de_pieces(
    client, equipe, django_assert_max_num_queries
):
    dossier = dossier_en_instruction(equipe)
    client.force_login(equipe["redacteur"])
    _fiche(client, dossier)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as peu:
        _fiche(client, dossier)
    for i in range(10):
        ajouter_piece(dossier, TypePiece.AUTRE, nom=f"autre-{i}.pdf")
    with CaptureQueriesContext(connection) as beaucoup:
        _fiche(client, dossier)
    assert len(beaucoup) == len(peu)


@pytest.mark.parametrize("etat", ["en_analyse", "infectee"])
def test_piece_non_saine_jamais_servie_au_back_office(client, equipe, etat):
    """Une pièce en cours d'analyse antivirus ou infectée : 404 au téléchargement et à l'aperçu, rien journalisé."""
    from portail.enums import EtatAnalyse

    dossier = dossier_depose()
    piece = dossier.pieces.first()
    type(piece).objects.filter(pk=piece.pk).update(etat_analyse=EtatAnalyse(etat))
    client.force_login(equipe["validateur"])
    assert client.get(reverse("precontentieux:piece", args=[dossier.reference, piece.pk])).status_code == 404
    assert client.get(reverse("precontentieux:piece_apercu", args=[dossier.reference, piece.pk])).status_code == 404
    assert not _consultations(dossier).filter(details__objet="piece").exists()

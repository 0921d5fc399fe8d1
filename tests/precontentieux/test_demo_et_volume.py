"""Données de démonstration (make run) et de volume (semer_volume)."""

import pytest
from django.core.management import call_command

from declarations.demo_dossiers import semer_dossiers_demo
from portail.demo import semer_agents_demo
from portail.models import Utilisateur
from precontentieux import volume
from precontentieux.enums import StatutDossier
from precontentieux.files_attente import compter
from precontentieux.models import Dossier, EvenementDossier
from precontentieux.workflow import TRANSITIONS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fichiers(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"


def _persona(cle):
    return Utilisateur.objects.get(identites_oidc__claims__uid=cle)


def test_demo_donne_du_travail_a_chaque_persona_et_est_idempotente():
    semer_agents_demo()
    actions = semer_dossiers_demo()
    assert len(actions) == 9
    assert semer_dossiers_demo() == []  # second passage : rien de plus
    assert compter(_persona("attributeur")) == {"a-attribuer": 2}
    assert compter(_persona("redacteur")) == {
        "a-instruire": 1,
        "en-instruction": 2,
        "attente-complements": 1,
        "arrete-a-preparer": 0,
    }
    assert compter(_persona("validateur")) == {"propositions-a-signer": 1, "rejets-a-signer": 1, "arretes-a-signer": 0}
    assert Dossier.objects.filter(statut=StatutDossier.A_INDEMNISER).count() == 1  # pour la liaison budget
    dossiers = Dossier.objects.exclude(statut=StatutDossier.A_COMPLETER)
    assert dossiers.count() == 9
    for dossier in dossiers:
        assert dossier.declaration.reference  # déclaration des forces de l'ordre envoyée
        assert dossier.pieces.exists()
        assert dossier.requerant and dossier.depose_le
        # Le statut vient des transitions : chaque changement est journalisé.
        dernier = dossier.evenements.exclude(statut_apres="").last()
        assert dernier.statut_apres == dossier.statut
    # La persona usager Camille a une demande de compléments à laquelle répondre.
    camille = Utilisateur.objects.get(identites_oidc__fournisseur="franceconnect", email="camille.durand@exemple.fr")
    assert camille.dossiers.get().statut == StatutDossier.ATTENTE_COMPLEMENTS


def test_semer_volume_simulation_par_defaut(capsys):
    call_command("semer_volume", "--dossiers", "50")
    assert Dossier.objects.count() == 0
    assert "[simulation]" in capsys.readouterr().out


def test_semer_volume_etats_coherents_avec_la_table(capsys):
    call_command("semer_volume", "--dossiers", "400", "--redacteurs", "4", "--wet-run")
    assert "ANALYZE" in capsys.readouterr().out
    assert Dossier.objects.count() == 400
    chemins = volume.chemins()
    champs_dates = {t.date for t in TRANSITIONS.values() if t.date} - {"depose_le"}
    etats = set()
    for dossier in Dossier.objects.all():
        etats.add(dossier.statut)
        chemin = chemins[dossier.statut]
        attendues = {t.date for t in chemin if t.date}
        for champ in champs_dates:
            assert (getattr(dossier, champ) is not None) == (champ in attendues), (dossier.statut, champ)
        assert (dossier.redacteur_id is not None) == any(t.nom == "attribuer" for t in chemin)
        assert dossier.depose_le and dossier.requerant_id
        noms = list(dossier.evenements.values_list("details__transition", flat=True))
        assert noms == ["deposer"] + [t.nom for t in chemin]
    assert etats == set(volume.REPARTITION)
    assert EvenementDossier.objects.filter(details__volume=True).count() >= 400
    # Un second passage ajoute des dossiers (références uniques) sans toucher aux premiers.
    call_command("semer_volume", "--dossiers", "10", "--redacteurs", "4", "--wet-run")
    assert Dossier.objects.count() == 410

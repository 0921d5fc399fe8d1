"""Un usager ne déclenche aucune transition autre que le dépôt, quelle que soit l'adresse de son espace."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from precontentieux.enums import StatutDossier
from precontentieux.models import Dossier
from tests.fabriques import DossierFactory, UtilisateurFactory, completer, dossier_declare
from tests.usagers.outils_usagers import urls_du_dossier

pytestmark = pytest.mark.django_db

# Ce qu'un usager pourrait tenter d'envoyer : formulaire vide, dépôt, demandes de transitions d'agents.
CHARGES_POST = (
    {},
    {"action": "deposer", "attestation_honneur": "on"},
    {"deposer": "1", "attestation_honneur": "on"},
    {"action": "accepter"},
    {"action": "refuser"},
    {"action": "cloturer"},
    {"statut": StatutDossier.INDEMNISE},
)


@pytest.fixture(autouse=True)
def _isolement(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("statut", list(StatutDossier))
def test_seul_le_depot_change_le_statut(client, statut):
    usager = UtilisateurFactory()
    # Demande complète : le dépôt serait accepté depuis « à compléter », ce qui rend le test exigeant.
    dossier = DossierFactory(requerant=usager, etat=statut)
    identifiants = {dossier.pieces.values_list("pk", flat=True).first()}
    client.force_login(usager)
    urls = urls_du_dossier(dossier, identifiants, par_identifiant=False)
    assert len(urls) >= 8
    for nom, url in urls:
        # Dépôt « en règle » aussi, avec la version courante (concurrence optimiste de l'assistant).
        version = str(Dossier.objects.get(pk=dossier.pk).version)
        for donnees in [*CHARGES_POST, {"attestation_honneur": "on", "version": version}]:
            reponse = client.post(url, donnees)
            assert reponse.status_code < 500, (nom, url, reponse.status_code)
            apres = Dossier.objects.get(pk=dossier.pk).statut
            if apres != statut:
                # Seule transition permise à l'usager : le dépôt d'une demande à compléter.
                assert (statut, apres) == (StatutDossier.A_COMPLETER, StatutDossier.DEPOSE), (nom, url, donnees)
                statut = apres


def test_controle_le_depot_passe_bien_par_l_espace_usager(client):
    """Contrôle du test précédent : la même charge, sur le récapitulatif, dépose une demande complète."""
    usager = UtilisateurFactory()
    dossier = completer(dossier_declare(requerant=usager))
    client.force_login(usager)
    url = reverse("usagers:completer_etape", kwargs={"reference": dossier.reference, "step": "recapitulatif"})
    client.post(url, {"attestation_honneur": "on", "version": str(dossier.version)})
    assert Dossier.objects.get(pk=dossier.pk).statut == StatutDossier.DEPOSE

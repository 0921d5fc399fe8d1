"""Écrans de la gestion des agents (gestionnaire) : en attente, liste paginée à requêtes constantes, fiche avec
historique, rôles, désactivation et réactivation à motif obligatoire."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portail.enums import Role, TypeEvenement
from portail.models import EmailSortant, Evenement, IdentiteOIDC, Utilisateur
from tests.fabriques import UtilisateurFactory
from tests.precontentieux.outils_backoffice import agent_justice as agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def gestionnaire(client):
    utilisateur = agent(Role.GESTIONNAIRE)
    client.force_login(utilisateur)
    return utilisateur


def en_attente(**champs):
    utilisateur = UtilisateurFactory(agent_mj=True, **champs)
    IdentiteOIDC.objects.create(
        utilisateur=utilisateur,
        fournisseur="proconnect",
        sub=utilisateur.identifiant,
        claims={"email": utilisateur.email},
    )
    return utilisateur


def test_la_navigation_montre_agents_au_seul_gestionnaire(client, gestionnaire):
    en_attente()
    html = client.get(reverse("precontentieux:accueil")).content.decode()
    assert reverse("precontentieux:agents_en_attente") in html
    assert reverse("precontentieux:agents") in html
    assert '1<span class="fr-sr-only"> agent</span>' in html
    client.force_login(agent(Role.REDACTEUR))
    assert reverse("precontentieux:agents") not in client.get(reverse("precontentieux:accueil")).content.decode()


def test_accorder_l_acces_depuis_la_liste_d_attente(client, gestionnaire):
    nouveau = en_attente(prenom="Noa", nom="Nouveau", email="noa.nouveau@justice.gouv.fr")
    html = client.get(reverse("precontentieux:agents_en_attente")).content.decode()
    url = reverse("precontentieux:agent_roles", args=[nouveau.pk])
    assert "Noa Nouveau" in html and url in html

    page = client.get(url).content.decode()
    assert "Attribue les dossiers déposés aux rédacteurs" in page  # description d'une ligne par rôle
    assert "Accorder l’accès" in page

    # Aucun rôle coché : erreur liée au champ, rien ne change.
    reponse = client.post(url, {"motif": ""})
    assert reponse.status_code == 400
    assert "Cochez au moins un rôle pour accorder l’accès." in reponse.content.decode()
    assert 'href="#id_roles_0"' in reponse.content.decode()
    assert not nouveau.groups.exists()

    reponse = client.post(url, {"roles": ["attributeur", "validateur"], "motif": ""})
    assert reponse.status_code == 302 and reponse["Location"] == reverse("precontentieux:agent", args=[nouveau.pk])
    assert Utilisateur.objects.get(pk=nouveau.pk).roles == {"attributeur", "validateur"}
    assert EmailSortant.objects.get(gabarit="agent_acces_accorde").destinataire == "noa.nouveau@justice.gouv.fr"
    fiche = client.get(reponse["Location"]).content.decode()
    assert "Accès accordé à Noa Nouveau" in fiche
    assert "Attributeur, Validateur" in fiche  # historique : après
    assert "Aucun agent n’attend de rôle." in client.get(reverse("precontentieux:agents_en_attente")).content.decode()


def test_modifier_les_roles_exige_un_motif_et_journalise_avant_apres(client, gestionnaire):
    redacteur = agent(Role.REDACTEUR)
    url = reverse("precontentieux:agent_roles", args=[redacteur.pk])
    reponse = client.post(url, {"roles": ["redacteur", "validateur"]})
    assert reponse.status_code == 400
    assert "Indiquez le motif du changement de rôles." in reponse.content.decode()
    assert client.post(url, {"roles": ["redacteur", "validateur"], "motif": "Intérim"}).status_code == 302
    evenement = Evenement.objects.get(type=TypeEvenement.ROLES_MODIFIES)
    assert (evenement.acteur, evenement.cible) == (gestionnaire, redacteur)
    assert evenement.details == {"avant": ["redacteur"], "apres": ["redacteur", "validateur"], "motif": "Intérim"}
    assert "Intérim" in client.get(reverse("precontentieux:agent", args=[redacteur.pk])).content.decode()


def test_le_dernier_gestionnaire_voit_une_erreur_et_garde_son_role(client, gestionnaire):
    url = reverse("precontentieux:agent_roles", args=[gestionnaire.pk])
    reponse = client.post(url, {"roles": ["redacteur"], "motif": "Je change de poste"})
    assert reponse.status_code == 400
    assert "dernier gestionnaire actif" in reponse.content.decode()
    assert Utilisateur.objects.get(pk=gestionnaire.pk).roles == {"gestionnaire"}


def test_desactiver_et_reactiver_avec_motif_obligatoire(client, gestionnaire):
    redacteur = agent(Role.REDACTEUR, prenom="Rémi", nom="Redac")
    url = reverse("precontentieux:agent_desactiver", args=[redacteur.pk])
    page = client.get(url).content.decode()
    assert "Ses sessions ouvertes sont terminées immédiatement" in page
    reponse = client.post(url, {"motif": "  "})
    assert reponse.status_code == 400 and "Indiquez le motif." in reponse.content.decode()
    assert Utilisateur.objects.get(pk=redacteur.pk).is_active

    assert client.post(url, {"motif": "Départ du service"}).status_code == 302
    assert not Utilisateur.objects.get(pk=redacteur.pk).is_active
    # Double clic : message, aucun second événement.
    client.post(url, {"motif": "Départ du service"})
    assert Evenement.objects.filter(type=TypeEvenement.AGENT_DESACTIVE).count() == 1
    # La page de désactivation n'a plus d'objet.
    assert client.get(url)["Location"] == reverse("precontentieux:agent", args=[redacteur.pk])

    url = reverse("precontentieux:agent_reactiver", args=[redacteur.pk])
    assert client.post(url, {"motif": ""}).status_code == 400
    assert client.post(url, {"motif": "Retour"}).status_code == 302
    assert Utilisateur.objects.get(pk=redacteur.pk).is_active
    fiche = client.get(reverse("precontentieux:agent", args=[redacteur.pk])).content.decode()
    assert "Départ du service" in fiche and "Retour" in fiche


def test_refuser_une_demande_d_acces(client, gestionnaire):
    nouveau = en_attente()
    url = reverse("precontentieux:agent_refuser", args=[nouveau.pk])
    assert client.post(url, {"motif": ""}).status_code == 400
    assert client.post(url, {"motif": "Pas dans nos effectifs"}).status_code == 302
    assert not Utilisateur.objects.get(pk=nouveau.pk).is_active
    assert EmailSortant.objects.get(gabarit="agent_acces_refuse").contexte["motif"] == "Pas dans nos effectifs"


def test_roles_des_forces_de_l_ordre_non_modifiables(client, gestionnaire):
    policier = UtilisateurFactory(policier=True)
    fiche = client.get(reverse("precontentieux:agent", args=[policier.pk])).content.decode()
    assert "viennent de leur administration" in fiche
    assert reverse("precontentieux:agent_roles", args=[policier.pk]) not in fiche
    assert reverse("precontentieux:agent_desactiver", args=[policier.pk]) in fiche
    reponse = client.post(
        reverse("precontentieux:agent_roles", args=[policier.pk]), {"roles": ["gestionnaire"], "motif": "x"}
    )
    assert reponse.status_code == 302
    assert Utilisateur.objects.get(pk=policier.pk).roles == {"forces_de_l_ordre"}


def test_un_usager_n_a_pas_de_fiche_agent(client, gestionnaire):
    usager = UtilisateurFactory()
    for nom in ("agent", "agent_roles", "agent_desactiver", "agent_reactiver", "agent_refuser"):
        assert client.get(reverse(f"precontentieux:{nom}", args=[usager.pk])).status_code == 404, nom


def test_recherche_et_filtres(client, gestionnaire):
    agent(Role.REDACTEUR, prenom="Rémi", nom="Dupont", email="remi.dupont@justice.gouv.fr")
    inactif = agent(Role.VALIDATEUR, prenom="Val", nom="Dupuis")
    Utilisateur.objects.filter(pk=inactif.pk).update(is_active=False)
    UtilisateurFactory(policier=True, prenom="Paul", nom="Dupré")
    UtilisateurFactory(prenom="Camille", nom="Dupont")  # usager : jamais listé

    def noms(**criteres):
        reponse = client.get(reverse("precontentieux:agents"), criteres)
        assert reponse.status_code == 200
        return sorted(a.nom for a in reponse.context["page_obj"].object_list)

    assert noms(q="dup") == ["Dupont", "Dupré", "Dupuis"]
    assert noms(q="remi.dupont@") == ["Dupont"]
    assert noms(q="dup", role="validateur") == ["Dupuis"]
    assert noms(q="dup", role="forces_de_l_ordre") == ["Dupré"]
    assert noms(q="dup", statut="inactifs") == ["Dupuis"]
    assert noms(q="dup", statut="actifs") == ["Dupont", "Dupré"]
    reponse = client.get(reverse("precontentieux:agents"), {"role": "pirate"})
    assert reponse.status_code == 400 and "Rôle inconnu." in reponse.content.decode()


def _requetes(client, url):
    with CaptureQueriesContext(connection) as requetes:
        assert client.get(url).status_code == 200
    return len(requetes)


@pytest.mark.parametrize("vue", ["agents", "agents_en_attente"])
def test_listes_a_nombre_de_requetes_constant(client, gestionnaire, vue):
    url = reverse(f"precontentieux:{vue}")
    creer = en_attente if vue == "agents_en_attente" else lambda: agent(Role.REDACTEUR, Role.VALIDATEUR)
    for _ in range(5):
        creer()
    avec_5 = _requetes(client, url)
    lignes_5 = len(client.get(url).context["page_obj"].object_list)
    for _ in range(45):
        creer()
    avec_50 = _requetes(client, url)
    assert avec_5 == avec_50
    assert lignes_5 >= 5
    assert len(client.get(url).context["page_obj"].object_list) == 50


def test_fiche_a_nombre_de_requetes_constant(client, gestionnaire):
    redacteur = agent(Role.REDACTEUR)
    url = reverse("precontentieux:agent", args=[redacteur.pk])
    avant = _requetes(client, url)
    for numero in range(10):
        Evenement.journaliser(TypeEvenement.AGENT_DESACTIVE, acteur=agent(), cible=redacteur, motif=f"m{numero}")
    assert _requetes(client, url) == avant

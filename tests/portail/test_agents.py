"""Gestion des agents (portail/agents.py) : rôles réservés aux comptes d'agents (modèle, admin, SQL brut), dernier
gestionnaire, superutilisateurs, sessions supprimées à la désactivation, audit et courriels."""

from importlib import import_module

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse

from portail import agents as gestion
from portail.enums import Role, TypeEvenement, TypeUtilisateur
from portail.models import EmailSortant, Evenement, IdentiteOIDC, RoleInterdit, SessionUtilisateur, Utilisateur
from tests.fabriques import UtilisateurFactory, agent

pytestmark = pytest.mark.django_db


def _groupe(role):
    return Group.objects.get(name=role)


def agent_proconnect(*roles, **champs):
    """Agent du ministère dont l'adresse vient de ProConnect (donc prouvée)."""
    utilisateur = UtilisateurFactory(agent_mj=True, roles=list(roles), **champs)
    IdentiteOIDC.objects.create(
        utilisateur=utilisateur,
        fournisseur="proconnect",
        sub=utilisateur.identifiant,
        claims={"email": utilisateur.email},
    )
    return utilisateur


# --- Un rôle n'est porté que par un compte d'agent -------------------------------------------------------------


def test_modele_refuse_un_role_a_un_usager():
    usager = UtilisateurFactory()
    with pytest.raises(RoleInterdit), transaction.atomic():
        usager.groups.add(_groupe(Role.GESTIONNAIRE))
    with pytest.raises(RoleInterdit), transaction.atomic():
        _groupe(Role.REDACTEUR).user_set.add(usager)
    assert not usager.groups.exists()


def test_modele_refuse_qu_un_agent_avec_role_devienne_usager():
    redacteur = agent(Role.REDACTEUR)
    redacteur.type = TypeUtilisateur.USAGER
    with pytest.raises(RoleInterdit):
        redacteur.save()
    assert Utilisateur.objects.get(pk=redacteur.pk).type == TypeUtilisateur.AGENT


def _sql(requete, parametres):
    with pytest.raises(DatabaseError, match="Role reserve aux comptes d agents"), transaction.atomic():
        with connection.cursor() as curseur:
            curseur.execute(requete, parametres)


def test_la_base_refuse_un_role_a_un_usager_par_sql_brut():
    usager = UtilisateurFactory()
    redacteur = agent(Role.REDACTEUR)
    table = Utilisateur.groups.through._meta.db_table
    _sql(f"INSERT INTO {table} (utilisateur_id, group_id) VALUES (%s, %s)", [usager.pk, _groupe(Role.GESTIONNAIRE).pk])
    _sql(f"UPDATE {table} SET utilisateur_id = %s WHERE utilisateur_id = %s", [usager.pk, redacteur.pk])
    _sql("UPDATE portail_utilisateur SET type = 'usager' WHERE id = %s", [redacteur.pk])
    assert not usager.groups.exists()
    assert Utilisateur.objects.get(pk=redacteur.pk).roles == {"redacteur"}
    # Sans rôle, le type se change (le déclencheur ne vise que les comptes qui portent des rôles).
    with connection.cursor() as curseur:
        curseur.execute("UPDATE portail_utilisateur SET type = 'usager' WHERE id = %s", [UtilisateurFactory().pk])


def test_admin_refuse_un_role_a_un_compte_usager(client):
    """Chemin admin : le superutilisateur lui-même ne peut pas donner un rôle à un compte par courriel."""
    admin = UtilisateurFactory(is_superuser=True, is_staff=True, agent_mj=True)
    usager = UtilisateurFactory(email="citoyen@exemple.fr", adresse_verifiee=True)
    client.force_login(admin)
    donnees = {
        "email": usager.email,
        "civilite": "",
        "prenom": "",
        "nom": "",
        "telephone": "",
        "administration": "",
        "groups": [_groupe(Role.GESTIONNAIRE).pk],
        "is_active": "on",
    }
    reponse = client.post(reverse("admin:portail_utilisateur_change", args=[usager.pk]), donnees)
    assert reponse.status_code == 200
    assert "Seul un compte d’agent" in reponse.content.decode()
    assert not usager.groups.exists()


def test_la_migration_a_retire_les_roles_des_usagers_et_l_admin_des_gestionnaires():
    assert not _groupe(Role.GESTIONNAIRE).permissions.exists()


# --- Accès en attente -------------------------------------------------------------------------------------------


def test_accorder_l_acces_journalise_et_avertit_l_agent():
    gestionnaire = agent(Role.GESTIONNAIRE)
    nouveau = agent_proconnect(email="nouvel.agent@justice.gouv.fr")
    UtilisateurFactory(policier=True)  # forces de l'ordre : jamais « en attente »
    assert list(gestion.agents_en_attente()) == [nouveau]

    resultat = gestion.accorder_acces(gestionnaire, nouveau, [Role.ATTRIBUTEUR, Role.REDACTEUR], motif="Arrivée")
    assert resultat.change
    assert Utilisateur.objects.get(pk=nouveau.pk).roles == {"attributeur", "redacteur"}
    assert not gestion.agents_en_attente().exists()
    (evenement,) = Evenement.objects.filter(cible=nouveau)
    assert (evenement.type, evenement.acteur) == (TypeEvenement.ACCES_ACCORDE, gestionnaire)
    assert evenement.details == {"avant": [], "apres": ["attributeur", "redacteur"], "motif": "Arrivée"}
    (courriel,) = EmailSortant.objects.filter(gabarit="agent_acces_accorde")
    assert courriel.destinataire == "nouvel.agent@justice.gouv.fr"
    assert courriel.contexte["roles"] == ["Attributeur", "Rédacteur"]

    # Double clic : rien de plus.
    assert not gestion.accorder_acces(gestionnaire, nouveau, [Role.ATTRIBUTEUR], motif="").change
    assert Evenement.objects.filter(cible=nouveau).count() == 1
    assert EmailSortant.objects.filter(gabarit="agent_acces_accorde").count() == 1


def test_refuser_l_acces_desactive_et_avertit_avec_le_motif():
    gestionnaire = agent(Role.GESTIONNAIRE)
    nouveau = agent_proconnect()
    gestion.refuser_acces(gestionnaire, nouveau, motif="Agent d’un autre service")
    nouveau.refresh_from_db()
    assert not nouveau.is_active
    evenement = Evenement.objects.get(cible=nouveau)
    assert evenement.type == TypeEvenement.ACCES_REFUSE
    assert evenement.details["motif"] == "Agent d’un autre service"
    assert EmailSortant.objects.get(gabarit="agent_acces_refuse").contexte == {"motif": "Agent d’un autre service"}
    assert not gestion.refuser_acces(gestionnaire, nouveau, motif="encore").change


def test_sans_adresse_prouvee_aucun_courriel():
    gestionnaire = agent(Role.GESTIONNAIRE)
    sans_identite = agent()  # compte sans identité ProConnect : adresse non prouvée
    gestion.accorder_acces(gestionnaire, sans_identite, [Role.REDACTEUR])
    assert not EmailSortant.objects.exists()


# --- Règles ------------------------------------------------------------------------------------------------------


def test_le_dernier_gestionnaire_ne_retire_pas_son_role_ni_ne_se_desactive():
    seul = agent(Role.GESTIONNAIRE, Role.REDACTEUR)
    with pytest.raises(gestion.RefusGestion, match="dernier gestionnaire"):
        gestion.modifier_roles(seul, seul, [Role.REDACTEUR], motif="Départ")
    with pytest.raises(gestion.RefusGestion, match="propre compte"):
        gestion.desactiver(seul, seul, motif="Départ")
    assert Utilisateur.objects.get(pk=seul.pk).roles == {"gestionnaire", "redacteur"}

    # Un second gestionnaire (inactif) ne compte pas ; actif, il permet le retrait.
    second = agent(Role.GESTIONNAIRE)
    Utilisateur.objects.filter(pk=second.pk).update(is_active=False)
    with pytest.raises(gestion.RefusGestion, match="dernier gestionnaire"):
        gestion.modifier_roles(seul, seul, [Role.REDACTEUR], motif="Départ")
    Utilisateur.objects.filter(pk=second.pk).update(is_active=True)
    assert gestion.modifier_roles(seul, seul, [Role.REDACTEUR], motif="Départ").change
    # Le second est désormais le dernier : personne ne peut le désactiver (et seul lui gérait encore).
    with pytest.raises(gestion.RefusGestion, match="Seul un gestionnaire"):
        gestion.desactiver(Utilisateur.objects.get(pk=seul.pk), second, motif="x")


def test_un_non_superutilisateur_ne_modifie_pas_un_superutilisateur():
    gestionnaire = agent(Role.GESTIONNAIRE)
    racine = Utilisateur.objects.create_superuser(identifiant="racine", email="racine@justice.gouv.fr", password="x")
    for operation in (gestion.desactiver, gestion.reactiver, gestion.refuser_acces):
        with pytest.raises(gestion.RefusGestion, match="superutilisateur"):
            operation(gestionnaire, racine, motif="Essai")
    racine.refresh_from_db()
    assert racine.is_active
    assert not Evenement.objects.filter(cible=racine).exists()
    # Un superutilisateur, lui, le peut.
    autre = Utilisateur.objects.create_superuser(identifiant="autre", email="autre@justice.gouv.fr", password="x")
    assert gestion.desactiver(autre, racine, motif="Compte inutilisé").change


def test_roles_des_forces_de_l_ordre_non_modifiables_mais_desactivables():
    gestionnaire = agent(Role.GESTIONNAIRE)
    policier = UtilisateurFactory(policier=True)
    with pytest.raises(gestion.RefusGestion, match="forces de l’ordre"):
        gestion.modifier_roles(gestionnaire, policier, [Role.REDACTEUR], motif="x")
    assert gestion.desactiver(gestionnaire, policier, motif="Mutation").change
    assert not Utilisateur.objects.get(pk=policier.pk).is_active


def test_un_usager_n_est_pas_gere_ici():
    gestionnaire = agent(Role.GESTIONNAIRE)
    usager = UtilisateurFactory()
    with pytest.raises(gestion.RefusGestion, match="pas un compte d’agent"):
        gestion.desactiver(gestionnaire, usager, motif="x")


def test_desactiver_puis_reactiver_journalise_avant_apres_et_motif():
    gestionnaire = agent(Role.GESTIONNAIRE)
    redacteur = agent(Role.REDACTEUR)
    deja = Evenement.objects.count()
    gestion.desactiver(gestionnaire, redacteur, motif="Congé long")
    assert not gestion.desactiver(gestionnaire, redacteur, motif="Double clic").change
    gestion.reactiver(gestionnaire, redacteur, motif="Retour")
    details = list(
        Evenement.objects.filter(cible=redacteur)
        .exclude(type=TypeEvenement.ROLE_ACCORDE)  # écrit par la fabrique
        .order_by("pk")
        .values_list("type", "details__avant", "details__motif")
    )
    assert details == [
        (TypeEvenement.AGENT_DESACTIVE, "actif", "Congé long"),
        (TypeEvenement.AGENT_REACTIVE, "inactif", "Retour"),
    ]
    # Les signaux d'audit ne doublent pas ces événements.
    assert Evenement.objects.count() == deja + 2


# --- Sessions ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "moteur", ["django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"]
)
def test_la_desactivation_supprime_les_sessions_vivantes(settings, moteur):
    settings.SESSION_ENGINE = moteur
    cache.clear()
    gestionnaire = agent(Role.GESTIONNAIRE)
    redacteur = agent(Role.REDACTEUR)
    navigateurs = [Client(), Client()]
    for navigateur in navigateurs:
        navigateur.force_login(redacteur)
        assert navigateur.get(reverse("precontentieux:accueil")).status_code == 200
    cles = [n.cookies[settings.SESSION_COOKIE_NAME].value for n in navigateurs]
    assert set(SessionUtilisateur.objects.filter(utilisateur=redacteur).values_list("cle_session", flat=True)) == set(
        cles
    )
    magasin = import_module(moteur).SessionStore
    prefixe = getattr(magasin, "cache_key_prefix", None)
    if prefixe:
        assert all(cache.get(prefixe + cle) for cle in cles)

    autre = Client()
    autre.force_login(gestionnaire)
    gestion.desactiver(gestionnaire, redacteur, motif="Départ")

    for cle in cles:
        assert not magasin().exists(cle)
        if prefixe:
            assert cache.get(prefixe + cle) is None
    assert not SessionUtilisateur.objects.filter(utilisateur=redacteur).exists()
    # La session du gestionnaire n'est pas touchée.
    assert autre.get(reverse("precontentieux:accueil")).status_code == 200
    for navigateur in navigateurs:
        assert navigateur.get(reverse("precontentieux:accueil"))["Location"].startswith(reverse("portail:connexion"))
    assert Evenement.objects.get(type=TypeEvenement.AGENT_DESACTIVE).details["sessions"] == 2


def test_la_deconnexion_oublie_la_session(client):
    redacteur = agent(Role.REDACTEUR)
    client.force_login(redacteur)
    assert SessionUtilisateur.objects.filter(utilisateur=redacteur).count() == 1
    client.post(reverse("portail:deconnexion"))
    assert not SessionUtilisateur.objects.exists()

"""Rôles : où atterrit chaque persona, refus (SIRET inconnu, agent désactivé), audit des changements de rôle."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.urls import reverse

from outils.oidc_local import PERSONAS, persona
from portail.demo import semer_agents_demo
from portail.enums import Role, TypeEvenement, TypeUtilisateur
from portail.models import Evenement, IdentiteOIDC, Utilisateur

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

DESTINATIONS = {
    ("proconnect", "policier"): "declarations:accueil",
    ("proconnect", "gendarme"): "declarations:accueil",
    ("proconnect", "agent-pp"): "declarations:accueil",
    ("proconnect", "attributeur"): "precontentieux:accueil",
    ("proconnect", "redacteur"): "precontentieux:accueil",
    ("proconnect", "validateur"): "precontentieux:accueil",
    ("proconnect", "liaison-budget"): "precontentieux:accueil",
    ("proconnect", "gestionnaire"): "precontentieux:accueil",
    ("proconnect", "agent-mj-sans-role"): "portail:acces_en_attente",
    ("franceconnect", "usager-camille"): "usagers:accueil",
    ("franceconnect", "usager-jean"): "usagers:accueil",
}


def textes(reponse):
    return [str(m) for m in get_messages(reponse.wsgi_request)]


def test_toutes_les_personas_sont_couvertes():
    toutes = {(s, p["cle"]) for s, liste in PERSONAS.items() for p in liste}
    assert toutes - set(DESTINATIONS) == {("proconnect", "agent-siret-inconnu")}


@pytest.mark.parametrize(("saveur", "cle"), list(DESTINATIONS))
def test_chaque_persona_atterrit_ou_il_faut(parcours_oidc, client, saveur, cle):
    semer_agents_demo()
    reponse = parcours_oidc.connecter(saveur, cle)
    assert reponse["Location"] == reverse("portail:apres_connexion")
    suite = client.get(reponse["Location"])
    assert suite["Location"] == reverse(DESTINATIONS[(saveur, cle)])
    page = client.get(suite["Location"])
    assert page.status_code == 200
    utilisateur = page.wsgi_request.user
    claims = persona(saveur, cle)["claims"]
    if saveur == "proconnect":
        assert utilisateur.type == TypeUtilisateur.AGENT
        assert utilisateur.administration.siret == claims["siret"]
        assert (utilisateur.prenom, utilisateur.nom, utilisateur.email) == (
            claims["given_name"],
            claims["usual_name"],
            claims["email"],
        )
        assert utilisateur.est_forces_de_l_ordre == (utilisateur.administration.code in {"PN", "GN", "PP", "MI"})
        assert utilisateur.roles_mj == set(persona(saveur, cle)["roles"])
    else:
        assert utilisateur.type == TypeUtilisateur.USAGER


def test_siret_inconnu_refuse_avec_un_message(parcours_oidc, client):
    reponse = parcours_oidc.connecter("proconnect", "agent-siret-inconnu")
    assert reponse["Location"] == reverse("portail:connexion")
    assert textes(reponse) == [
        "Votre administration (SIRET 21750001600019) n’est pas habilitée à utiliser Mon Indemnisation Justice. "
        "Si vous pensez qu’il s’agit d’une erreur, contactez le Bureau du précontentieux du ministère de la Justice."
    ]
    assert not Utilisateur.objects.exists()
    evenement = Evenement.objects.get(type=TypeEvenement.CONNEXION_REFUSEE)
    assert evenement.details == {"fournisseur": "proconnect", "motif": "siret_inconnu", "siret": "21750001600019"}
    page = client.get(reverse("portail:connexion"))
    assert "n’est pas habilitée" in page.content.decode()


def test_administration_desactivee_dans_la_table_refusee(parcours_oidc, client):
    from portail.models import Administration

    Administration.objects.filter(code="GN").update(active=False)
    reponse = parcours_oidc.connecter("proconnect", "gendarme")
    assert reponse["Location"] == reverse("portail:connexion")
    assert "n’est pas habilitée" in textes(reponse)[0]


def test_agent_desactive_refuse_et_session_coupee(parcours_oidc, client):
    parcours_oidc.connecter("proconnect", "policier")
    agent = Utilisateur.objects.get()
    assert client.get(reverse("declarations:accueil")).status_code == 200

    agent.is_active = False
    agent.save()

    assert Evenement.objects.filter(type=TypeEvenement.AGENT_DESACTIVE, cible=agent).count() == 1
    # La session en cours tombe.
    assert client.get(reverse("declarations:accueil"))["Location"].startswith(reverse("portail:connexion"))
    reponse = parcours_oidc.connecter("proconnect", "policier")
    assert reponse["Location"] == reverse("portail:connexion")
    assert textes(reponse) == [
        "Votre compte agent a été désactivé. Pour le faire réactiver, contactez un gestionnaire "
        "du Bureau du précontentieux du ministère de la Justice."
    ]
    refus = Evenement.objects.get(type=TypeEvenement.CONNEXION_REFUSEE)
    assert (refus.cible, refus.details["motif"]) == (agent, "agent_desactive")

    agent.is_active = True
    agent.save()
    assert Evenement.objects.filter(type=TypeEvenement.AGENT_REACTIVE, cible=agent).count() == 1
    assert parcours_oidc.connecter("proconnect", "policier")["Location"] == reverse("portail:apres_connexion")


def test_agent_mj_attend_puis_recoit_un_role(parcours_oidc, client):
    parcours_oidc.connecter("proconnect", "attributeur")  # sans semis : aucun rôle
    assert client.get(reverse("portail:apres_connexion"))["Location"] == reverse("portail:acces_en_attente")
    assert client.get(reverse("precontentieux:accueil")).status_code == 403

    agent = Utilisateur.objects.get()
    agent.groups.add(Group.objects.get(name=Role.ATTRIBUTEUR))

    evenement = Evenement.objects.get(type=TypeEvenement.ROLE_ACCORDE)
    assert (evenement.cible, evenement.details) == (agent, {"role": "attributeur"})
    assert client.get(reverse("portail:apres_connexion"))["Location"] == reverse("precontentieux:accueil")
    assert client.get(reverse("precontentieux:accueil")).status_code == 200

    agent.groups.remove(Group.objects.get(name=Role.ATTRIBUTEUR))
    assert Evenement.objects.filter(type=TypeEvenement.ROLE_RETIRE, cible=agent).count() == 1
    assert client.get(reverse("portail:apres_connexion"))["Location"] == reverse("portail:acces_en_attente")


def test_role_forces_de_l_ordre_automatique_et_journalise(parcours_oidc):
    parcours_oidc.connecter("proconnect", "agent-pp")
    agent = Utilisateur.objects.get()
    assert agent.a_role(Role.FORCES_DE_L_ORDRE)
    assert Evenement.objects.get(type=TypeEvenement.ROLE_ACCORDE).details == {"role": "forces_de_l_ordre"}


def test_le_role_gestionnaire_n_ouvre_plus_l_admin(client):
    """L'admin est un outil « bris de glace » réservé aux superutilisateurs (docs/administration.md) : le rôle de
    gestionnaire ne donne ni `is_staff` ni droit ; la gestion des agents est dans le back-office."""
    agent = Utilisateur.objects.create_user(identifiant="proconnect:g", type="agent")
    agent.groups.add(Group.objects.get(name=Role.GESTIONNAIRE))
    agent.refresh_from_db()
    assert not agent.is_staff
    assert not agent.has_perm("portail.change_utilisateur")
    client.force_login(agent)
    reponse = client.get(reverse("admin:portail_utilisateur_changelist"))
    assert reponse.status_code == 302 and reponse["Location"].startswith(reverse("admin:login"))
    # Même avec is_staff (posé à la main), sans superutilisateur : refusé.
    Utilisateur.objects.filter(pk=agent.pk).update(is_staff=True)
    assert client.get(reverse("admin:index")).status_code == 302

    agent.groups.clear()
    assert Evenement.objects.filter(type=TypeEvenement.ROLE_RETIRE, details__role="gestionnaire").count() == 1


def test_role_accorde_depuis_l_admin_est_journalise(client):
    admin = Utilisateur.objects.create_superuser(identifiant="admin", email="admin@justice.gouv.fr", password="x")
    agent = Utilisateur.objects.create_user(identifiant="proconnect:r", type="agent", email="r@justice.gouv.fr")
    client.force_login(admin)
    url = reverse("admin:portail_utilisateur_change", args=[agent.pk])
    donnees = {
        "email": agent.email,
        "civilite": "",
        "prenom": "",
        "nom": "",
        "telephone": "",
        "administration": "",
        "groups": [Group.objects.get(name=Role.REDACTEUR).pk],
        "is_active": "on",
    }
    reponse = client.post(url, donnees)
    assert reponse.status_code == 302, reponse.context["adminform"].form.errors
    evenement = Evenement.objects.get(type=TypeEvenement.ROLE_ACCORDE)
    assert (evenement.acteur, evenement.cible, evenement.details["role"]) == (admin, agent, "redacteur")
    assert evenement.adresse_ip == "127.0.0.1"


def test_semer_demo_simulation_puis_ecriture_idempotente(capsys, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # pièces des dossiers de démonstration
    call_command("semer_demo")
    assert not IdentiteOIDC.objects.exists()
    assert "[simulation]" in capsys.readouterr().out

    call_command("semer_demo", "--wet-run")
    mj_avec_roles = [p for p in PERSONAS["proconnect"] if p["roles"]]
    agents_mj = IdentiteOIDC.objects.filter(fournisseur="proconnect", utilisateur__administration__code="MJ")
    assert agents_mj.count() == len(mj_avec_roles) == 5
    gestionnaire = IdentiteOIDC.objects.get(sub=persona("proconnect", "gestionnaire")["claims"]["sub"]).utilisateur
    assert gestionnaire.roles == {"gestionnaire"}
    assert not gestionnaire.is_staff  # l'admin est réservée aux superutilisateurs
    nombre_evenements, nombre_utilisateurs = Evenement.objects.count(), Utilisateur.objects.count()

    capsys.readouterr()
    call_command("semer_demo", "--wet-run")
    assert "déjà à jour" in capsys.readouterr().out
    assert Evenement.objects.count() == nombre_evenements
    assert Utilisateur.objects.count() == nombre_utilisateurs

"""ProConnect et FranceConnect : échanges réels (HTTP) avec le fournisseur OIDC local."""

import re
from importlib import import_module

import pytest
import requests
from django.contrib.messages import get_messages
from django.urls import reverse

from outils.oidc_local import persona
from portail.enums import Fournisseur, TypeEvenement, TypeUtilisateur
from portail.models import Evenement, IdentiteOIDC, Utilisateur

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def textes(reponse):
    return [str(m) for m in get_messages(reponse.wsgi_request)]


def utilisateur_connecte(client):
    reponse = client.get(reverse("portail:apres_connexion"))
    return reponse.wsgi_request.user if reponse.wsgi_request.user.is_authenticated else None


def evenements(type_evenement):
    return list(Evenement.objects.filter(type=type_evenement))


# --- parcours complets ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("saveur", "cle", "destination"),
    [
        ("proconnect", "policier", "declarations:accueil"),
        ("franceconnect", "usager-camille", "usagers:accueil"),
    ],
)
def test_parcours_complet_connexion_puis_deconnexion(parcours_oidc, client, saveur, cle, destination):
    fournisseur = parcours_oidc.fournisseur
    url_autorisation = parcours_oidc.demarrer(saveur)
    parametres = parcours_oidc.parametres(url_autorisation)
    assert len(parametres["state"]) >= 32
    assert len(parametres["nonce"]) >= 32
    assert parametres["redirect_uri"] == "http://testserver" + reverse("oidc:retour", args=[saveur])
    if saveur == "franceconnect":
        assert parametres["acr_values"] == "eidas1"

    reponse = client.get(parcours_oidc.choisir(url_autorisation, cle))

    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("portail:apres_connexion")
    sub = persona(saveur, cle)["claims"]["sub"]
    identite = IdentiteOIDC.objects.get(fournisseur=saveur, sub=sub)
    assert identite.utilisateur.identifiant == f"{saveur}:{sub}"
    assert client.session["_auth_user_id"] == str(identite.utilisateur.pk)
    assert client.session["oidc_fournisseur"] == saveur
    assert client.session["oidc_id_token"].count(".") == 2
    assert fournisseur.compter(saveur, "token") == 1
    assert fournisseur.compter(saveur, "userinfo") == 1
    suite = client.get(reverse("portail:apres_connexion"))
    assert suite["Location"] == reverse(destination)
    assert client.get(reverse(destination)).status_code == 200
    assert evenements(TypeEvenement.CONNEXION)[0].details == {"fournisseur": saveur}

    # Déconnexion : vers la fin de session du fournisseur, avec id_token_hint, state et adresse de retour.
    id_token = client.session["oidc_id_token"]
    reponse = parcours_oidc.deconnecter()
    assert reponse.status_code == 302
    url_fin = reponse["Location"]
    assert url_fin.startswith(fournisseur.emetteur(saveur) + "/session/end?")
    parametres = parcours_oidc.parametres(url_fin)
    assert parametres["id_token_hint"] == id_token
    assert len(parametres["state"]) >= 32
    assert parametres["post_logout_redirect_uri"] == "http://testserver" + reverse(
        "oidc:retour_deconnexion", args=[saveur]
    )
    assert "_auth_user_id" not in client.session  # session Django fermée dans tous les cas

    retour = parcours_oidc.suivre_fin_de_session(url_fin)
    assert parcours_oidc.parametres(retour)["state"] == parametres["state"]
    fin = client.get(parcours_oidc.chemin(retour))
    assert fin["Location"] == reverse("portail:accueil")
    assert textes(fin) == ["Vous êtes déconnecté(e)."]
    assert fournisseur.compter(saveur, "session_end") == 1
    assert utilisateur_connecte(client) is None


def test_retour_de_deconnexion_avec_un_mauvais_state_n_est_pas_confirme(parcours_oidc, client):
    parcours_oidc.connecter("proconnect", "gendarme")
    url_fin = parcours_oidc.deconnecter()["Location"]
    retour = parcours_oidc.suivre_fin_de_session(url_fin.replace("state=", "state=falsifie"))
    fin = client.get(parcours_oidc.chemin(retour))
    assert fin["Location"] == reverse("portail:accueil")
    assert "n’a pas pu être confirmée" in textes(fin)[0]
    assert utilisateur_connecte(client) is None
    # Le state attendu a été consommé : le rejouer ensuite ne confirme rien non plus.
    assert "oidc_deconnexion" not in client.session


def test_deconnexion_d_un_compte_par_courriel_reste_locale(client):
    utilisateur = Utilisateur.objects.create_user(email="a@exemple.fr", password="x" * 12)
    client.force_login(utilisateur)
    reponse = client.post(reverse("portail:deconnexion"))
    assert reponse["Location"] == reverse("portail:accueil")
    assert "_auth_user_id" not in client.session


def test_le_fournisseur_local_refuse_une_fin_de_session_sans_id_token_valide(fournisseur_oidc):
    url = fournisseur_oidc.emetteur("proconnect") + "/session/end"
    reponse = requests.get(
        url,
        params={"id_token_hint": "abc.def.ghi", "state": "x" * 40, "post_logout_redirect_uri": "http://testserver/"},
        allow_redirects=False,
        timeout=5,
    )
    assert reponse.status_code == 400


# --- refus : state, code rejoué, jetons falsifiés -------------------------------------------------


def test_state_inconnu_refuse_sans_appeler_le_fournisseur(parcours_oidc, client):
    retour = parcours_oidc.choisir(parcours_oidc.demarrer("proconnect"), "policier")
    falsifie = retour.replace("state=", "state=autre")
    reponse = client.get(falsifie)
    assert reponse["Location"] == reverse("portail:connexion")
    assert textes(reponse) == ["Votre demande de connexion a expiré ou n’est pas valide. Veuillez recommencer."]
    assert parcours_oidc.fournisseur.compter("proconnect", "token") == 0
    assert utilisateur_connecte(client) is None
    assert evenements(TypeEvenement.ECHEC_CONNEXION)[0].details["motif"] == "state_invalide"


def test_retour_rejoue_refuse(parcours_oidc, client):
    retour = parcours_oidc.choisir(parcours_oidc.demarrer("proconnect"), "policier")
    assert client.get(retour)["Location"] == reverse("portail:apres_connexion")
    client.logout()
    reponse = client.get(retour)  # même code, même state
    assert reponse["Location"] == reverse("portail:connexion")
    assert parcours_oidc.fournisseur.compter("proconnect", "token") == 1
    assert utilisateur_connecte(client) is None


def test_code_rejoue_avec_un_nouveau_state_refuse_par_le_fournisseur(parcours_oidc, client):
    premier = parcours_oidc.choisir(parcours_oidc.demarrer("proconnect"), "policier")
    assert client.get(premier)["Location"] == reverse("portail:apres_connexion")
    client.logout()
    # Un nouveau state valide dans la session, mais le code déjà échangé.
    nouveau_state = parcours_oidc.parametres(parcours_oidc.demarrer("proconnect"))["state"]
    code = parcours_oidc.parametres(premier)["code"]
    reponse = client.get(reverse("oidc:retour", args=["proconnect"]), {"code": code, "state": nouveau_state})
    assert reponse["Location"] == reverse("portail:connexion")
    assert "indisponible ou a refusé la connexion" in textes(reponse)[0]
    assert parcours_oidc.fournisseur.compter("proconnect", "token") == 2
    assert utilisateur_connecte(client) is None


ALTERATIONS_REFUSEES = [
    ("proconnect", "aud"),
    ("proconnect", "iss"),
    ("proconnect", "exp"),
    ("proconnect", "nonce"),
    ("proconnect", "signature"),
    ("proconnect", "cle_inconnue"),
    ("proconnect", "alg_none"),
    ("proconnect", "userinfo_aud"),
    ("proconnect", "userinfo_iss"),
    ("proconnect", "userinfo_signature"),
    ("proconnect", "userinfo_sub"),
    ("franceconnect", "aud"),
    ("franceconnect", "iss"),
    ("franceconnect", "exp"),
    ("franceconnect", "nonce"),
    ("franceconnect", "signature"),
    ("franceconnect", "acr"),
    ("franceconnect", "userinfo_signature"),
]


@pytest.mark.parametrize(("saveur", "alteration"), ALTERATIONS_REFUSEES)
def test_jeton_falsifie_refuse(parcours_oidc, client, saveur, alteration):
    cle = "policier" if saveur == "proconnect" else "usager-jean"
    parcours_oidc.fournisseur.alterer_prochain_jeton(saveur, alteration)
    reponse = parcours_oidc.connecter(saveur, cle)
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("portail:connexion")
    libelle = Fournisseur(saveur).label
    assert textes(reponse) == [f"La connexion avec {libelle} n’a pas pu être vérifiée. Veuillez réessayer."]
    assert utilisateur_connecte(client) is None
    assert not IdentiteOIDC.objects.exists()
    assert evenements(TypeEvenement.ECHEC_CONNEXION)[0].details["motif"] == "jeton_invalide"


def test_userinfo_json_accepte(parcours_oidc, client):
    parcours_oidc.fournisseur.alterer_prochain_jeton("proconnect", "userinfo_json")
    reponse = parcours_oidc.connecter("proconnect", "gendarme")
    assert reponse["Location"] == reverse("portail:apres_connexion")
    assert utilisateur_connecte(client).administration.code == "GN"


def test_mauvais_secret_client_refuse(parcours_oidc, client, settings):
    settings.OIDC_FOURNISSEURS["proconnect"]["CLIENT_SECRET"] = "mauvais-secret"
    reponse = parcours_oidc.connecter("proconnect", "policier")
    assert reponse["Location"] == reverse("portail:connexion")
    assert utilisateur_connecte(client) is None


# --- séparation des fournisseurs ------------------------------------------------------------------


def test_le_retour_d_un_fournisseur_n_atteint_jamais_l_autre(parcours_oidc, client):
    fournisseur = parcours_oidc.fournisseur
    retour_pc = parcours_oidc.choisir(parcours_oidc.demarrer("proconnect"), "policier")
    # Le code et le state ProConnect présentés au retour FranceConnect.
    chemin_fc = retour_pc.replace("/proconnect/", "/franceconnect/")
    assert chemin_fc != retour_pc
    reponse = client.get(chemin_fc)
    assert reponse["Location"] == reverse("portail:connexion")
    assert fournisseur.compter("franceconnect", "token") == 0
    assert fournisseur.compter("proconnect", "token") == 0
    assert utilisateur_connecte(client) is None

    # Une connexion FranceConnect réussie n'appelle que FranceConnect.
    assert parcours_oidc.connecter("franceconnect", "usager-jean")["Location"] == reverse("portail:apres_connexion")
    assert fournisseur.compter("franceconnect", "token") == 1
    assert fournisseur.compter("proconnect", "token") == 0
    assert fournisseur.compter("proconnect", "userinfo") == 0


def test_fournisseur_inconnu_404(client):
    for nom in ("connexion", "retour", "retour_deconnexion"):
        assert client.get(reverse(f"oidc:{nom}", args=["inconnu"])).status_code == 404


# --- FranceConnect : comptes ----------------------------------------------------------------------


def test_identite_franceconnect_avec_l_adresse_d_un_compte_par_courriel_ne_s_y_connecte_pas(parcours_oidc, client):
    claims = persona("franceconnect", "usager-camille")["claims"]
    compte_courriel = Utilisateur.objects.create_user(email=claims["email"], password="mot-de-passe-solide")
    reponse = parcours_oidc.connecter("franceconnect", "usager-camille")
    assert reponse["Location"] == reverse("portail:apres_connexion")
    connecte = utilisateur_connecte(client)
    assert connecte.pk != compte_courriel.pk
    assert connecte.identifiant == f"franceconnect:{claims['sub']}"
    assert Utilisateur.objects.filter(email=claims["email"]).count() == 2
    # Identité stockée pour le pré-remplissage.
    assert connecte.type == TypeUtilisateur.USAGER
    assert (connecte.prenom, connecte.nom, connecte.civilite) == ("Camille Marie", "DURAND", "Mme")
    identite = connecte.identites_oidc.get()
    for claim in ("given_name", "family_name", "birthdate", "birthplace", "birthcountry", "gender", "email"):
        assert identite.claims[claim] == claims[claim]
    assert "aud" not in identite.claims


def test_deuxieme_connexion_franceconnect_retrouve_le_meme_compte(parcours_oidc, client):
    parcours_oidc.connecter("franceconnect", "usager-jean")
    premier = utilisateur_connecte(client)
    client.logout()
    parcours_oidc.connecter("franceconnect", "usager-jean")
    assert utilisateur_connecte(client).pk == premier.pk
    assert Utilisateur.objects.count() == 1


def test_un_sub_franceconnect_n_ouvre_jamais_une_session_agent(parcours_oidc, client):
    claims = persona("franceconnect", "usager-jean")["claims"]
    agent = Utilisateur.objects.create_user(identifiant="agent-x", email="x@justice.gouv.fr", type="agent")
    IdentiteOIDC.objects.create(utilisateur=agent, fournisseur="franceconnect", sub=claims["sub"])
    reponse = parcours_oidc.connecter("franceconnect", "usager-jean")
    assert reponse["Location"] == reverse("portail:connexion")
    assert "Les agents se connectent avec ProConnect" in textes(reponse)[0]
    assert utilisateur_connecte(client) is None
    assert evenements(TypeEvenement.CONNEXION_REFUSEE)[0].cible == agent


# --- erreurs du fournisseur -----------------------------------------------------------------------


def test_annulation_chez_le_fournisseur(parcours_oidc, client):
    retour = parcours_oidc.choisir(parcours_oidc.demarrer("franceconnect"), annuler=True)
    assert "error=access_denied" in retour
    reponse = client.get(retour)
    assert reponse["Location"] == reverse("portail:connexion")
    assert textes(reponse) == [
        "Vous avez annulé la connexion avec FranceConnect. Vous pouvez réessayer quand vous voulez."
    ]
    # Le message s'affiche sur la page de connexion.
    page = client.get(reverse("portail:connexion"))
    assert "Vous avez annulé la connexion avec FranceConnect" in page.content.decode()


def test_erreur_du_point_de_jeton(parcours_oidc, client):
    parcours_oidc.fournisseur.alterer_prochain_jeton("proconnect", "erreur_token")
    reponse = parcours_oidc.connecter("proconnect", "policier")
    assert reponse["Location"] == reverse("portail:connexion")
    assert "momentanément indisponible" in textes(reponse)[0]


def test_fournisseur_injoignable(client, fournisseur_oidc, settings):
    settings.OIDC_FOURNISSEURS["proconnect"]["URL_DECOUVERTE"] = "http://127.0.0.1:9/.well-known/openid-configuration"
    reponse = client.get(reverse("oidc:connexion", args=["proconnect"]))
    assert reponse["Location"] == reverse("portail:connexion")
    assert textes(reponse) == [
        "Le service ProConnect est momentanément indisponible. Veuillez réessayer dans quelques instants."
    ]


def test_retour_sans_state_ni_code(client, fournisseur_oidc):
    reponse = client.get(reverse("oidc:retour", args=["proconnect"]))
    assert reponse["Location"] == reverse("portail:connexion")


def test_suivant_conserve_et_verifie(parcours_oidc, client):
    retour = parcours_oidc.choisir(parcours_oidc.demarrer("proconnect", suivant="/forces-de-l-ordre/"), "policier")
    assert client.get(retour)["Location"] == "/forces-de-l-ordre/"
    client.logout()
    retour = parcours_oidc.choisir(parcours_oidc.demarrer("proconnect", suivant="https://pirate.invalid/"), "policier")
    assert client.get(retour)["Location"] == reverse("portail:apres_connexion")


# --- le fournisseur local lui-même ----------------------------------------------------------------


def test_page_de_choix_accessible(parcours_oidc):
    page = requests.get(parcours_oidc.demarrer("proconnect"), timeout=5).text
    assert '<html lang="fr">' in page
    assert page.count("<h1>") == 1
    assert "<script" not in page and " style=" not in page
    assert not re.search(r"\son[a-z]+=", page)
    assert page.count('name="persona"') == 10


def test_inconduites_impossibles_hors_mode_test():
    from outils.oidc_local import FournisseurOIDCLocal

    with FournisseurOIDCLocal(port=0) as fournisseur:
        with pytest.raises(RuntimeError):
            fournisseur.alterer_prochain_jeton("proconnect", "aud")
        reponse = requests.post(
            fournisseur.url_base + "/_test/alterer", data={"saveur": "proconnect", "alterations": "aud"}, timeout=5
        )
        assert reponse.status_code == 404


def test_le_fournisseur_verifie_la_redirect_uri_au_jeton(parcours_oidc, fournisseur_oidc):
    retour = parcours_oidc.choisir(parcours_oidc.demarrer("proconnect"), "policier")
    code = parcours_oidc.parametres(retour)["code"]
    reponse = requests.post(
        fournisseur_oidc.emetteur("proconnect") + "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "http://ailleurs.invalid/retour/",
            "client_id": "portail-proconnect",
            "client_secret": fournisseur_oidc.clients["proconnect"][1],
        },
        timeout=5,
    )
    assert reponse.status_code == 400
    assert reponse.json()["error"] == "invalid_grant"


@pytest.mark.django_db(transaction=True)
def test_parcours_reel_par_http_avec_le_serveur_du_portail(fournisseur_oidc_live, live_server):
    """Comme un navigateur : cookies, redirections, formulaire de déconnexion avec jeton CSRF."""
    # Un test transactionnel précédent a pu vider la table semée par migration : on la ressème.
    from django.apps import apps

    import_module("portail.migrations.0002_administrations_et_roles").semer(apps, None)
    navigateur = requests.Session()
    page = navigateur.get(f"{live_server.url}/oidc/proconnect/connexion/", timeout=10)
    demande = re.search(r'name="demande" value="([^"]+)"', page.text).group(1)
    accueil = navigateur.post(
        fournisseur_oidc_live.emetteur("proconnect") + "/authorize",
        data={"demande": demande, "persona": "policier"},
        timeout=10,
    )
    assert accueil.url == live_server.url + reverse("declarations:accueil")
    jeton_csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', accueil.text).group(1)
    fin = navigateur.post(
        live_server.url + reverse("portail:deconnexion"),
        data={"csrfmiddlewaretoken": jeton_csrf},
        headers={"Referer": accueil.url},
        timeout=10,
    )
    etapes = [r.url.split("?")[0] for r in fin.history]
    assert etapes == [
        live_server.url + reverse("portail:deconnexion"),
        fournisseur_oidc_live.emetteur("proconnect") + "/session/end",
        live_server.url + reverse("oidc:retour_deconnexion", args=["proconnect"]),
    ]
    assert fin.url == live_server.url + reverse("portail:accueil")
    assert "Vous êtes déconnecté(e)." in fin.text
    apres = navigateur.get(live_server.url + reverse("declarations:accueil"), allow_redirects=False, timeout=10)
    assert apres.headers["Location"].startswith(reverse("portail:connexion"))

"""Le fournisseur OIDC local est aussi strict que ProConnect et FranceConnect v2 : chaque règle refuse ce
qu'elle doit, et le portail passe quand même la connexion réelle (tests/portail/test_oidc.py)."""

import re
from urllib.parse import urlencode

import jwt
import pytest
import requests
from django.contrib.messages import get_messages
from django.urls import reverse

from outils.oidc_local import FournisseurOIDCLocal

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

RETOUR_PC = "http://testserver/oidc/proconnect/retour/"
RETOUR_DECONNEXION_PC = "http://testserver/oidc/proconnect/deconnexion/retour/"


def _autoriser(fournisseur, saveur="proconnect", **modifications):
    parametres = {
        "response_type": "code",
        "client_id": fournisseur.clients[saveur].client_id,
        "redirect_uri": f"http://testserver/oidc/{saveur}/retour/",
        "scope": "openid email",
        "state": "s" * 40,
        "nonce": "n" * 40,
        **modifications,
    }
    parametres = {k: v for k, v in parametres.items() if v is not None}
    return requests.get(
        fournisseur.emetteur(saveur) + "/authorize", params=parametres, allow_redirects=False, timeout=5
    )


def _code(fournisseur, saveur="proconnect", persona="policier", session=None):
    """Parcours chez le fournisseur seul : renvoie le code d'autorisation émis."""
    navigateur = session or requests.Session()
    page = navigateur.get(
        fournisseur.emetteur(saveur) + "/authorize",
        params={
            "response_type": "code",
            "client_id": fournisseur.clients[saveur].client_id,
            "redirect_uri": f"http://testserver/oidc/{saveur}/retour/",
            "scope": "openid email",
            "state": "s" * 40,
            "nonce": "n" * 40,
        },
        timeout=5,
    )
    demande = re.search(r'name="demande" value="([^"]+)"', page.text).group(1)
    reponse = navigateur.post(
        fournisseur.emetteur(saveur) + "/authorize",
        data={"demande": demande, "persona": persona},
        allow_redirects=False,
        timeout=5,
    )
    return re.search(r"code=([^&]+)", reponse.headers["Location"]).group(1)


def _echanger(fournisseur, code, saveur="proconnect", **modifications):
    client = fournisseur.clients[saveur]
    donnees = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": f"http://testserver/oidc/{saveur}/retour/",
        "client_id": client.client_id,
        "client_secret": client.secret,
        **modifications,
    }
    return requests.post(
        fournisseur.emetteur(saveur) + "/token", data={k: v for k, v in donnees.items() if v is not None}, timeout=5
    )


def textes(reponse):
    return [str(m) for m in get_messages(reponse.wsgi_request)]


# --- URI de redirection exactes --------------------------------------------------------------------


@pytest.mark.parametrize(
    "uri",
    [
        "http://testserver/oidc/proconnect/retour",  # sans la barre oblique finale
        "http://testserver/oidc/proconnect/retour/?x=1",
        "http://testserver/oidc/proconnect/retour/autre",
        "http://testserver/oidc/franceconnect/retour/",  # inscrite pour l'autre client
        "https://testserver/oidc/proconnect/retour/",
        "http://testserver:80/oidc/proconnect/retour/",
        "http://localhost/oidc/proconnect/retour/",
    ],
)
def test_redirect_uri_non_inscrite_refusee(fournisseur_oidc, uri):
    reponse = _autoriser(fournisseur_oidc, redirect_uri=uri)
    assert reponse.status_code == 400
    assert "Adresse de retour refusée" in reponse.text
    assert "Location" not in reponse.headers


def test_redirect_uri_exacte_acceptee(fournisseur_oidc):
    assert _autoriser(fournisseur_oidc, redirect_uri=RETOUR_PC).status_code == 200


def test_le_portail_envoie_exactement_l_uri_inscrite(parcours_oidc, settings):
    fournisseur = parcours_oidc.fournisseur
    fournisseur.inscrire_portail("http://autre-portail.invalid")
    page = requests.get(parcours_oidc.demarrer("proconnect"), timeout=5)
    assert page.status_code == 400  # le portail n'est plus inscrit : refusé, comme en production


@pytest.mark.parametrize(
    "uri",
    [
        "http://testserver/oidc/proconnect/deconnexion/retour",
        "http://testserver/oidc/proconnect/deconnexion/retour/?x=1",
        "http://testserver/",
        "http://testserver/oidc/franceconnect/deconnexion/retour/",
        None,
    ],
)
def test_post_logout_redirect_uri_non_inscrite_refusee(parcours_oidc, client, uri):
    parcours_oidc.connecter("proconnect", "policier")
    id_token = client.session["oidc_id_token"]
    parametres = {"id_token_hint": id_token, "state": "e" * 40, "post_logout_redirect_uri": uri}
    reponse = requests.get(
        parcours_oidc.fournisseur.emetteur("proconnect") + "/session/end",
        params={k: v for k, v in parametres.items() if v is not None},
        allow_redirects=False,
        timeout=5,
    )
    assert reponse.status_code == 400
    assert "post_logout_redirect_uri" in reponse.text
    exacte = requests.get(
        parcours_oidc.fournisseur.emetteur("proconnect") + "/session/end",
        params={**parametres, "post_logout_redirect_uri": RETOUR_DECONNEXION_PC},
        allow_redirects=False,
        timeout=5,
    )
    assert exacte.status_code == 303
    assert exacte.headers["Location"] == RETOUR_DECONNEXION_PC + "?" + urlencode({"state": "e" * 40})


def test_fin_de_session_sans_state_refusee(parcours_oidc, client):
    parcours_oidc.connecter("proconnect", "policier")
    reponse = requests.get(
        parcours_oidc.fournisseur.emetteur("proconnect") + "/session/end",
        params={"id_token_hint": client.session["oidc_id_token"], "post_logout_redirect_uri": RETOUR_DECONNEXION_PC},
        allow_redirects=False,
        timeout=5,
    )
    assert reponse.status_code == 400


# --- client_secret_post seulement ----------------------------------------------------------------


def test_client_secret_basic_refuse(fournisseur_oidc):
    code = _code(fournisseur_oidc)
    client = fournisseur_oidc.clients["proconnect"]
    reponse = requests.post(
        fournisseur_oidc.emetteur("proconnect") + "/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": RETOUR_PC},
        auth=(client.client_id, client.secret),
        timeout=5,
    )
    assert reponse.status_code == 401
    assert reponse.json()["error"] == "invalid_client"
    decouverte = requests.get(fournisseur_oidc.url_decouverte("proconnect"), timeout=5).json()
    assert decouverte["token_endpoint_auth_methods_supported"] == ["client_secret_post"]


def test_client_secret_post_sans_secret_refuse(fournisseur_oidc):
    reponse = _echanger(fournisseur_oidc, _code(fournisseur_oidc), client_secret=None)
    assert reponse.status_code == 401


def test_client_secret_post_accepte(fournisseur_oidc):
    reponse = _echanger(fournisseur_oidc, _code(fournisseur_oidc))
    assert reponse.status_code == 200
    assert reponse.json()["expires_in"] == 60


def test_le_portail_n_a_plus_d_option_client_secret_basic(parcours_oidc, client, settings):
    # L'ancien réglage documenté n'existe plus : le portail envoie toujours le secret dans le corps.
    settings.OIDC_FOURNISSEURS["proconnect"]["AUTHENTIFICATION_CLIENT"] = "client_secret_basic"
    reponse = parcours_oidc.connecter("proconnect", "policier")
    assert reponse["Location"] == reverse("portail:apres_connexion")


# --- paramètres inconnus de /authorize -----------------------------------------------------------


@pytest.mark.parametrize(
    ("saveur", "parametre"),
    [
        ("proconnect", {"foo": "bar"}),
        ("proconnect", {"code_challenge": "x" * 43}),
        ("proconnect", {"response_mode": "query"}),
        ("franceconnect", {"max_age": "0"}),
        ("franceconnect", {"ui_locales": "fr"}),
    ],
)
def test_parametre_inconnu_refuse(fournisseur_oidc, saveur, parametre):
    reponse = _autoriser(fournisseur_oidc, saveur, **parametre)
    assert reponse.status_code == 400
    assert "Y000400" in reponse.text
    assert "Location" not in reponse.headers


def test_parametre_en_double_refuse(fournisseur_oidc):
    url = (
        fournisseur_oidc.emetteur("proconnect")
        + "/authorize?"
        + urlencode(
            {
                "response_type": "code",
                "client_id": fournisseur_oidc.clients["proconnect"].client_id,
                "redirect_uri": RETOUR_PC,
                "scope": "openid",
                "state": "s" * 40,
                "nonce": "n" * 40,
            }
        )
        + "&scope=openid"
    )
    assert requests.get(url, allow_redirects=False, timeout=5).status_code == 400


def test_parametres_documentes_acceptes(fournisseur_oidc):
    assert _autoriser(fournisseur_oidc, "proconnect", prompt="login", acr_values="eidas1").status_code == 200
    assert _autoriser(fournisseur_oidc, "franceconnect", prompt="login consent", acr_values="eidas1").status_code == 200


# --- durées de vie : code 30 s, jeton 60 s ---------------------------------------------------------


def test_code_expire_apres_30_secondes(parcours_oidc, client):
    fournisseur = parcours_oidc.fournisseur
    retour = parcours_oidc.choisir(parcours_oidc.demarrer("proconnect"), "policier")
    fournisseur.avancer_horloge(31)
    reponse = client.get(retour)
    assert reponse["Location"] == reverse("portail:connexion")
    assert "indisponible ou a refusé la connexion" in textes(reponse)[0]
    assert fournisseur.compter("proconnect", "token") == 1
    assert fournisseur.compter("proconnect", "userinfo") == 0


def test_code_encore_valide_a_29_secondes(parcours_oidc, client):
    retour = parcours_oidc.choisir(parcours_oidc.demarrer("proconnect"), "policier")
    parcours_oidc.fournisseur.avancer_horloge(29)
    assert client.get(retour)["Location"] == reverse("portail:apres_connexion")


def test_jeton_d_acces_expire_apres_60_secondes(fournisseur_oidc):
    acces = _echanger(fournisseur_oidc, _code(fournisseur_oidc)).json()["access_token"]
    userinfo = fournisseur_oidc.emetteur("proconnect") + "/userinfo"
    entetes = {"Authorization": f"Bearer {acces}"}
    fournisseur_oidc.avancer_horloge(59)
    assert requests.get(userinfo, headers=entetes, timeout=5).status_code == 200
    fournisseur_oidc.avancer_horloge(2)
    reponse = requests.get(userinfo, headers=entetes, timeout=5)
    assert reponse.status_code == 401


def test_id_token_valable_60_secondes(fournisseur_oidc):
    id_token = _echanger(fournisseur_oidc, _code(fournisseur_oidc)).json()["id_token"]
    claims = jwt.decode(id_token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 60


# --- JWKS à deux clés et rotation -----------------------------------------------------------------


@pytest.mark.parametrize(("saveur", "algorithme"), [("proconnect", "ES256"), ("franceconnect", "RS256")])
def test_jwks_a_deux_cles_et_signature_choisie_a_l_inscription(parcours_oidc, client, saveur, algorithme):
    fournisseur = parcours_oidc.fournisseur
    jwks = requests.get(fournisseur.emetteur(saveur) + "/jwks", timeout=5).json()["keys"]
    assert sorted((k["kty"], k["alg"]) for k in jwks) == [("EC", "ES256"), ("RSA", "RS256")]
    assert len({k["kid"] for k in jwks}) == 2
    cle = "policier" if saveur == "proconnect" else "usager-jean"
    assert parcours_oidc.connecter(saveur, cle)["Location"] == reverse("portail:apres_connexion")
    entete = jwt.get_unverified_header(client.session["oidc_id_token"])
    assert entete["alg"] == algorithme
    assert entete["kid"] == next(k["kid"] for k in jwks if k["alg"] == algorithme)


def test_rotation_des_cles(parcours_oidc, client):
    fournisseur = parcours_oidc.fournisseur
    assert parcours_oidc.connecter("proconnect", "policier")["Location"] == reverse("portail:apres_connexion")
    ancien_kid = jwt.get_unverified_header(client.session["oidc_id_token"])["kid"]
    lectures_jwks = fournisseur.compter("proconnect", "jwks")
    client.logout()

    ancien, nouveau = fournisseur.tourner_cle("proconnect")
    assert ancien == ancien_kid and nouveau != ancien
    # Le portail a le JWKS en cache : il le relit en voyant le nouveau kid, et la connexion aboutit.
    assert parcours_oidc.connecter("proconnect", "gendarme")["Location"] == reverse("portail:apres_connexion")
    assert jwt.get_unverified_header(client.session["oidc_id_token"])["kid"] == nouveau
    assert fournisseur.compter("proconnect", "jwks") == lectures_jwks + 1
    kids = [k["kid"] for k in requests.get(fournisseur.emetteur("proconnect") + "/jwks", timeout=5).json()["keys"]]
    assert ancien in kids and nouveau in kids  # l'ancienne reste publiée pendant la transition

    # Fin de la transition : l'ancienne clé n'est plus publiée ; un jeton qu'elle a signé ne vaut plus rien.
    fournisseur.retirer_anciennes_cles("proconnect")
    kids = [k["kid"] for k in requests.get(fournisseur.emetteur("proconnect") + "/jwks", timeout=5).json()["keys"]]
    assert ancien not in kids and nouveau in kids and len(kids) == 2


def test_rotation_jeton_signe_par_une_cle_retiree_refuse_par_le_portail(parcours_oidc, client):
    fournisseur = parcours_oidc.fournisseur
    parcours_oidc.connecter("proconnect", "policier")  # le portail met le JWKS en cache
    client.logout()
    retour = parcours_oidc.choisir(parcours_oidc.demarrer("proconnect"), "gendarme")
    fournisseur.tourner_cle("proconnect", retirer_l_ancienne=True)
    # Le code a été émis avant la rotation, mais le jeton est signé à l'échange par la nouvelle clé : accepté.
    assert client.get(retour)["Location"] == reverse("portail:apres_connexion")
    # Un id_token signé par l'ancienne clé (désormais absente du JWKS) est refusé par le fournisseur.
    assert fournisseur.verifier_id_token_hint("proconnect", _jeton_cle_retiree(fournisseur)) is None


def _jeton_cle_retiree(fournisseur):
    from outils.oidc_local.serveur import Cle

    cle = Cle("ES256")
    return cle.signer({"iss": fournisseur.emetteur("proconnect"), "aud": fournisseur.clients["proconnect"][0]})


# --- session chez le fournisseur et page de déconnexion ------------------------------------------


def test_session_du_fournisseur_ouverte_puis_fermee_par_la_fin_de_session(fournisseur_oidc):
    navigateur = requests.Session()
    code = _code(fournisseur_oidc, session=navigateur)
    assert navigateur.cookies.get("oidc_local_proconnect")
    assert fournisseur_oidc.sessions_ouvertes("proconnect") == 1
    # Une nouvelle demande propose de reprendre la session (sauf prompt=login)…
    page = navigateur.get(_autoriser_url(fournisseur_oidc), timeout=5)
    assert "Continuer avec cette session" in page.text
    assert "Policier" in page.text
    assert "Continuer avec cette session" not in navigateur.get(_autoriser_url(fournisseur_oidc, prompt="login")).text
    # … la page de session la montre…
    assert "Session ProConnect ouverte" in navigateur.get(fournisseur_oidc.emetteur("proconnect") + "/deconnexion").text
    # … et la fin de session RP-initiée la ferme.
    id_token = _echanger(fournisseur_oidc, code).json()["id_token"]
    fin = navigateur.get(
        fournisseur_oidc.emetteur("proconnect") + "/session/end",
        params={"id_token_hint": id_token, "state": "e" * 40, "post_logout_redirect_uri": RETOUR_DECONNEXION_PC},
        allow_redirects=False,
        timeout=5,
    )
    assert fin.status_code == 303
    assert "Max-Age=0" in fin.headers["Set-Cookie"]
    assert fournisseur_oidc.sessions_ouvertes("proconnect") == 0
    page = navigateur.get(_autoriser_url(fournisseur_oidc), timeout=5)
    assert "Continuer avec cette session" not in page.text


def test_reprendre_la_session_du_fournisseur(fournisseur_oidc):
    navigateur = requests.Session()
    _code(fournisseur_oidc, persona="gendarme", session=navigateur)
    page = navigateur.get(_autoriser_url(fournisseur_oidc), timeout=5)
    demande = re.search(r'name="demande" value="([^"]+)"', page.text).group(1)
    reponse = navigateur.post(
        fournisseur_oidc.emetteur("proconnect") + "/authorize",
        data={"demande": demande, "reprendre": "1"},
        allow_redirects=False,
        timeout=5,
    )
    code = re.search(r"code=([^&]+)", reponse.headers["Location"]).group(1)
    id_token = _echanger(fournisseur_oidc, code).json()["id_token"]
    claims = jwt.decode(id_token, options={"verify_signature": False})
    from outils.oidc_local import persona

    assert claims["sub"] == persona("proconnect", "gendarme")["claims"]["sub"]
    assert claims["sid"]


def test_page_de_deconnexion_du_fournisseur(fournisseur_oidc):
    navigateur = requests.Session()
    _code(fournisseur_oidc, session=navigateur)
    url = fournisseur_oidc.emetteur("proconnect") + "/deconnexion"
    page = navigateur.get(url, timeout=5)
    assert page.status_code == 200
    assert page.text.count("<h1>") == 1 and '<html lang="fr">' in page.text
    fin = navigateur.post(url, data={"deconnecter": "1"}, timeout=5)
    assert "Vous êtes déconnecté(e) de ProConnect local." in fin.text
    assert fournisseur_oidc.sessions_ouvertes("proconnect") == 0
    assert "Aucune session ProConnect" in navigateur.get(url, timeout=5).text


def test_la_deconnexion_du_portail_ferme_la_session_du_fournisseur(parcours_oidc, client):
    fournisseur = parcours_oidc.fournisseur
    navigateur = requests.Session()
    url = parcours_oidc.demarrer("proconnect")
    page = navigateur.get(url, timeout=5)
    demande = re.search(r'name="demande" value="([^"]+)"', page.text).group(1)
    retour = navigateur.post(
        fournisseur.emetteur("proconnect") + "/authorize",
        data={"demande": demande, "persona": "policier"},
        allow_redirects=False,
        timeout=5,
    )
    client.get(parcours_oidc.chemin(retour.headers["Location"]))
    assert fournisseur.sessions_ouvertes("proconnect") == 1
    url_fin = parcours_oidc.deconnecter()["Location"]
    fin = navigateur.get(url_fin, allow_redirects=False, timeout=5)
    assert fin.status_code == 303
    assert fournisseur.sessions_ouvertes("proconnect") == 0
    assert client.get(parcours_oidc.chemin(fin.headers["Location"]))["Location"] == reverse("portail:accueil")


def _autoriser_url(fournisseur, **modifications):
    parametres = {
        "response_type": "code",
        "client_id": fournisseur.clients["proconnect"].client_id,
        "redirect_uri": RETOUR_PC,
        "scope": "openid email",
        "state": "s" * 40,
        "nonce": "n" * 40,
        **modifications,
    }
    return fournisseur.emetteur("proconnect") + "/authorize?" + urlencode(parametres)


# --- ligne de commande ----------------------------------------------------------------------------


def test_inscription_par_defaut_depuis_url_portail(monkeypatch):
    from outils.oidc_local.__main__ import analyser, construire

    monkeypatch.setenv("URL_PORTAIL", "http://localhost:9000")
    fournisseur = construire(analyser(["--dossier-cles", ""]))
    assert fournisseur.clients["franceconnect"].uris_redirection == (
        "http://localhost:9000/oidc/franceconnect/retour/",
    )
    assert fournisseur.clients["proconnect"].uris_deconnexion == (
        "http://localhost:9000/oidc/proconnect/deconnexion/retour/",
    )


def test_horloge_reservee_au_mode_test():
    with pytest.raises(RuntimeError):
        FournisseurOIDCLocal().avancer_horloge(31)

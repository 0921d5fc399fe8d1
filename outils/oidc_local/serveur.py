"""Fournisseur OpenID Connect local : ProConnect et FranceConnect simulés, pour le développement et les tests.

Il parle le vrai protocole (découverte, JWKS, code d'autorisation, jetons signés, userinfo en JWT signé,
déconnexion RP-initiée) sous deux saveurs servies par un même serveur :
`{url_base}/proconnect/...` et `{url_base}/franceconnect/...`.

Il est aussi strict que les vrais (documentation partenaires de ProConnect et FranceConnect v2), pour qu'un
test ne passe jamais là où la production échouerait :
- URI de retour et de déconnexion comparées **exactement** à celles inscrites (barre oblique finale comprise) ;
- authentification du client au point de jeton par `client_secret_post` seulement ;
- tout paramètre inconnu de `/authorize` refusé (erreur « Bad Request », comme ProConnect) ;
- code d'autorisation valable 30 s, jeton d'accès 60 s ;
- JWKS à deux clés (ES256 et RS256) : le client ProConnect est inscrit en ES256, le client FranceConnect en
  RS256 ; `tourner_cle` remplace la clé de signature (rotation) ;
- une session chez le fournisseur (cookie), fermée par `/session/end` ou par la page `/deconnexion`.

Les inconduites (jeton au mauvais `aud`, mauvais `iss`, expiré, signature altérée, mauvais `nonce`…) ne sont
possibles qu'en mode test : par la méthode `alterer_prochain_jeton` en processus, ou par `POST /_test/alterer`
seulement si le serveur est lancé avec `--test`.
"""

import base64
import hashlib
import html
import json
import logging
import os
import secrets
import threading
import time
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from .personas import PERSONAS

journal = logging.getLogger("oidc_local")

SAVEURS = ("proconnect", "franceconnect")
NOMS = {"proconnect": "ProConnect", "franceconnect": "FranceConnect"}
# Chaque JWKS publie une clé de chaque sorte ; l'algorithme de signature est celui choisi à l'inscription du
# client : ES256 pour ProConnect, RS256 pour FranceConnect (le portail doit accepter les deux).
ALGORITHMES_CLES = ("ES256", "RS256")
ALGORITHMES = {"proconnect": "ES256", "franceconnect": "RS256"}
# Paramètres admis par /authorize ; tout autre est refusé (ProConnect : « Y000400 Bad Request »).
PARAMETRES_AUTORISATION = {
    "proconnect": frozenset(
        {"response_type", "client_id", "redirect_uri", "scope", "claims", "state", "nonce", "prompt", "idp_hint"}
        | {"acr_values", "login_hint", "siret_hint"}
    ),
    "franceconnect": frozenset(
        {"response_type", "client_id", "redirect_uri", "scope", "claims", "state", "nonce", "prompt", "acr_values"}
        | {"idp_hint"}
    ),
}
URL_PORTAIL_PAR_DEFAUT = "http://127.0.0.1:8000"
CLIENTS_PAR_DEFAUT = {
    "proconnect": ("portail-proconnect", "secret-local-proconnect"),
    "franceconnect": ("portail-franceconnect", "secret-local-franceconnect"),
}
# Regroupements de scopes FranceConnect ; pour ProConnect chaque scope porte le nom de sa claim.
GROUPES_SCOPES = {
    "profile": ["given_name", "family_name", "preferred_username", "birthdate", "gender"],
    "birth": ["birthplace", "birthcountry"],
    "identite_pivot": ["given_name", "family_name", "birthdate", "gender", "birthplace", "birthcountry"],
}
ALTERATIONS = {
    "aud": "id_token émis pour un autre client",
    "iss": "id_token émis par un autre émetteur",
    "exp": "id_token déjà expiré",
    "signature": "id_token dont le contenu a été modifié après signature",
    "cle_inconnue": "id_token signé par une clé inconnue portant le même kid",
    "alg_none": "id_token non signé (alg none)",
    "nonce": "id_token portant un autre nonce",
    "acr": "id_token d’un niveau eIDAS insuffisant",
    "userinfo_json": "userinfo en JSON au lieu d’un JWT",
    "userinfo_aud": "userinfo émis pour un autre client",
    "userinfo_iss": "userinfo émis par un autre émetteur",
    "userinfo_signature": "userinfo dont le contenu a été modifié après signature",
    "userinfo_sub": "userinfo d’un autre sujet que l’id_token",
    "erreur_token": "le point de jeton répond 500",
}
DUREE_DEMANDE = 600
DUREE_CODE = 30  # secondes (ProConnect : « le code a une durée d'expiration de 30 secondes »)
DUREE_JETON = 60  # secondes (ProConnect et FranceConnect : « expires_in »: 60)
DUREE_SESSION = 12 * 3600  # la session ProConnect dure 12 heures


class Client(NamedTuple):
    """Client inscrit chez le fournisseur : identifiants et adresses de retour exactes."""

    client_id: str
    secret: str
    uris_redirection: tuple = ()
    uris_deconnexion: tuple = ()


def uris_du_portail(saveur, url_portail):
    """Adresses à déclarer chez le fournisseur pour un portail (voir docs/oidc.md)."""
    base = url_portail.rstrip("/")
    return f"{base}/oidc/{saveur}/retour/", f"{base}/oidc/{saveur}/deconnexion/retour/"


def _b64url(donnees):
    return base64.urlsafe_b64encode(donnees).rstrip(b"=").decode()


def _alea():
    return secrets.token_urlsafe(32)


class Cle:
    """Clé de signature d'une saveur, gardée sur disque si un dossier est donné."""

    def __init__(self, algorithme, dossier=None, nom=""):
        self.algorithme = algorithme
        fichier = Path(dossier) / f"{nom}.pem" if dossier else None
        if fichier and fichier.exists():
            self.privee = serialization.load_pem_private_key(fichier.read_bytes(), password=None)
        else:
            self.privee = self._generer()
            if fichier:
                fichier.parent.mkdir(parents=True, exist_ok=True)
                fichier.write_bytes(
                    self.privee.private_bytes(
                        serialization.Encoding.PEM,
                        serialization.PrivateFormat.PKCS8,
                        serialization.NoEncryption(),
                    )
                )
                os.chmod(fichier, 0o600)
        publique = self.privee.public_key()
        outil = RSAAlgorithm if algorithme.startswith("RS") else ECAlgorithm
        jwk = outil.to_jwk(publique, as_dict=True)
        # kid = empreinte RFC 7638 de la clé publique.
        membres = ("e", "kty", "n") if jwk["kty"] == "RSA" else ("crv", "kty", "x", "y")
        canonique = json.dumps({k: jwk[k] for k in membres}, separators=(",", ":"), sort_keys=True)
        self.kid = _b64url(hashlib.sha256(canonique.encode()).digest())[:16]
        self.jwk = {**jwk, "kid": self.kid, "use": "sig", "alg": algorithme}

    def _generer(self):
        if self.algorithme.startswith("RS"):
            return rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return ec.generate_private_key(ec.SECP256R1())

    def signer(self, claims):
        return jwt.encode(claims, self.privee, algorithm=self.algorithme, headers={"kid": self.kid, "typ": "JWT"})

    def verifier(self, jeton, **options):
        return jwt.decode(jeton, self.privee.public_key(), algorithms=[self.algorithme], **options)


def _alterer_contenu(jeton, **modifications):
    """Remplace le contenu d'un JWT en gardant l'en-tête et la signature d'origine."""
    entete, contenu, signature = jeton.split(".")
    claims = json.loads(base64.urlsafe_b64decode(contenu + "=" * (-len(contenu) % 4)))
    claims.update(modifications)
    nouveau = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    return f"{entete}.{nouveau}.{signature}"


class FournisseurOIDCLocal:
    """Serveur OIDC local. `demarrer()` le lance dans un fil ; `servir()` bloque (ligne de commande)."""

    def __init__(
        self,
        hote="127.0.0.1",
        port=0,
        url_base=None,
        clients=None,
        dossier_cles=None,
        mode_test=False,
        urls_portail=(URL_PORTAIL_PAR_DEFAUT,),
        duree_code=DUREE_CODE,
        duree_jeton=DUREE_JETON,
    ):
        self.hote = hote
        self.port_demande = port
        self._url_base = url_base.rstrip("/") if url_base else None
        self._identifiants = {**CLIENTS_PAR_DEFAUT, **(clients or {})}
        self.mode_test = mode_test
        self.duree_code = duree_code
        self.duree_jeton = duree_jeton
        self.clients = {}
        self.inscrire_portail(*urls_portail)
        # Deux clés publiées par saveur (ES256 et RS256) ; la clé de signature est celle de l'algorithme du client.
        self.cles = {
            s: {alg: Cle(alg, dossier_cles, f"{s}-{alg.lower()}") for alg in ALGORITHMES_CLES} for s in SAVEURS
        }
        self._anciennes_cles = {s: [] for s in SAVEURS}
        self._verrou = threading.Lock()
        self._demandes = {}
        self._codes = {}
        self._jetons = {}
        self._sessions = {}
        self._alterations = {s: set() for s in SAVEURS}
        self._compteurs = {}
        self._decalage = 0
        self._serveur = None
        self._fil = None

    # --- cycle de vie -------------------------------------------------------------------------

    def _creer_serveur(self):
        gestionnaire = type("Gestionnaire", (GestionnaireHTTP,), {"fournisseur": self})
        self._serveur = ThreadingHTTPServer((self.hote, self.port_demande), gestionnaire)
        self._serveur.daemon_threads = True

    def demarrer(self):
        self._creer_serveur()
        self._fil = threading.Thread(target=self._serveur.serve_forever, name="oidc-local", daemon=True)
        self._fil.start()
        return self

    def servir(self):
        self._creer_serveur()
        try:
            self._serveur.serve_forever()
        finally:
            self._serveur.server_close()

    def arreter(self):
        if self._serveur is not None:
            self._serveur.shutdown()
            self._serveur.server_close()
            self._serveur = None
        if self._fil is not None:
            self._fil.join(timeout=5)
            self._fil = None

    def __enter__(self):
        return self.demarrer()

    def __exit__(self, *exc):
        self.arreter()

    @property
    def port(self):
        return self._serveur.server_address[1] if self._serveur else self.port_demande

    @property
    def url_base(self):
        return self._url_base or f"http://{self.hote}:{self.port}"

    def emetteur(self, saveur):
        return f"{self.url_base}/{saveur}"

    def url_decouverte(self, saveur):
        return f"{self.emetteur(saveur)}/.well-known/openid-configuration"

    # --- inscription du portail et clés -------------------------------------------------------

    def inscrire_portail(self, *urls_portail):
        """Inscrit les adresses de retour exactes d'un ou plusieurs portails (remplace les précédentes)."""
        for saveur in SAVEURS:
            client_id, secret = self._identifiants[saveur][:2]
            paires = [uris_du_portail(saveur, url) for url in urls_portail]
            self.clients[saveur] = Client(client_id, secret, tuple(p[0] for p in paires), tuple(p[1] for p in paires))

    def cle_de_signature(self, saveur):
        return self.cles[saveur][ALGORITHMES[saveur]]

    def jwks(self, saveur):
        publiees = [*self.cles[saveur].values(), *self._anciennes_cles[saveur]]
        return {"keys": [c.jwk for c in publiees]}

    def tourner_cle(self, saveur, retirer_l_ancienne=False):
        """Rotation : une nouvelle clé de signature (nouveau `kid`) ; l'ancienne reste publiée dans le JWKS
        (les jetons déjà émis restent vérifiables) sauf si `retirer_l_ancienne`. En mémoire seulement."""
        alg = ALGORITHMES[saveur]
        with self._verrou:
            ancienne = self.cles[saveur][alg]
            self.cles[saveur][alg] = Cle(alg)
            if not retirer_l_ancienne:
                self._anciennes_cles[saveur].append(ancienne)
        return ancienne.kid, self.cles[saveur][alg].kid

    def retirer_anciennes_cles(self, saveur):
        with self._verrou:
            self._anciennes_cles[saveur].clear()

    # --- outils de test -----------------------------------------------------------------------

    def _exiger_mode_test(self):
        if not self.mode_test:
            raise RuntimeError("Inconduites réservées au mode test (mode_test=True ou --test).")

    def alterer_prochain_jeton(self, saveur, *alterations):
        """Le prochain échange de code de cette saveur produira des jetons altérés (mode test seulement)."""
        self._exiger_mode_test()
        inconnues = set(alterations) - set(ALTERATIONS)
        if saveur not in SAVEURS or inconnues:
            raise ValueError(f"Saveur ou altération inconnue : {saveur} {sorted(inconnues)}")
        with self._verrou:
            self._alterations[saveur].update(alterations)

    def avancer_horloge(self, secondes):
        """Fait comme si `secondes` s'étaient écoulées pour les durées de vie (mode test seulement)."""
        self._exiger_mode_test()
        with self._verrou:
            self._decalage += secondes

    def maintenant(self):
        return time.time() + self._decalage

    def compter(self, saveur, point):
        """Nombre de requêtes reçues par un point (`token`, `userinfo`, `authorize`, `end_session`…)."""
        with self._verrou:
            return self._compteurs.get((saveur, point), 0)

    def sessions_ouvertes(self, saveur):
        with self._verrou:
            return sum(1 for s in self._sessions.values() if s["saveur"] == saveur and s["expire"] > self.maintenant())

    def reinitialiser(self):
        with self._verrou:
            self._compteurs.clear()
            self._sessions.clear()
            self._decalage = 0
            for alterations in self._alterations.values():
                alterations.clear()

    def _incrementer(self, saveur, point):
        with self._verrou:
            self._compteurs[(saveur, point)] = self._compteurs.get((saveur, point), 0) + 1

    # --- logique du protocole -----------------------------------------------------------------

    def decouverte(self, saveur):
        base = self.emetteur(saveur)
        alg = ALGORITHMES[saveur]
        scopes = ["openid", *sorted({c for p in PERSONAS[saveur] for c in p["claims"]} - {"sub"})]
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/userinfo",
            "jwks_uri": f"{base}/jwks",
            "end_session_endpoint": f"{base}/session/end",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "scopes_supported": scopes,
            "claims_supported": ["sub", *scopes[1:]],
            "id_token_signing_alg_values_supported": [alg, *sorted(set(ALGORITHMES_CLES) - {alg})],
            "userinfo_signing_alg_values_supported": [alg, *sorted(set(ALGORITHMES_CLES) - {alg})],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
            "acr_values_supported": ["eidas1", "eidas2", "eidas3"],
            "claims_parameter_supported": True,
            "request_parameter_supported": False,
        }

    def enregistrer_demande(self, saveur, parametres):
        identifiant = _alea()
        with self._verrou:
            maintenant = self.maintenant()
            for cle in [k for k, d in self._demandes.items() if d["expire"] < maintenant]:
                del self._demandes[cle]
            self._demandes[identifiant] = {**parametres, "saveur": saveur, "expire": maintenant + DUREE_DEMANDE}
        return identifiant

    def reprendre_demande(self, saveur, identifiant):
        with self._verrou:
            demande = self._demandes.pop(identifiant or "", None)
        if demande is None or demande["saveur"] != saveur or demande["expire"] < self.maintenant():
            return None
        return demande

    # --- sessions chez le fournisseur ---------------------------------------------------------

    def ouvrir_session(self, saveur, persona):
        sid = _alea()
        with self._verrou:
            self._sessions[sid] = {"saveur": saveur, "persona": persona, "expire": self.maintenant() + DUREE_SESSION}
        return sid

    def session(self, saveur, sid):
        with self._verrou:
            session = self._sessions.get(sid or "")
        if session is None or session["saveur"] != saveur or session["expire"] < self.maintenant():
            return None
        return session

    def fermer_session(self, *sids):
        with self._verrou:
            for sid in sids:
                self._sessions.pop(sid or "", None)

    def emettre_code(self, demande, persona, sid):
        code = _alea()
        with self._verrou:
            self._codes[code] = {
                "demande": demande,
                "persona": persona,
                "sid": sid,
                "expire": self.maintenant() + self.duree_code,
                "utilise": False,
                "auth_time": int(self.maintenant()),
            }
        return code

    def echanger_code(self, saveur, client_id, code, redirect_uri):
        """Renvoie (statut, corps JSON). Le code ne sert qu'une fois ; rejoué, il révoque ses jetons."""
        with self._verrou:
            entree = self._codes.get(code or "")
            if entree is None or entree["demande"]["saveur"] != saveur:
                return 400, {"error": "invalid_grant", "error_description": "Code inconnu."}
            if entree["utilise"]:
                for jeton in entree.get("jetons", []):
                    self._jetons.pop(jeton, None)
                return 400, {"error": "invalid_grant", "error_description": "Code déjà utilisé."}
            entree["utilise"] = True
            if entree["expire"] < self.maintenant():
                return 400, {"error": "invalid_grant", "error_description": "Code expiré."}
            demande = entree["demande"]
            if demande["client_id"] != client_id:
                return 400, {"error": "invalid_grant", "error_description": "Code émis pour un autre client."}
            if demande["redirect_uri"] != redirect_uri:
                return 400, {"error": "invalid_grant", "error_description": "redirect_uri différente."}
            alterations = set(self._alterations[saveur])
            self._alterations[saveur].clear()
        if "erreur_token" in alterations:
            return 500, {"error": "server_error", "error_description": "Panne simulée."}
        acces = _alea()
        id_token = self._id_token(saveur, entree, alterations)
        with self._verrou:
            self._jetons[acces] = {
                "saveur": saveur,
                "client_id": client_id,
                "persona": entree["persona"],
                "scope": demande["scope"],
                "expire": self.maintenant() + self.duree_jeton,
                "alterations": alterations,
            }
            entree.setdefault("jetons", []).append(acces)
        return 200, {
            "access_token": acces,
            "token_type": "Bearer",
            "expires_in": self.duree_jeton,
            "id_token": id_token,
            "scope": demande["scope"],
        }

    def _id_token(self, saveur, entree, alterations):
        demande = entree["demande"]
        maintenant = int(self.maintenant())
        acr_demandes = (demande.get("acr_values") or "eidas1").split()
        claims = {
            "iss": self.emetteur(saveur),
            "sub": entree["persona"]["claims"]["sub"],
            "aud": demande["client_id"],
            "exp": maintenant + self.duree_jeton,
            "iat": maintenant,
            "auth_time": entree["auth_time"],
            "acr": acr_demandes[0],
            "amr": ["pwd"],
            "sid": entree["sid"],
        }
        if demande.get("nonce"):
            claims["nonce"] = demande["nonce"]
        if "aud" in alterations:
            claims["aud"] = "autre-client"
        if "iss" in alterations:
            claims["iss"] = "http://emetteur-inconnu.invalid"
        if "exp" in alterations:
            claims["exp"] = maintenant - 3600
            claims["iat"] = maintenant - 7200
        if "nonce" in alterations:
            claims["nonce"] = _alea()
        if "acr" in alterations:
            claims["acr"] = "eidas0"
        return self._signer(saveur, claims, alterations, "")

    def _signer(self, saveur, claims, alterations, prefixe):
        if f"{prefixe}alg_none" in alterations:
            return jwt.encode(claims, None, algorithm="none")
        cle = self.cle_de_signature(saveur)
        if f"{prefixe}cle_inconnue" in alterations:
            intruse = Cle(cle.algorithme)
            intruse.kid = cle.kid
            return intruse.signer(claims)
        jeton = cle.signer(claims)
        if f"{prefixe}signature" in alterations:
            jeton = _alterer_contenu(jeton, sub=claims["sub"][::-1])
        return jeton

    def userinfo(self, saveur, acces):
        """Renvoie (statut, type de contenu, corps) pour un jeton d'accès."""
        with self._verrou:
            jeton = self._jetons.get(acces or "")
        if jeton is None or jeton["saveur"] != saveur or jeton["expire"] < self.maintenant():
            return 401, "application/json", json.dumps({"error": "invalid_token"})
        persona = jeton["persona"]["claims"]
        demandes = set()
        for scope in jeton["scope"].split():
            demandes.update(GROUPES_SCOPES.get(scope, [scope]))
        claims = {c: v for c, v in persona.items() if c in demandes}
        claims["sub"] = persona["sub"]
        alterations = jeton["alterations"]
        if "userinfo_sub" in alterations:
            claims["sub"] = _alea()
        if "userinfo_json" in alterations:
            return 200, "application/json; charset=utf-8", json.dumps(claims)
        claims.update({"iss": self.emetteur(saveur), "aud": jeton["client_id"], "iat": int(self.maintenant())})
        if "userinfo_aud" in alterations:
            claims["aud"] = "autre-client"
        if "userinfo_iss" in alterations:
            claims["iss"] = "http://emetteur-inconnu.invalid"
        corps = self._signer(saveur, claims, {a.removeprefix("userinfo_") for a in alterations if "userinfo_" in a}, "")
        return 200, "application/jwt", corps

    def verifier_id_token_hint(self, saveur, jeton):
        """Claims d'un id_token émis par cette saveur (clé publiée, même expirée), ou None."""
        try:
            kid = jwt.get_unverified_header(jeton or "").get("kid")
        except jwt.PyJWTError:
            return None
        publiees = [*self.cles[saveur].values(), *self._anciennes_cles[saveur]]
        cle = next((c for c in publiees if c.kid == kid), None)
        if cle is None:
            return None
        try:
            return cle.verifier(
                jeton,
                issuer=self.emetteur(saveur),
                audience=self.clients[saveur].client_id,
                options={"verify_exp": False},
            )
        except jwt.PyJWTError:
            return None


def _page(titre, corps, statut=200):
    contenu = f"""<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(titre)} — fournisseur d’identité local</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<main>
{corps}
</main>
</body>
</html>
"""
    return statut, "text/html; charset=utf-8", contenu


FEUILLE_DE_STYLE = """
body { font-family: Marianne, Arial, sans-serif; margin: 0; background: #f6f6f6; color: #161616; }
main { max-width: 44rem; margin: 2rem auto; padding: 1.5rem 2rem; background: #fff; }
h1 { font-size: 1.75rem; }
.bandeau { background: #fff4f3; border-left: 4px solid #ce0500; padding: .5rem 1rem; }
ul.personas { list-style: none; padding: 0; }
ul.personas li { margin: .5rem 0; }
button { display: block; width: 100%; text-align: left; padding: .75rem 1rem; font: inherit; cursor: pointer;
         background: #000091; color: #fff; border: 0; }
button:hover, button:focus { background: #1212ff; }
button:focus { outline: 2px solid #0a76f6; outline-offset: 2px; }
button .detail { display: block; font-size: .875rem; }
button.secondaire { background: #fff; color: #000091; border: 1px solid #000091; }
"""


class GestionnaireHTTP(BaseHTTPRequestHandler):
    fournisseur: FournisseurOIDCLocal = None
    server_version = "OIDCLocal/1.0"

    def log_message(self, format, *args):  # noqa: A002
        journal.info("%s %s", self.address_string(), format % args)

    # --- réponses -----------------------------------------------------------------------------

    def _repondre(self, statut, type_contenu, corps, entetes=None):
        donnees = corps.encode() if isinstance(corps, str) else corps
        self.send_response(statut)
        self.send_header("Content-Type", type_contenu)
        self.send_header("Content-Length", str(len(donnees)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", "default-src 'none'; style-src 'self'; frame-ancestors 'none'")
        for nom, valeur in (entetes or {}).items():
            for une in valeur if isinstance(valeur, list) else [valeur]:
                self.send_header(nom, une)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(donnees)

    def _json(self, statut, donnees, entetes=None):
        self._repondre(statut, "application/json; charset=utf-8", json.dumps(donnees), entetes)

    def _erreur(self, titre, detail, statut=400):
        return self._repondre(*_page("Erreur", f"<h1>{html.escape(titre)}</h1><p>{html.escape(detail)}</p>", statut))

    def _rediriger(self, url, parametres, statut=302, entetes=None):
        morceaux = urlsplit(url)
        requete = "&".join(p for p in (morceaux.query, urlencode(parametres)) if p)
        self.send_response(statut)
        self.send_header("Location", urlunsplit(morceaux._replace(query=requete)))
        self.send_header("Content-Length", "0")
        self.send_header("Cache-Control", "no-store")
        for nom, valeur in (entetes or {}).items():
            self.send_header(nom, valeur)
        self.end_headers()

    def _corps_formulaire(self):
        longueur = int(self.headers.get("Content-Length") or 0)
        brut = self.rfile.read(min(longueur, 1_000_000)).decode()
        return {k: v[0] for k, v in parse_qs(brut, keep_blank_values=True).items()}

    # --- session du fournisseur (cookie propre à chaque saveur) ------------------------------

    @staticmethod
    def _nom_cookie(saveur):
        return f"oidc_local_{saveur}"

    def _sid(self, saveur):
        cookies = SimpleCookie()
        try:
            cookies.load(self.headers.get("Cookie", ""))
        except Exception:  # noqa: BLE001 - cookie illisible : pas de session
            return None
        morceau = cookies.get(self._nom_cookie(saveur))
        return morceau.value if morceau else None

    def _session(self, saveur):
        sid = self._sid(saveur)
        return sid, self.fournisseur.session(saveur, sid)

    def _cookie_session(self, saveur, sid):
        if sid is None:
            return f"{self._nom_cookie(saveur)}=; Path=/{saveur}/; Max-Age=0; HttpOnly; SameSite=Lax"
        return f"{self._nom_cookie(saveur)}={sid}; Path=/{saveur}/; Max-Age={DUREE_SESSION}; HttpOnly; SameSite=Lax"

    # --- routage ------------------------------------------------------------------------------

    def _route(self):
        morceaux = urlsplit(self.path)
        parametres = parse_qs(morceaux.query, keep_blank_values=True)
        segments = [s for s in morceaux.path.split("/") if s]
        if segments and segments[0] in SAVEURS:
            return segments[0], "/" + "/".join(segments[1:]), parametres
        return None, morceaux.path, parametres

    def do_GET(self):  # noqa: N802
        saveur, chemin, multiples = self._route()
        parametres = {k: v[0] for k, v in multiples.items()}
        if saveur is None:
            if chemin == "/style.css":
                return self._repondre(200, "text/css; charset=utf-8", FEUILLE_DE_STYLE)
            if chemin == "/":
                return self._repondre(*self._page_accueil())
            return self._repondre(*_page("Page introuvable", "<h1>Page introuvable</h1>", 404))
        self.fournisseur._incrementer(saveur, chemin.strip("/").replace("/", "_") or "racine")
        if chemin == "/.well-known/openid-configuration":
            return self._json(200, self.fournisseur.decouverte(saveur))
        if chemin == "/jwks":
            return self._json(200, self.fournisseur.jwks(saveur))
        if chemin == "/authorize":
            return self._autoriser(saveur, multiples)
        if chemin == "/userinfo":
            return self._userinfo(saveur)
        if chemin == "/session/end":
            return self._fin_de_session(saveur, parametres)
        if chemin == "/deconnexion":
            return self._page_deconnexion(saveur)
        return self._repondre(*_page("Page introuvable", "<h1>Page introuvable</h1>", 404))

    def do_POST(self):  # noqa: N802
        saveur, chemin, _ = self._route()
        if saveur is None:
            if chemin == "/_test/alterer" and self.fournisseur.mode_test:
                return self._alterer_par_http()
            return self._json(404, {"error": "not_found"})
        self.fournisseur._incrementer(saveur, chemin.strip("/").replace("/", "_"))
        if chemin == "/authorize":
            return self._choisir_persona(saveur, self._corps_formulaire())
        if chemin == "/token":
            return self._jeton(saveur, self._corps_formulaire())
        if chemin == "/userinfo":
            return self._userinfo(saveur)
        if chemin == "/deconnexion":
            return self._deconnecter(saveur, self._corps_formulaire())
        return self._json(404, {"error": "not_found"})

    # --- points d'accès -----------------------------------------------------------------------

    def _page_accueil(self):
        liens = "".join(
            f'<li><a href="/{s}/.well-known/openid-configuration">Découverte {NOMS[s]}</a> — '
            f'<a href="/{s}/deconnexion">Session {NOMS[s]}</a></li>'
            for s in SAVEURS
        )
        return _page(
            "Fournisseur d’identité local",
            "<h1>Fournisseur d’identité local</h1>"
            "<p>Simulation de ProConnect et de FranceConnect pour le développement. "
            "Ne jamais utiliser en production.</p>"
            f"<ul>{liens}</ul>",
        )

    def _autoriser(self, saveur, multiples):
        f = self.fournisseur
        client = f.clients[saveur]
        p = {k: v[0] for k, v in multiples.items()}
        if p.get("client_id") != client.client_id:
            return self._erreur("Client inconnu", "Le client_id n’est pas reconnu.")
        redirect_uri = p.get("redirect_uri", "")
        if redirect_uri not in client.uris_redirection:
            # Comparaison exacte, barre oblique finale comprise, comme ProConnect et FranceConnect.
            return self._erreur(
                "Adresse de retour refusée",
                "redirect_uri absente ou différente des adresses inscrites pour ce client "
                "(la comparaison est exacte, barre oblique finale comprise).",
            )
        inconnus = sorted(set(multiples) - PARAMETRES_AUTORISATION[saveur])
        doubles = sorted(k for k, v in multiples.items() if len(v) > 1)
        if inconnus or doubles:
            # ProConnect : « tout paramètre supplémentaire génère une erreur Y000400 : Bad Request Exception ».
            return self._erreur(
                "Bad Request (Y000400)",
                f"Paramètres refusés : {', '.join(inconnus + doubles)}.",
            )
        erreur = None
        if p.get("response_type") != "code":
            erreur = ("unsupported_response_type", "Seul le flux « code » est accepté.")
        elif "openid" not in p.get("scope", "").split():
            erreur = ("invalid_scope", "Le scope openid est obligatoire.")
        elif len(p.get("state", "")) < 32 or len(p.get("nonce", "")) < 32:
            erreur = ("invalid_request", "state et nonce doivent faire au moins 32 caractères.")
        if erreur:
            parametres = {"error": erreur[0], "error_description": erreur[1]}
            if p.get("state"):
                parametres["state"] = p["state"]
            return self._rediriger(redirect_uri, parametres)
        demande = f.enregistrer_demande(
            saveur,
            {
                "client_id": client.client_id,
                "redirect_uri": redirect_uri,
                "state": p["state"],
                "nonce": p["nonce"],
                "scope": p["scope"],
                "acr_values": p.get("acr_values", ""),
            },
        )
        _, session = self._session(saveur)
        reprise = ""
        if session is not None and "login" not in p.get("prompt", "").split():
            reprise = (
                f"<p>Vous avez déjà une session {NOMS[saveur]} : "
                f"<strong>{html.escape(session['persona']['libelle'])}</strong>.</p>"
                '<p><button type="submit" name="reprendre" value="1">Continuer avec cette session</button></p>'
                "<p>Ou choisissez une autre identité :</p>"
            )
        boutons = []
        for persona in PERSONAS[saveur]:
            c = persona["claims"]
            if saveur == "proconnect":
                detail = f"{c['given_name']} {c['usual_name']} — {c['email']} — SIRET {c['siret']}"
            else:
                detail = f"{c['given_name']} {c['family_name']} — née ou né le {c['birthdate']} — {c['email']}"
            boutons.append(
                f'<li><button type="submit" name="persona" value="{html.escape(persona["cle"])}">'
                f"{html.escape(persona['libelle'])}"
                f'<span class="detail">{html.escape(detail)}</span></button></li>'
            )
        corps = (
            f"<h1>{NOMS[saveur]} local : choisissez une identité</h1>"
            '<p class="bandeau">Fournisseur d’identité de développement : aucune vraie identité n’est utilisée.</p>'
            f"<p>Application : <strong>{html.escape(client.client_id)}</strong>. "
            "Un clic sur une identité vous connecte.</p>"
            f'<form method="post" action="/{saveur}/authorize">'
            f'<input type="hidden" name="demande" value="{html.escape(demande)}">'
            f"{reprise}"
            f'<ul class="personas">{"".join(boutons)}</ul>'
            '<p><button type="submit" name="annuler" value="1" class="secondaire">'
            "Annuler et revenir au portail</button></p>"
            "</form>"
        )
        return self._repondre(*_page(f"{NOMS[saveur]} — choix de l’identité", corps))

    def _choisir_persona(self, saveur, formulaire):
        demande = self.fournisseur.reprendre_demande(saveur, formulaire.get("demande"))
        if demande is None:
            return self._repondre(
                *_page(
                    "Demande expirée",
                    "<h1>Demande expirée</h1><p>Cette demande de connexion a expiré ou a déjà servi. "
                    "Retournez sur le portail pour recommencer.</p>",
                    400,
                )
            )
        if formulaire.get("annuler"):
            return self._rediriger(
                demande["redirect_uri"],
                {
                    "error": "access_denied",
                    "error_description": "L’utilisateur a annulé la connexion.",
                    "state": demande["state"],
                },
            )
        sid, session = self._session(saveur)
        if formulaire.get("reprendre") and session is not None:
            persona = session["persona"]
        else:
            persona = next((p for p in PERSONAS[saveur] if p["cle"] == formulaire.get("persona")), None)
            if persona is None:
                return self._repondre(*_page("Erreur", "<h1>Identité inconnue</h1>", 400))
            if session is not None:
                self.fournisseur.fermer_session(sid)
            sid = self.fournisseur.ouvrir_session(saveur, persona)
        code = self.fournisseur.emettre_code(demande, persona, sid)
        return self._rediriger(
            demande["redirect_uri"],
            {"code": code, "state": demande["state"]},
            entetes={"Set-Cookie": self._cookie_session(saveur, sid)},
        )

    def _client_authentifie(self, saveur, formulaire):
        """`client_secret_post` seulement : ProConnect et FranceConnect n'acceptent que cette méthode."""
        if self.headers.get("Authorization"):
            return None
        attendu = self.fournisseur.clients[saveur]
        fourni = (formulaire.get("client_id", ""), formulaire.get("client_secret", ""))
        ok = secrets.compare_digest(fourni[0], attendu.client_id) and secrets.compare_digest(fourni[1], attendu.secret)
        return fourni[0] if ok else None

    def _jeton(self, saveur, formulaire):
        if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return self._json(400, {"error": "invalid_request", "error_description": "Corps de formulaire attendu."})
        client_id = self._client_authentifie(saveur, formulaire)
        if client_id is None:
            return self._json(
                401,
                {
                    "error": "invalid_client",
                    "error_description": "Authentification du client refusée (client_secret_post seulement).",
                },
            )
        if formulaire.get("grant_type") != "authorization_code":
            return self._json(400, {"error": "unsupported_grant_type"})
        statut, corps = self.fournisseur.echanger_code(
            saveur, client_id, formulaire.get("code"), formulaire.get("redirect_uri")
        )
        return self._json(statut, corps, {"Pragma": "no-cache"})

    def _userinfo(self, saveur):
        entete = self.headers.get("Authorization", "")
        acces = entete[7:] if entete.startswith("Bearer ") else None
        statut, type_contenu, corps = self.fournisseur.userinfo(saveur, acces)
        entetes = {"WWW-Authenticate": 'Bearer error="invalid_token"'} if statut == 401 else None
        return self._repondre(statut, type_contenu, corps, entetes)

    def _fin_de_session(self, saveur, p):
        f = self.fournisseur
        claims = f.verifier_id_token_hint(saveur, p.get("id_token_hint"))
        retour = p.get("post_logout_redirect_uri", "")
        if claims is None:
            return self._erreur("Déconnexion refusée", "id_token_hint absent ou invalide.")
        if retour not in f.clients[saveur].uris_deconnexion:
            return self._erreur(
                "Déconnexion refusée",
                "post_logout_redirect_uri absente ou différente des adresses inscrites pour ce client "
                "(la comparaison est exacte, barre oblique finale comprise).",
            )
        if not p.get("state"):
            return self._erreur("Déconnexion refusée", "Le paramètre state est obligatoire.")
        f.fermer_session(self._sid(saveur), claims.get("sid"))
        return self._rediriger(
            retour, {"state": p["state"]}, statut=303, entetes={"Set-Cookie": self._cookie_session(saveur, None)}
        )

    def _page_deconnexion(self, saveur):
        _, session = self._session(saveur)
        if session is None:
            etat = f"<p>Aucune session {NOMS[saveur]} n’est ouverte sur ce navigateur.</p>"
        else:
            etat = (
                f"<p>Session {NOMS[saveur]} ouverte : "
                f"<strong>{html.escape(session['persona']['libelle'])}</strong>.</p>"
                f'<form method="post" action="/{saveur}/deconnexion">'
                f'<p><button type="submit" name="deconnecter" value="1">Se déconnecter de {NOMS[saveur]} local'
                "</button></p></form>"
            )
        corps = f"<h1>Session {NOMS[saveur]} local</h1>{etat}"
        return self._repondre(*_page(f"{NOMS[saveur]} — session", corps))

    def _deconnecter(self, saveur, formulaire):
        sid, session = self._session(saveur)
        self.fournisseur.fermer_session(sid)
        message = f'<p class="bandeau">Vous êtes déconnecté(e) de {NOMS[saveur]} local.</p>' if session else ""
        statut, type_contenu, corps = self._page_sans_session(saveur, message)
        return self._repondre(statut, type_contenu, corps, {"Set-Cookie": self._cookie_session(saveur, None)})

    def _page_sans_session(self, saveur, message):
        corps = (
            f"<h1>Session {NOMS[saveur]} local</h1>{message}"
            f"<p>Aucune session {NOMS[saveur]} n’est ouverte sur ce navigateur.</p>"
        )
        return _page(f"{NOMS[saveur]} — session", corps)

    def _alterer_par_http(self):
        formulaire = self._corps_formulaire()
        try:
            self.fournisseur.alterer_prochain_jeton(
                formulaire.get("saveur", ""), *[a for a in formulaire.get("alterations", "").split(",") if a]
            )
        except ValueError as erreur:
            return self._json(400, {"error": str(erreur)})
        return self._json(200, {"ok": True})

"""Fournisseur OpenID Connect local : ProConnect et FranceConnect simulés, pour le développement et les tests.

Il parle le vrai protocole (découverte, JWKS, code d'autorisation, jetons signés, userinfo en JWT signé,
déconnexion RP-initiée) sous deux saveurs servies par un même serveur :
`{url_base}/proconnect/...` et `{url_base}/franceconnect/...`.

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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlencode, urlsplit, urlunsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from .personas import PERSONAS

journal = logging.getLogger("oidc_local")

SAVEURS = ("proconnect", "franceconnect")
NOMS = {"proconnect": "ProConnect", "franceconnect": "FranceConnect"}
# ProConnect signe en RS256, FranceConnect v2 en ES256 : le portail doit accepter les deux.
ALGORITHMES = {"proconnect": "RS256", "franceconnect": "ES256"}
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
        uris_redirection=None,
        duree_code=60,
        duree_jeton=300,
    ):
        self.hote = hote
        self.port_demande = port
        self._url_base = url_base.rstrip("/") if url_base else None
        self.clients = {**CLIENTS_PAR_DEFAUT, **(clients or {})}
        self.mode_test = mode_test
        # Préfixes d'URI de retour acceptés ; vide = toute URI http(s) (outil de développement).
        self.uris_redirection = list(uris_redirection or [])
        self.duree_code = duree_code
        self.duree_jeton = duree_jeton
        self.cles = {s: Cle(ALGORITHMES[s], dossier_cles, s) for s in SAVEURS}
        self._verrou = threading.Lock()
        self._demandes = {}
        self._codes = {}
        self._jetons = {}
        self._alterations = {s: set() for s in SAVEURS}
        self._compteurs = {}
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

    def compter(self, saveur, point):
        """Nombre de requêtes reçues par un point (`token`, `userinfo`, `authorize`, `end_session`…)."""
        with self._verrou:
            return self._compteurs.get((saveur, point), 0)

    def reinitialiser(self):
        with self._verrou:
            self._compteurs.clear()
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
            "id_token_signing_alg_values_supported": [alg],
            "userinfo_signing_alg_values_supported": [alg],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "acr_values_supported": ["eidas1", "eidas2", "eidas3"],
            "claims_parameter_supported": True,
        }

    def uri_autorisee(self, uri):
        morceaux = urlsplit(uri or "")
        if morceaux.scheme not in ("http", "https") or not morceaux.netloc or morceaux.fragment:
            return False
        return not self.uris_redirection or any(uri.startswith(p) for p in self.uris_redirection)

    def enregistrer_demande(self, saveur, parametres):
        identifiant = _alea()
        with self._verrou:
            maintenant = time.time()
            for cle in [k for k, d in self._demandes.items() if d["expire"] < maintenant]:
                del self._demandes[cle]
            self._demandes[identifiant] = {**parametres, "saveur": saveur, "expire": maintenant + DUREE_DEMANDE}
        return identifiant

    def reprendre_demande(self, saveur, identifiant):
        with self._verrou:
            demande = self._demandes.pop(identifiant or "", None)
        if demande is None or demande["saveur"] != saveur or demande["expire"] < time.time():
            return None
        return demande

    def emettre_code(self, demande, persona):
        code = _alea()
        with self._verrou:
            self._codes[code] = {
                "demande": demande,
                "persona": persona,
                "expire": time.time() + self.duree_code,
                "utilise": False,
                "auth_time": int(time.time()),
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
            if entree["expire"] < time.time():
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
                "expire": time.time() + self.duree_jeton,
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
        maintenant = int(time.time())
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
        if f"{prefixe}cle_inconnue" in alterations:
            intruse = Cle(ALGORITHMES[saveur])
            intruse.kid = self.cles[saveur].kid
            return intruse.signer(claims)
        jeton = self.cles[saveur].signer(claims)
        if f"{prefixe}signature" in alterations:
            jeton = _alterer_contenu(jeton, sub=claims["sub"][::-1])
        return jeton

    def userinfo(self, saveur, acces):
        """Renvoie (statut, type de contenu, corps) pour un jeton d'accès."""
        with self._verrou:
            jeton = self._jetons.get(acces or "")
        if jeton is None or jeton["saveur"] != saveur or jeton["expire"] < time.time():
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
        claims.update({"iss": self.emetteur(saveur), "aud": jeton["client_id"], "iat": int(time.time())})
        if "userinfo_aud" in alterations:
            claims["aud"] = "autre-client"
        if "userinfo_iss" in alterations:
            claims["iss"] = "http://emetteur-inconnu.invalid"
        corps = self._signer(saveur, claims, {a.removeprefix("userinfo_") for a in alterations if "userinfo_" in a}, "")
        return 200, "application/jwt", corps

    def verifier_id_token_hint(self, saveur, jeton):
        try:
            claims = self.cles[saveur].verifier(
                jeton or "",
                issuer=self.emetteur(saveur),
                audience=self.clients[saveur][0],
                options={"verify_exp": False},
            )
        except jwt.PyJWTError:
            return None
        return claims


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
            self.send_header(nom, valeur)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(donnees)

    def _json(self, statut, donnees, entetes=None):
        self._repondre(statut, "application/json", json.dumps(donnees), entetes)

    def _rediriger(self, url, parametres):
        morceaux = urlsplit(url)
        requete = "&".join(p for p in (morceaux.query, urlencode(parametres)) if p)
        self.send_response(302)
        self.send_header("Location", urlunsplit(morceaux._replace(query=requete)))
        self.send_header("Content-Length", "0")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()

    def _corps_formulaire(self):
        longueur = int(self.headers.get("Content-Length") or 0)
        brut = self.rfile.read(min(longueur, 1_000_000)).decode()
        return {k: v[0] for k, v in parse_qs(brut, keep_blank_values=True).items()}

    # --- routage ------------------------------------------------------------------------------

    def _route(self):
        morceaux = urlsplit(self.path)
        parametres = {k: v[0] for k, v in parse_qs(morceaux.query, keep_blank_values=True).items()}
        segments = [s for s in morceaux.path.split("/") if s]
        if segments and segments[0] in SAVEURS:
            return segments[0], "/" + "/".join(segments[1:]), parametres
        return None, morceaux.path, parametres

    def do_GET(self):  # noqa: N802
        saveur, chemin, parametres = self._route()
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
            return self._json(200, {"keys": [self.fournisseur.cles[saveur].jwk]})
        if chemin == "/authorize":
            return self._autoriser(saveur, parametres)
        if chemin == "/userinfo":
            return self._userinfo(saveur)
        if chemin == "/session/end":
            return self._fin_de_session(saveur, parametres)
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
        return self._json(404, {"error": "not_found"})

    # --- points d'accès -----------------------------------------------------------------------

    def _page_accueil(self):
        liens = "".join(
            f'<li><a href="/{s}/.well-known/openid-configuration">Découverte {NOMS[s]}</a></li>' for s in SAVEURS
        )
        return _page(
            "Fournisseur d’identité local",
            "<h1>Fournisseur d’identité local</h1>"
            "<p>Simulation de ProConnect et de FranceConnect pour le développement. "
            "Ne jamais utiliser en production.</p>"
            f"<ul>{liens}</ul>",
        )

    def _autoriser(self, saveur, p):
        f = self.fournisseur
        client_id, secret = f.clients[saveur]
        if p.get("client_id") != client_id:
            return self._repondre(
                *_page("Erreur", "<h1>Client inconnu</h1><p>Le client_id n’est pas reconnu.</p>", 400)
            )
        redirect_uri = p.get("redirect_uri", "")
        if not f.uri_autorisee(redirect_uri):
            return self._repondre(
                *_page("Erreur", "<h1>Adresse de retour refusée</h1><p>redirect_uri absente ou non autorisée.</p>", 400)
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
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "state": p["state"],
                "nonce": p["nonce"],
                "scope": p["scope"],
                "acr_values": p.get("acr_values", ""),
            },
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
            f"<p>Application : <strong>{html.escape(client_id)}</strong>. Un clic sur une identité vous connecte.</p>"
            f'<form method="post" action="/{saveur}/authorize">'
            f'<input type="hidden" name="demande" value="{html.escape(demande)}">'
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
        persona = next((p for p in PERSONAS[saveur] if p["cle"] == formulaire.get("persona")), None)
        if persona is None:
            return self._repondre(*_page("Erreur", "<h1>Identité inconnue</h1>", 400))
        code = self.fournisseur.emettre_code(demande, persona)
        return self._rediriger(demande["redirect_uri"], {"code": code, "state": demande["state"]})

    def _client_authentifie(self, saveur, formulaire):
        attendu = self.fournisseur.clients[saveur]
        entete = self.headers.get("Authorization", "")
        if entete.startswith("Basic "):
            try:
                identifiant, _, secret = base64.b64decode(entete[6:]).decode().partition(":")
            except ValueError:
                return None
            fourni = (unquote(identifiant), unquote(secret))
            if "client_secret" in formulaire:
                return None  # une seule méthode d'authentification à la fois
        else:
            fourni = (formulaire.get("client_id", ""), formulaire.get("client_secret", ""))
        ok = secrets.compare_digest(fourni[0], attendu[0]) and secrets.compare_digest(fourni[1], attendu[1])
        return fourni[0] if ok else None

    def _jeton(self, saveur, formulaire):
        client_id = self._client_authentifie(saveur, formulaire)
        if client_id is None:
            return self._json(
                401,
                {"error": "invalid_client", "error_description": "Authentification du client refusée."},
                {"WWW-Authenticate": 'Basic realm="oidc-local"'},
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
        claims = self.fournisseur.verifier_id_token_hint(saveur, p.get("id_token_hint"))
        retour = p.get("post_logout_redirect_uri", "")
        if claims is None:
            return self._repondre(
                *_page("Erreur", "<h1>Déconnexion refusée</h1><p>id_token_hint absent ou invalide.</p>", 400)
            )
        if not self.fournisseur.uri_autorisee(retour):
            return self._repondre(
                *_page("Erreur", "<h1>Déconnexion refusée</h1><p>post_logout_redirect_uri non autorisée.</p>", 400)
            )
        parametres = {"state": p["state"]} if p.get("state") else {}
        return self._rediriger(retour, parametres)

    def _alterer_par_http(self):
        formulaire = self._corps_formulaire()
        try:
            self.fournisseur.alterer_prochain_jeton(
                formulaire.get("saveur", ""), *[a for a in formulaire.get("alterations", "").split(",") if a]
            )
        except ValueError as erreur:
            return self._json(400, {"error": str(erreur)})
        return self._json(200, {"ok": True})

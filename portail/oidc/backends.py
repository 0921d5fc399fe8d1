"""Backends ProConnect et FranceConnect : une fine couche par fournisseur sur mozilla-django-oidc.

Ce que la bibliothèque ne fait pas et que l'on ajoute ici :
- chaque backend n'agit que sur le retour de *son* fournisseur (argument `fournisseur` passé par la vue de
  retour) : `auth.authenticate()` essaie tous les backends, un retour ProConnect ne doit jamais atteindre le
  point de jeton de FranceConnect ;
- vérification de `iss`, `aud`, `exp`, `iat`, du `nonce`, de la signature (JWKS, RS256 ou ES256) de l'id_token,
  et du userinfo quand il est un JWT signé (`application/jwt`) ;
- rattachement des identités sur le couple (fournisseur, sub), jamais sur l'adresse électronique ;
- aucun appel réseau à l'instanciation (Django instancie le backend à chaque requête pour `get_user`).
"""

import logging
import secrets

import jwt
import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.utils import timezone
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from portail.enums import ADMINISTRATIONS_FDO, ROLES_MJ, CodeAdministration, Fournisseur, Role, TypeUtilisateur
from portail.models import Administration, IdentiteOIDC
from portail.oidc.fournisseurs import ErreurFournisseur, config

journal = logging.getLogger(__name__)

ALGORITHMES_ACCEPTES = ("RS256", "ES256")
CLAIMS_TECHNIQUES = {"iss", "aud", "exp", "iat", "nbf", "jti", "azp", "nonce", "at_hash", "c_hash"}
NIVEAUX_EIDAS = {"eidas1": 1, "eidas2": 2, "eidas3": 3}
DECALAGE_HORLOGE = 30  # secondes tolérées entre les horloges du portail et du fournisseur


class ConnexionRefusee(Exception):
    """Identité vérifiée mais connexion refusée (SIRET inconnu, compte désactivé…). Le message est affiché."""

    def __init__(self, message, motif, utilisateur=None, **details):
        super().__init__(message)
        self.message = message
        self.motif = motif
        self.utilisateur = utilisateur
        self.details = details


class BackendOIDC(OIDCAuthenticationBackend):
    fournisseur = None  # valeur de `Fournisseur`

    def __init__(self, *args, **kwargs):
        self.UserModel = get_user_model()
        self._conf = None

    # --- réglages : ceux du fournisseur, lus à l'appel ----------------------------------------

    @property
    def conf(self):
        if self._conf is None:
            self._conf = config(self.fournisseur)
        return self._conf

    def get_settings(self, attr, *args):
        conf = self.conf
        propres = {
            "OIDC_OP_AUTHORIZATION_ENDPOINT": lambda: conf.point("authorization_endpoint"),
            "OIDC_OP_TOKEN_ENDPOINT": lambda: conf.point("token_endpoint"),
            "OIDC_OP_USER_ENDPOINT": lambda: conf.point("userinfo_endpoint"),
            "OIDC_OP_JWKS_ENDPOINT": lambda: conf.point("jwks_uri"),
            "OIDC_OP_LOGOUT_ENDPOINT": lambda: conf.point("end_session_endpoint"),
            "OIDC_RP_CLIENT_ID": lambda: conf.client_id,
            "OIDC_RP_CLIENT_SECRET": lambda: conf.client_secret,
            "OIDC_RP_SCOPES": lambda: conf.scopes,
            # ProConnect et FranceConnect n'acceptent que client_secret_post (secret dans le corps).
            "OIDC_TOKEN_USE_BASIC_AUTH": lambda: False,
            "OIDC_STORE_ID_TOKEN": lambda: False,
            "OIDC_STORE_ACCESS_TOKEN": lambda: False,
        }
        if attr in propres:
            return propres[attr]()
        return import_from_settings(attr, *args)

    OIDC_OP_TOKEN_ENDPOINT = property(lambda self: self.get_settings("OIDC_OP_TOKEN_ENDPOINT"))
    OIDC_OP_USER_ENDPOINT = property(lambda self: self.get_settings("OIDC_OP_USER_ENDPOINT"))
    OIDC_OP_JWKS_ENDPOINT = property(lambda self: self.get_settings("OIDC_OP_JWKS_ENDPOINT"))
    OIDC_RP_CLIENT_ID = property(lambda self: self.get_settings("OIDC_RP_CLIENT_ID"))
    OIDC_RP_CLIENT_SECRET = property(lambda self: self.get_settings("OIDC_RP_CLIENT_SECRET"))

    # --- authentification ---------------------------------------------------------------------

    def authenticate(self, request, fournisseur=None, nonce=None, code_verifier=None, **kwargs):
        # Seul le retour de notre propre fournisseur nous concerne.
        if request is None or fournisseur != self.fournisseur:
            return None
        self.request = request
        code = request.GET.get("code")
        if not code or not nonce:
            return None
        charge = {
            "client_id": self.conf.client_id,
            "client_secret": self.conf.client_secret,
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.conf.url_retour(),
        }
        if code_verifier:
            charge["code_verifier"] = code_verifier
        reponse = self.get_token(charge)
        id_token, access_token = reponse.get("id_token"), reponse.get("access_token")
        if not id_token or not access_token:
            raise SuspiciousOperation("Réponse du point de jeton incomplète")
        claims_id_token = self.verify_token(id_token, nonce=nonce)
        utilisateur = self.get_or_create_user(access_token, id_token, claims_id_token)
        request.oidc_id_token = id_token
        return utilisateur

    def get_user(self, user_id):
        # Celle de ModelBackend refuse les comptes désactivés (la session d'un agent désactivé tombe).
        return ModelBackend.get_user(self, user_id)

    # --- vérification des jetons --------------------------------------------------------------

    def retrieve_matching_jwk(self, token):
        entete = jwt.get_unverified_header(token)
        alg, kid = entete.get("alg"), entete.get("kid")
        if alg not in ALGORITHMES_ACCEPTES:
            raise SuspiciousOperation(f"Algorithme de signature refusé : {alg!r}")
        for rafraichir in (False, True):  # rotation des clés : on relit le JWKS une fois
            for jwk in self.conf.jwks(rafraichir=rafraichir).get("keys", []):
                if kid is not None and jwk.get("kid") != kid:
                    continue
                if jwk.get("alg", alg) != alg or jwk.get("use", "sig") != "sig":
                    continue
                if jwk.get("kty") != {"RS": "RSA", "ES": "EC"}[alg[:2]]:
                    continue
                return jwt.PyJWK(jwk, algorithm=alg)
        raise SuspiciousOperation("Aucune clé du JWKS ne correspond au jeton")

    def _decoder(self, jeton, exigees):
        cle = self.retrieve_matching_jwk(jeton)
        claims = jwt.decode(
            jeton,
            cle.key,
            algorithms=[cle.algorithm_name],
            audience=self.conf.client_id,
            issuer=self.conf.emetteur,
            leeway=DECALAGE_HORLOGE,
            options={"require": exigees},
        )
        aud = claims.get("aud")
        if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != self.conf.client_id:
            raise SuspiciousOperation("azp absent ou différent pour un jeton à plusieurs destinataires")
        return claims

    def verify_token(self, token, **kwargs):
        """Vérifie l'id_token : signature, iss, aud, exp, iat, sub, nonce et niveau eIDAS demandé."""
        claims = self._decoder(token, ["iss", "aud", "exp", "iat", "sub"])
        nonce = kwargs.get("nonce")
        if not nonce or not secrets.compare_digest(str(claims.get("nonce", "")), str(nonce)):
            raise SuspiciousOperation("nonce de l'id_token différent de celui de la demande")
        acr_demande = self.conf.acr
        if acr_demande:
            recu = str(claims.get("acr", ""))
            if recu != acr_demande and NIVEAUX_EIDAS.get(recu, 0) < NIVEAUX_EIDAS.get(acr_demande, 99):
                raise SuspiciousOperation(f"Niveau d'authentification insuffisant : {recu!r}")
        return claims

    def get_userinfo(self, access_token, id_token, payload):
        reponse = requests.get(
            self.OIDC_OP_USER_ENDPOINT,
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=self.get_settings("OIDC_TIMEOUT", None),
        )
        reponse.raise_for_status()
        if reponse.headers.get("content-type", "").lower().startswith("application/jwt"):
            claims = self._decoder(reponse.text.strip(), ["iss", "aud", "sub"])
        else:
            claims = reponse.json()
        if not isinstance(claims, dict):
            raise SuspiciousOperation("userinfo inattendu")
        if claims.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("Le sub du userinfo diffère de celui de l'id_token")
        return claims

    # --- rattachement du compte ---------------------------------------------------------------

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        claims = {k: v for k, v in userinfo.items() if k not in CLAIMS_TECHNIQUES}
        for cle in ("acr", "amr", "idp_id", "auth_time"):
            if cle in payload and cle not in claims:
                claims[cle] = payload[cle]
        with transaction.atomic():
            return self.rattacher(str(payload["sub"]), claims)

    def rattacher(self, sub, claims):
        raise NotImplementedError

    def _identite(self, sub):
        return (
            IdentiteOIDC.objects.select_for_update()
            .select_related("utilisateur")
            .filter(fournisseur=self.fournisseur, sub=sub)
            .first()
        )

    def _creer(self, sub, claims, **champs):
        utilisateur = self.UserModel.objects.create_user(identifiant=f"{self.fournisseur}:{sub}", **champs)
        identite = IdentiteOIDC.objects.create(utilisateur=utilisateur, fournisseur=self.fournisseur, sub=sub)
        return identite

    @staticmethod
    def _noter(identite, claims):
        identite.claims = claims
        identite.derniere_connexion = timezone.now()
        identite.save(update_fields=["claims", "derniere_connexion"])


class ProConnectBackend(BackendOIDC):
    fournisseur = Fournisseur.PROCONNECT

    def rattacher(self, sub, claims):
        siret = str(claims.get("siret") or "").replace(" ", "")
        administration = Administration.objects.filter(siret=siret, active=True).first()
        identite = self._identite(sub)
        if administration is None:
            raise ConnexionRefusee(
                "Votre administration (SIRET "
                f"{siret or 'non communiqué'}) n’est pas habilitée à utiliser Mon Indemnisation Justice. "
                "Si vous pensez qu’il s’agit d’une erreur, contactez le Bureau du précontentieux "
                "du ministère de la Justice.",
                motif="siret_inconnu",
                utilisateur=identite.utilisateur if identite else None,
                siret=siret,
            )
        if identite is None:
            identite = self._creer(sub, claims, type=TypeUtilisateur.AGENT, administration=administration)
        utilisateur = identite.utilisateur
        if not utilisateur.est_agent:
            raise ConnexionRefusee(
                "Cette identité ProConnect est rattachée à un compte qui n’est pas un compte agent. "
                "Contactez le Bureau du précontentieux.",
                motif="compte_non_agent",
                utilisateur=utilisateur,
            )
        if not utilisateur.is_active:
            raise ConnexionRefusee(
                "Votre compte agent a été désactivé. Pour le faire réactiver, contactez un gestionnaire "
                "du Bureau du précontentieux du ministère de la Justice.",
                motif="agent_desactive",
                utilisateur=utilisateur,
            )
        utilisateur.prenom = str(claims.get("given_name") or utilisateur.prenom)[:150]
        utilisateur.nom = str(claims.get("usual_name") or utilisateur.nom)[:150]
        utilisateur.email = str(claims.get("email") or utilisateur.email)
        utilisateur.administration = administration
        utilisateur.save(update_fields=["prenom", "nom", "email", "administration"])
        self._synchroniser_roles(utilisateur, administration)
        self._noter(identite, claims)
        return utilisateur

    @staticmethod
    def _synchroniser_roles(utilisateur, administration):
        """FDO : rôle forces_de_l_ordre automatique. Hors MJ : aucun rôle du ministère de la Justice."""
        fdo = Group.objects.get_or_create(name=Role.FORCES_DE_L_ORDRE)[0]
        noms = set(utilisateur.groups.values_list("name", flat=True))
        if administration.code in ADMINISTRATIONS_FDO:
            if Role.FORCES_DE_L_ORDRE not in noms:
                utilisateur.groups.add(fdo)
        elif Role.FORCES_DE_L_ORDRE in noms:
            utilisateur.groups.remove(fdo)
        if administration.code != CodeAdministration.MJ and noms & {str(r) for r in ROLES_MJ}:
            utilisateur.groups.remove(*Group.objects.filter(name__in=[str(r) for r in ROLES_MJ]))
        utilisateur.__dict__.pop("_roles_cache", None)


CIVILITES = {"female": "Mme", "male": "M."}


class FranceConnectBackend(BackendOIDC):
    fournisseur = Fournisseur.FRANCECONNECT

    def rattacher(self, sub, claims):
        identite = self._identite(sub)
        if identite is None:
            # Jamais de rattachement sur l'adresse : une identité FranceConnect = un compte à part.
            identite = self._creer(
                sub,
                claims,
                type=TypeUtilisateur.USAGER,
                email=str(claims.get("email") or ""),
            )
        utilisateur = identite.utilisateur
        if not utilisateur.est_usager:
            raise ConnexionRefusee(
                "Cette identité FranceConnect ne peut pas ouvrir de session agent. "
                "Les agents se connectent avec ProConnect.",
                motif="franceconnect_agent",
                utilisateur=utilisateur,
            )
        if not utilisateur.is_active:
            raise ConnexionRefusee(
                "Votre compte a été désactivé. Contactez le ministère de la Justice pour en savoir plus.",
                motif="compte_desactive",
                utilisateur=utilisateur,
            )
        # Identité certifiée : elle pré-remplit la demande.
        utilisateur.prenom = str(claims.get("given_name") or utilisateur.prenom)[:150]
        utilisateur.nom = str(claims.get("family_name") or utilisateur.nom)[:150]
        utilisateur.civilite = CIVILITES.get(claims.get("gender"), utilisateur.civilite)
        if not utilisateur.email and claims.get("email"):
            utilisateur.email = str(claims["email"])
        utilisateur.save(update_fields=["prenom", "nom", "civilite", "email"])
        self._noter(identite, claims)
        return utilisateur


__all__ = ["ConnexionRefusee", "ErreurFournisseur", "FranceConnectBackend", "ProConnectBackend"]

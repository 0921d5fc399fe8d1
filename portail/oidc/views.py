"""Vues OIDC par fournisseur : départ vers le fournisseur, retour, retour de déconnexion.

Le `state` (clé de `session["oidc_states"]`, format de mozilla-django-oidc) porte aussi le nom du fournisseur :
le retour d'un fournisseur n'accepte que les `state` émis pour lui, et chaque `state` ne sert qu'une fois.
"""

import logging
import secrets
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.shortcuts import redirect
from django.utils.crypto import get_random_string
from django.views.decorators.http import require_GET
from mozilla_django_oidc.utils import add_state_and_verifier_and_nonce_to_session
from mozilla_django_oidc.views import get_next_url

from portail.enums import Fournisseur, TypeEvenement
from portail.models import Evenement
from portail.oidc.backends import ConnexionRefusee
from portail.oidc.fournisseurs import ErreurFournisseur, config

journal = logging.getLogger(__name__)

TAILLE_MINIMALE = 32
CLE_DECONNEXION = "oidc_deconnexion"
# Paramètres d'autorisation propres à un fournisseur (FranceConnect v2 exige prompt=login consent).
PARAMETRES_SUPPLEMENTAIRES = {Fournisseur.FRANCECONNECT: {"prompt": "login consent"}}


def _aleatoire(nom_reglage):
    return get_random_string(max(int(getattr(settings, nom_reglage, TAILLE_MINIMALE)), TAILLE_MINIMALE))


def _echec(request, conf, message, motif, niveau=messages.ERROR, **details):
    Evenement.journaliser(TypeEvenement.ECHEC_CONNEXION, request=request, fournisseur=conf.nom, motif=motif, **details)
    messages.add_message(request, niveau, message)
    return redirect("portail:connexion")


@require_GET
@login_not_required
def connexion(request, fournisseur):
    conf = config(fournisseur)
    try:
        point_autorisation = conf.point("authorization_endpoint")
    except ErreurFournisseur as erreur:
        journal.warning("Découverte OIDC impossible pour %s : %s", fournisseur, erreur)
        messages.error(
            request,
            f"Le service {conf.libelle} est momentanément indisponible. Veuillez réessayer dans quelques instants.",
        )
        return redirect("portail:connexion")
    state, nonce = _aleatoire("OIDC_STATE_SIZE"), _aleatoire("OIDC_NONCE_SIZE")
    parametres = {
        "response_type": "code",
        "scope": conf.scopes,
        "client_id": conf.client_id,
        "redirect_uri": conf.url_retour(),
        "state": state,
        "nonce": nonce,
        **PARAMETRES_SUPPLEMENTAIRES.get(fournisseur, {}),
    }
    if conf.acr:
        parametres["acr_values"] = conf.acr
    add_state_and_verifier_and_nonce_to_session(request, state, parametres)
    entree = request.session["oidc_states"][state]
    entree["fournisseur"] = conf.nom
    entree["suivant"] = get_next_url(request, "next")
    request.session.modified = True
    separateur = "&" if "?" in point_autorisation else "?"
    return redirect(f"{point_autorisation}{separateur}{urlencode(parametres)}")


@require_GET
@login_not_required
def retour(request, fournisseur):
    conf = config(fournisseur)
    state = request.GET.get("state", "")
    etats = request.session.get("oidc_states")
    etats = etats if isinstance(etats, dict) else {}
    # Usage unique : le state est retiré avant tout appel au fournisseur, même en cas d'erreur.
    entree = etats.pop(state, None) if state else None
    if entree is not None:
        request.session["oidc_states"] = etats
        request.session.save()
    if entree is not None and entree.get("fournisseur") != conf.nom:
        entree = None

    erreur = request.GET.get("error")
    if erreur:
        if request.user.is_authenticated and entree is not None:
            auth.logout(request)
        if erreur == "access_denied":
            return _echec(
                request,
                conf,
                f"Vous avez annulé la connexion avec {conf.libelle}. Vous pouvez réessayer quand vous voulez.",
                "annulation",
                niveau=messages.WARNING,
            )
        return _echec(
            request,
            conf,
            f"{conf.libelle} n’a pas pu vous identifier (erreur « {erreur[:60]} »). Veuillez réessayer.",
            "erreur_fournisseur",
            erreur=erreur[:100],
        )
    if entree is None or not request.GET.get("code"):
        return _echec(
            request,
            conf,
            "Votre demande de connexion a expiré ou n’est pas valide. Veuillez recommencer.",
            "state_invalide",
        )

    try:
        utilisateur = auth.authenticate(
            request, fournisseur=conf.nom, nonce=entree.get("nonce"), code_verifier=entree.get("code_verifier")
        )
    except ConnexionRefusee as refus:
        Evenement.journaliser(
            TypeEvenement.CONNEXION_REFUSEE,
            cible=refus.utilisateur,
            request=request,
            fournisseur=conf.nom,
            motif=refus.motif,
            **refus.details,
        )
        messages.error(request, refus.message)
        return redirect("portail:connexion")
    except (requests.RequestException, ErreurFournisseur) as erreur_reseau:
        journal.warning("Échange OIDC %s impossible : %s", fournisseur, erreur_reseau)
        return _echec(
            request,
            conf,
            f"Le service {conf.libelle} est momentanément indisponible ou a refusé la connexion. "
            "Veuillez réessayer dans quelques instants.",
            "fournisseur_indisponible",
        )
    except (SuspiciousOperation, jwt.PyJWTError, ValueError, KeyError, TypeError) as erreur_jeton:
        journal.warning("Jeton OIDC %s refusé : %s", fournisseur, erreur_jeton)
        return _echec(
            request,
            conf,
            f"La connexion avec {conf.libelle} n’a pas pu être vérifiée. Veuillez réessayer.",
            "jeton_invalide",
            erreur=str(erreur_jeton)[:200],
        )
    if utilisateur is None:
        return _echec(
            request,
            conf,
            f"La connexion avec {conf.libelle} n’a pas abouti. Veuillez réessayer.",
            "aucun_compte",
        )

    id_token = getattr(request, "oidc_id_token", "")
    auth.login(request, utilisateur)
    request.session["oidc_fournisseur"] = conf.nom
    request.session["oidc_id_token"] = id_token
    Evenement.journaliser(TypeEvenement.CONNEXION, acteur=utilisateur, request=request, fournisseur=conf.nom)
    return redirect(entree.get("suivant") or "portail:apres_connexion")


def preparer_deconnexion(request):
    """URL de fin de session chez le fournisseur de la session en cours, ou None.

    Renvoie (url, etat) ; `etat` est à ranger dans la nouvelle session (après `logout`) sous
    `CLE_DECONNEXION` pour que `retour_deconnexion` vérifie le `state`.
    """
    nom, id_token = request.session.get("oidc_fournisseur"), request.session.get("oidc_id_token")
    if not nom or not id_token:
        return None, None
    try:
        conf = config(nom)
        point = conf.point("end_session_endpoint")
    except Exception as erreur:  # noqa: BLE001 - la déconnexion locale doit toujours aboutir
        journal.warning("Fin de session OIDC impossible pour %s : %s", nom, erreur)
        return None, None
    state = _aleatoire("OIDC_STATE_SIZE")
    parametres = {
        "id_token_hint": id_token,
        "state": state,
        "post_logout_redirect_uri": conf.url_retour_deconnexion(),
    }
    separateur = "&" if "?" in point else "?"
    return f"{point}{separateur}{urlencode(parametres)}", {"fournisseur": nom, "state": state}


@require_GET
@login_not_required
def retour_deconnexion(request, fournisseur):
    conf = config(fournisseur)
    attendu = request.session.pop(CLE_DECONNEXION, None) or {}
    recu = request.GET.get("state", "")
    if request.user.is_authenticated:
        auth.logout(request)
    if attendu.get("fournisseur") == conf.nom and recu and secrets.compare_digest(str(attendu.get("state", "")), recu):
        messages.success(request, "Vous êtes déconnecté(e).")
    else:
        messages.warning(
            request,
            f"Votre session sur le portail est fermée, mais la déconnexion de {conf.libelle} n’a pas pu être "
            "confirmée. Sur un ordinateur partagé, fermez votre navigateur.",
        )
    return redirect("portail:accueil")

"""Saisie conservée à travers une expiration de session (moteur des assistants, page d'échec CSRF).

Ce qui est gardé est borné : seulement les champs du formulaire de l'étape, une valeur chacun, tronquée à la
longueur maximale du champ, au plus `PLAFOND_OCTETS` en tout ; et seulement pour un navigateur qui était connecté
auparavant : un cookie signé (`COOKIE_CONNEXION`, l'identifiant du compte) est posé à chaque connexion et retiré
à la déconnexion. La saisie n'est rejouée que dans le brouillon du même compte, une fois reconnecté.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

COOKIE_CONNEXION = "portail_connecte"
SEL_COOKIE = "portail.saisie_conservee"
DUREE_COOKIE = 60 * 60 * 24 * 30
PLAFOND_OCTETS = 32 * 1024
# Longueur gardée pour un champ sans max_length (date, choix, adresse électronique…).
LONGUEUR_PAR_DEFAUT = 320
CLE_SESSION = "assistant_saisie_en_attente"


def compte_precedent(request):
    """L'identifiant du compte connecté auparavant dans ce navigateur (cookie signé), sinon None."""
    valeur = request.get_signed_cookie(COOKIE_CONNEXION, default=None, salt=SEL_COOKIE, max_age=DUREE_COOKIE)
    return int(valeur) if valeur and valeur.isdigit() else None


def valeurs_bornees(formulaire, etape, donnees):
    """{clé préfixée: [valeur]} : champs du formulaire seulement, une valeur, tronquée, plafond total."""
    resultat, total = {}, 0
    for nom, champ in formulaire.base_fields.items():
        cle = f"{etape}-{nom}"
        if cle not in donnees:
            continue
        longueur = getattr(champ, "max_length", None) or LONGUEUR_PAR_DEFAUT
        valeur = str(donnees.get(cle))[:longueur]
        taille = len(cle.encode()) + len(valeur.encode())
        if total + taille > PLAFOND_OCTETS:
            break
        total += taille
        resultat[cle] = [valeur]
    return resultat


def conserver(request, **saisie):
    """Garde la saisie dans la (nouvelle) session si le navigateur était connecté auparavant ; True si gardée."""
    compte = compte_precedent(request)
    if compte is None:
        return False
    request.session[CLE_SESSION] = {**saisie, "compte": compte}
    return True


def reprendre(request, **attendu):
    """La saisie conservée pour ce compte et cet objet (retirée de la session), sinon None."""
    saisie = request.session.pop(CLE_SESSION, None)
    if not saisie or saisie.get("compte") != request.user.pk:
        return None
    if any(saisie.get(cle) != valeur for cle, valeur in attendu.items()):
        return None
    return saisie


@receiver(user_logged_in, dispatch_uid="portail_cookie_connexion")
def _connexion(sender, request, user, **kwargs):
    if request is not None:
        request.cookie_connexion = user.pk


@receiver(user_logged_out, dispatch_uid="portail_cookie_deconnexion")
def _deconnexion(sender, request, user, **kwargs):
    if request is not None:
        request.cookie_connexion = None


class CookieConnexionMiddleware:
    """Pose (connexion) ou retire (déconnexion) le cookie signé `COOKIE_CONNEXION`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not hasattr(request, "cookie_connexion"):
            return response
        if request.cookie_connexion is None:
            response.delete_cookie(COOKIE_CONNEXION, samesite="Lax")
        else:
            response.set_signed_cookie(
                COOKIE_CONNEXION,
                str(request.cookie_connexion),
                salt=SEL_COOKIE,
                max_age=DUREE_COOKIE,
                httponly=True,
                secure=settings.SESSION_COOKIE_SECURE,
                samesite="Lax",
            )
        return response

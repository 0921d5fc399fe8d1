from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.views.decorators.http import require_POST

from portail.cache import page_publique
from portail.enums import TypeEvenement
from portail.models import Evenement


@login_not_required
@page_publique
def accueil(request):
    return render(request, "portail/accueil.html")


@login_not_required
@page_publique
def connexion(request):
    if request.user.is_authenticated:
        return redirect("portail:apres_connexion")
    return render(request, "portail/connexion.html", {"next": request.GET.get("next", "")})


def destination_apres_connexion(user):
    """Nom d'URL où atterrit un utilisateur connecté, selon son type et ses rôles."""
    if user.est_usager:
        return "usagers:accueil"
    if user.est_forces_de_l_ordre:
        return "declarations:accueil"
    if user.roles_mj:
        return "precontentieux:accueil"
    return "portail:acces_en_attente"


def apres_connexion(request):
    return redirect(destination_apres_connexion(request.user))


@require_POST
@login_not_required
def deconnexion(request):
    from portail.oidc.views import CLE_DECONNEXION, preparer_deconnexion

    url_fournisseur, etat = None, None
    if request.user.is_authenticated:
        Evenement.journaliser(TypeEvenement.DECONNEXION, acteur=request.user, request=request)
        # Session ProConnect / FranceConnect : fin de session chez le fournisseur, state vérifié au retour.
        url_fournisseur, etat = preparer_deconnexion(request)
    logout(request)
    if url_fournisseur:
        request.session[CLE_DECONNEXION] = etat
        return redirect(url_fournisseur)
    messages.success(request, "Vous êtes déconnecté(e).")
    return redirect("portail:accueil")


def acces_en_attente(request):
    if not request.user.est_agent or destination_apres_connexion(request.user) != "portail:acces_en_attente":
        return redirect("portail:apres_connexion")
    return render(request, "portail/acces_en_attente.html")


@login_not_required
@page_publique
def accessibilite(request):
    return render(request, "portail/pages/accessibilite.html", {"courriel_contact": settings.COURRIEL_CONTACT})


@login_not_required
@page_publique
def mentions_legales(request):
    return render(
        request,
        "portail/pages/mentions_legales.html",
        {
            "direction_publication": settings.MENTIONS_DIRECTION_PUBLICATION,
            "hebergeur": settings.MENTIONS_HEBERGEUR,
        },
    )


@login_not_required
def qui_sommes_nous(request):
    return render(request, "portail/pages/qui_sommes_nous.html")


@login_not_required
@page_publique
def donnees_personnelles(request):
    from portail.conservation import CALENDRIER

    return render(
        request,
        "portail/pages/donnees_personnelles.html",
        {"calendrier": CALENDRIER, "courriel_dpd": settings.COURRIEL_DPD},
    )


@login_not_required
@page_publique
def plan_du_site(request):
    return render(request, "portail/pages/plan_du_site.html")


@login_not_required
def erreur_403(request, exception=None):
    return render(request, "403.html", status=403)


@login_not_required
def erreur_404(request, exception=None):
    return render(request, "404.html", status=404)


@login_not_required
def erreur_500(request):
    # Sans requête ni processeurs de contexte : la page doit s'afficher même base indisponible.
    return HttpResponseServerError(loader.get_template("500.html").render())


@login_not_required
def apercu_erreur(request, code):
    if code == 500:
        return erreur_500(request)
    if code not in (403, 404):
        raise Http404
    return render(request, f"{code}.html", status=code)


def page_fermee(request):
    """Page d'une bibliothèque que le portail n'offre pas (voir `portail/urls.py`)."""
    raise Http404


MESSAGE_ECHEC_CSRF = (
    "Cette page n’est plus valable : vous vous êtes sans doute reconnecté(e) dans un autre onglet. "
    "Rechargez la page pour continuer."
)


@login_not_required
def echec_csrf(request, reason=""):
    """CSRF_FAILURE_VIEW : page DSFR (ou JSON pour l'enregistrement automatique) au lieu du 403 brut de Django.

    Sur une vue d'assistant, la saisie est gardée comme après une expiration de session — seulement si la
    requête vient de nos propres pages (en-tête Origin) : un formulaire d'un autre site ne dépose rien."""
    from portail.assistants import garder_la_saisie_refusee

    origine = request.META.get("HTTP_ORIGIN")
    suite, automatique = None, False
    if origine and origine == f"{request.scheme}://{request.get_host()}":
        suite, automatique = garder_la_saisie_refusee(request)
    if automatique or request.headers.get("Accept") == "application/json":
        return JsonResponse(
            {
                "motif": "csrf",
                "erreur": MESSAGE_ECHEC_CSRF + (" Votre saisie est conservée." if suite else ""),
                "url": suite or request.path,
                "lien": "Recharger la page",
            },
            status=403,
        )
    return render(request, "403_csrf.html", {"suite": suite}, status=403)

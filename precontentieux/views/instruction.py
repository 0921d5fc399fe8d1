"""Attribution et instruction : chaque écran appelle un verbe de `Dossier` (table `precontentieux/workflow.py`).

Garde en deux temps : la page n'existe que pour les agents de la Justice (404 sinon) ; l'action exige d'être un
acteur possible de la transition (`dossier.transitions_possibles`), sinon refus 403 sans rien changer. Un état
qui ne permet plus l'action (double envoi, autre onglet) donne un message et ne change rien : chaque transition
n'a lieu qu'une fois (UPDATE conditionnel).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from portail.limiteurs import DebitDepasse
from precontentieux import instruction
from precontentieux.acces import back_office, dossier_visible
from precontentieux.forms import (
    ActionForm,
    AttributionForm,
    DemandeComplementsForm,
    MessageUsagerForm,
    ReinvitationForm,
)
from precontentieux.instruction import DejaEnvoye, consommer_jeton, nouveau_jeton
from precontentieux.models import Dossier, TransitionInterdite
from precontentieux.views.dossier import ACTIONS_GENERIQUES

MESSAGES_SUCCES = {
    "attribuer": "Le dossier est attribué à {redacteur}, qui en est averti par courriel.",
    "reattribuer": "Le dossier est réattribué à {redacteur}, qui en est averti par courriel.",
    "demarrer_instruction": "L’instruction est démarrée.",
    "demander_complements": "La demande de compléments est envoyée à l’usager.",
    "recevoir_complements": "Les compléments sont enregistrés : le dossier revient en instruction.",
    "cloturer": "Le dossier est clôturé.",
    "ecrire_usager": "Votre message est envoyé à l’usager, averti par courriel.",
    "detacher_et_reinviter": "La demande est détachée et une nouvelle invitation est envoyée à {courriel}.",
}


def _possibilite(dossier, user, nom):
    """La possibilité de la transition pour cet agent ; 403 s'il n'en est pas un acteur (rôle)."""
    for possibilite in dossier.transitions_possibles(user):
        if possibilite.transition.nom == nom:
            return possibilite
    raise PermissionDenied


def _url_fiche(dossier):
    return reverse("precontentieux:dossier", args=[dossier.reference])


def _refus(request, dossier, raison):
    messages.error(request, raison)
    return redirect(_url_fiche(dossier))


def _dossier(request, reference):
    return dossier_visible(request, reference, Dossier.objects.select_related("redacteur", "requerant"))


def _ecran(request, dossier, possibilite, form, gabarit, status=200, **contexte):
    return render(
        request,
        gabarit,
        {
            "dossier": dossier,
            "form": form,
            "transition": possibilite.transition,
            "possibilite": possibilite,
            **contexte,
        },
        status=status,
    )


def _attribution(request, reference, nom):
    dossier = _dossier(request, reference)
    possibilite = _possibilite(dossier, request.user, nom)
    reattribution = nom == "reattribuer"
    if request.method == "POST":
        if not possibilite.possible:
            return _refus(request, dossier, possibilite.raison)
        form = AttributionForm(request.POST, dossier=dossier, reattribution=reattribution)
        if form.is_valid():
            redacteur = form.cleaned_data["redacteur"]
            try:
                if reattribution:
                    dossier.reattribuer(request.user, redacteur, form.cleaned_data["motif"])
                else:
                    dossier.attribuer(request.user, redacteur)
            except TransitionInterdite as refus:
                return _refus(request, dossier, refus.raison)
            nom_redacteur = redacteur.nom_complet or redacteur.email
            messages.success(request, MESSAGES_SUCCES[nom].format(redacteur=nom_redacteur))
            return redirect(_url_fiche(dossier))
        status = 400
    else:
        form = AttributionForm(dossier=dossier, reattribution=reattribution)
        status = 200
    return _ecran(request, dossier, possibilite, form, "precontentieux/dossier/attribuer.html", status)


@back_office()
@require_http_methods(["GET", "POST"])
def attribuer(request, reference):
    return _attribution(request, reference, "attribuer")


@back_office()
@require_http_methods(["GET", "POST"])
def reattribuer(request, reference):
    return _attribution(request, reference, "reattribuer")


@back_office()
@require_http_methods(["GET", "POST"])
def demander_complements(request, reference):
    dossier = _dossier(request, reference)
    possibilite = _possibilite(dossier, request.user, "demander_complements")
    if request.method == "POST":
        if not possibilite.possible:
            return _refus(request, dossier, possibilite.raison)
        form = DemandeComplementsForm(request.POST, dossier=dossier)
        if form.is_valid():
            try:
                instruction.demander_complements(
                    dossier, request.user, form.cleaned_data["message"], form.cleaned_data["pieces"]
                )
            except TransitionInterdite as refus:
                return _refus(request, dossier, refus.raison)
            messages.success(request, MESSAGES_SUCCES["demander_complements"])
            return redirect(_url_fiche(dossier) + "#echanges")
        status = 400
    else:
        form = DemandeComplementsForm(dossier=dossier)
        status = 200
    return _ecran(request, dossier, possibilite, form, "precontentieux/dossier/demander_complements.html", status)


@back_office()
@require_http_methods(["GET", "POST"])
def action(request, reference, nom):
    """Transitions sans autre donnée qu'un motif : démarrer l'instruction, compléments reçus par courrier, clôture."""
    if nom not in ACTIONS_GENERIQUES:
        raise Http404
    dossier = _dossier(request, reference)
    possibilite = _possibilite(dossier, request.user, nom)
    transition = possibilite.transition
    if request.method == "POST":
        if not possibilite.possible:
            return _refus(request, dossier, possibilite.raison)
        form = ActionForm(request.POST, transition=transition)
        if form.is_valid():
            try:
                dossier.transitionner(nom, request.user, motif=form.cleaned_data["motif"])
            except TransitionInterdite as refus:
                return _refus(request, dossier, refus.raison)
            messages.success(request, MESSAGES_SUCCES.get(nom, "Action enregistrée."))
            return redirect(_url_fiche(dossier))
        status = 400
    else:
        form = ActionForm(transition=transition)
        status = 200
    return _ecran(request, dossier, possibilite, form, "precontentieux/dossier/action.html", status)


@back_office()
@require_http_methods(["GET", "POST"])
def ecrire_usager(request, reference):
    """Message simple du rédacteur en charge à l'usager, hors demande de compléments : le statut ne change pas."""
    dossier = _dossier(request, reference)
    possibilite = _possibilite(dossier, request.user, "ecrire_usager")
    if request.method == "POST":
        if not possibilite.possible:
            return _refus(request, dossier, possibilite.raison)
        form = MessageUsagerForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    consommer_jeton(form.cleaned_data["jeton"], request.user)
                    instruction.ecrire_a_l_usager(dossier, request.user, form.cleaned_data["message"])
            except DejaEnvoye:
                messages.info(request, "Ce message était déjà envoyé.")
            except TransitionInterdite as refus:
                return _refus(request, dossier, refus.raison)
            else:
                messages.success(request, MESSAGES_SUCCES["ecrire_usager"])
            return redirect(_url_fiche(dossier) + "#echanges")
        status = 400
    else:
        form = MessageUsagerForm(initial={"jeton": nouveau_jeton()})
        status = 200
    return _ecran(request, dossier, possibilite, form, "precontentieux/dossier/ecrire_usager.html", status)


@back_office()
@require_http_methods(["GET", "POST"])
def reinviter(request, reference):
    """Détacher et réinviter (attributeur) : écran de confirmation, puis la transition et la nouvelle invitation."""
    dossier = _dossier(request, reference)
    possibilite = _possibilite(dossier, request.user, "detacher_et_reinviter")
    derniere = dossier.invitations.order_by("-cree_le", "-pk").first()
    if request.method == "POST":
        if not possibilite.possible:
            return _refus(request, dossier, possibilite.raison)
        form = ReinvitationForm(request.POST)
        if form.is_valid():
            courriel = form.cleaned_data["courriel"]
            try:
                with transaction.atomic():
                    consommer_jeton(form.cleaned_data["jeton"], request.user)
                    dossier.detacher_et_reinviter(request.user, courriel=courriel, motif=form.cleaned_data["motif"])
            except DejaEnvoye:
                messages.info(request, "Cette nouvelle invitation était déjà envoyée.")
            except (TransitionInterdite, DebitDepasse) as refus:
                return _refus(request, dossier, getattr(refus, "raison", str(refus)))
            else:
                messages.success(request, MESSAGES_SUCCES["detacher_et_reinviter"].format(courriel=courriel))
            return redirect(_url_fiche(dossier))
        status = 400
    else:
        form = ReinvitationForm(initial={"jeton": nouveau_jeton(), "courriel": derniere.courriel if derniere else ""})
        status = 200
    return _ecran(
        request,
        dossier,
        possibilite,
        form,
        "precontentieux/dossier/reinviter.html",
        status,
        derniere_invitation=derniere,
    )

"""Signature par le validateur : lire le courrier, puis « Signer et envoyer » ou « Renvoyer au rédacteur ».

Une seule vue de signature pour les trois transitions (signer_proposition, signer_rejet, signer_arrete) : l'état du
dossier dit ce qui se signe (`precontentieux.signature.signature_du_dossier`). Garde en deux temps comme les autres
écrans : 404 hors Justice, 403 pour qui n'est pas validateur ; un état qui ne permet plus l'action (double clic,
autre onglet) ou la séparation des fonctions donne la raison et ne change rien.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from precontentieux import signature
from precontentieux.acces import back_office
from precontentieux.forms import RenvoiForm
from precontentieux.models import TransitionInterdite
from precontentieux.views.instruction import _dossier, _possibilite, _refus, _url_fiche


def _courrier(dossier, type_courrier):
    from precontentieux.courriers import courrier_actif

    return courrier_actif(dossier, type_courrier)


def _contexte_courrier(dossier, sig):
    """Le courrier à signer (aperçu HTML rendu dans la page, PDF de l'aperçu produit par la tâche)."""
    from precontentieux.courriers import rendre_html

    courrier = _courrier(dossier, sig.type_courrier)
    return {
        "signature": sig,
        "courrier": courrier,
        "apercu": rendre_html(courrier) if courrier is not None else "",
    }


@back_office()
@require_http_methods(["GET", "POST"])
def signer(request, reference):
    dossier = _dossier(request, reference)
    sig = signature.signature_du_dossier(dossier)
    possibilite = _possibilite(dossier, request.user, sig.transition)
    if request.method == "POST":
        if not possibilite.possible:
            return _refus(request, dossier, possibilite.raison)
        try:
            signature.signer_decision(dossier, request.user)
        except TransitionInterdite as refus:
            return _refus(request, dossier, refus.raison)
        messages.success(request, sig.message)
        return redirect(_url_fiche(dossier))
    renvoi = next(
        (p for p in dossier.transitions_possibles(request.user) if p.transition.nom == "renvoyer_au_redacteur"), None
    )
    return render(
        request,
        "precontentieux/dossier/signer.html",
        {
            "dossier": dossier,
            "transition": possibilite.transition,
            "possibilite": possibilite,
            "renvoi_possible": bool(renvoi and renvoi.possible),
            **_contexte_courrier(dossier, sig),
        },
    )


@back_office()
@require_http_methods(["GET", "POST"])
def renvoyer(request, reference):
    dossier = _dossier(request, reference)
    possibilite = _possibilite(dossier, request.user, "renvoyer_au_redacteur")
    status = 200
    if request.method == "POST":
        if not possibilite.possible:
            return _refus(request, dossier, possibilite.raison)
        form = RenvoiForm(request.POST)
        if form.is_valid():
            try:
                signature.renvoyer_au_redacteur(dossier, request.user, form.cleaned_data["commentaire"])
            except TransitionInterdite as refus:
                return _refus(request, dossier, refus.raison)
            messages.success(
                request,
                "La décision est renvoyée au rédacteur, averti par courriel : le dossier revient en instruction.",
            )
            return redirect(_url_fiche(dossier))
        status = 400
    else:
        form = RenvoiForm()
    return render(
        request,
        "precontentieux/dossier/renvoyer.html",
        {"dossier": dossier, "form": form, "transition": possibilite.transition, "possibilite": possibilite},
        status=status,
    )

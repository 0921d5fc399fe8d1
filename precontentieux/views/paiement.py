"""La chaîne du paiement dans le back-office (docs/paiement.md).

- le rédacteur en charge prépare l'arrêté de paiement (aperçu, puis confirmation) ;
- la liaison budget télécharge le dossier de paiement (ZIP en flux, journalisé), confirme sa transmission au
  budget, puis marque le dossier indemnisé avec la date du virement.

Chaque action : garde du back-office (404 hors Justice), acteur possible de la transition (403 sinon, rien
n'est écrit), jeton à usage unique (un double clic n'a qu'un effet), une transition, un message, redirection.
"""

from django.contrib import messages
from django.db import transaction
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from portail.enums import Role
from portail.fichiers import entetes_telechargement
from precontentieux import paiement
from precontentieux.acces import back_office
from precontentieux.enums import StatutDossier
from precontentieux.forms import ConfirmationForm, IndemnisationForm
from precontentieux.instruction import DejaEnvoye, consommer_jeton, journaliser_consultation, nouveau_jeton
from precontentieux.models import TransitionInterdite
from precontentieux.views.instruction import _dossier, _possibilite, _url_fiche

# Le dossier de paiement se télécharge une fois l'arrêté signé, et reste disponible après la transmission.
ETATS_DOSSIER_DE_PAIEMENT = frozenset(
    {StatutDossier.A_INDEMNISER, StatutDossier.TRANSMIS_BUDGET, StatutDossier.INDEMNISE}
)


def _url_file(cle):
    return reverse("precontentieux:file", args=[cle])


def _executer(request, dossier, possibilite, form, action, succes, deja):
    """Jeton consommé et transition dans la même transaction : un second envoi n'a aucun effet."""
    try:
        with transaction.atomic():
            consommer_jeton(form.cleaned_data["jeton"], request.user)
            if not possibilite.possible:
                raise TransitionInterdite(possibilite.raison)
            action()
    except DejaEnvoye:
        messages.info(request, deja)
        return False
    except TransitionInterdite as refus:
        messages.error(request, refus.raison)
        return False
    messages.success(request, succes)
    return True


# --- Arrêté de paiement (rédacteur en charge) -----------------------------------------------------------------


@back_office()
@require_http_methods(["GET", "POST"])
def preparer_arrete(request, reference):
    """Aperçu de l'arrêté (rien à saisir : tout vient du dossier), puis confirmation → arrêté à signer."""
    dossier = _dossier(request, reference)
    possibilite = _possibilite(dossier, request.user, "preparer_arrete")
    status = 200
    if request.method == "POST":
        form = ConfirmationForm(request.POST)
        if form.is_valid():
            _executer(
                request,
                dossier,
                possibilite,
                form,
                lambda: paiement.preparer_arrete(dossier, request.user),
                "L’arrêté de paiement est préparé : il attend la signature d’un validateur.",
                "Cet arrêté de paiement était déjà préparé.",
            )
            return redirect(_url_fiche(dossier))
        status = 400
    else:
        form = ConfirmationForm(initial={"jeton": nouveau_jeton()})
    contexte = {"dossier": dossier, "form": form, "transition": possibilite.transition, "possibilite": possibilite}
    if possibilite.possible:
        contexte["banque"] = paiement.banque_du_compte(dossier.iban)
        contexte["apercu"] = paiement.apercu_arrete(dossier, request.user)
    return render(request, "precontentieux/paiement/preparer_arrete.html", contexte, status=status)


# --- Dossier de paiement (ZIP) -------------------------------------------------------------------------------


def _etat_dossier_de_paiement(dossier):
    """(fichiers, manquants) : les fichiers du ZIP, ou ce qui manque encore."""
    try:
        return paiement.pieces_du_dossier_de_paiement(dossier), []
    except paiement.DossierDePaiementIncomplet as incomplet:
        return [], incomplet.manquants


@back_office(Role.LIAISON_BUDGET)
@require_GET
def dossier_de_paiement(request, reference):
    """Le ZIP du dossier (déclaration d'acceptation et arrêté signés, pièce d'identité, RIB), produit en flux
    depuis le stockage privé ; chaque téléchargement est journalisé (consultation)."""
    dossier = _dossier(request, reference)
    if dossier.statut not in ETATS_DOSSIER_DE_PAIEMENT:
        raise Http404
    fichiers, manquants = _etat_dossier_de_paiement(dossier)
    if manquants:
        # 202 : les PDF signés sont produits par une tâche après la signature ; la page invite à réessayer.
        contexte = {"dossier": dossier, "manquants": manquants}
        return render(request, "precontentieux/paiement/dossier_incomplet.html", contexte, status=202)
    nom = f"{dossier.reference}-dossier-de-paiement.zip"
    journaliser_consultation(dossier, request.user, "dossier_paiement", nom=nom, pieces=[n for n, _ in fichiers])
    return entetes_telechargement(
        StreamingHttpResponse(paiement.flux_zip(fichiers), content_type="application/zip"), nom
    )


# --- Transmission au budget -----------------------------------------------------------------------------------


def _transmettre(dossier, agent):
    """On ne transmet qu'un dossier de paiement complet (les quatre pièces prêtes)."""
    _, manquants = _etat_dossier_de_paiement(dossier)
    if manquants:
        raise TransitionInterdite("Le dossier de paiement n’est pas complet : " + " ; ".join(manquants) + ".")
    paiement.transmettre_au_budget(dossier, agent)


@back_office()
@require_http_methods(["GET", "POST"])
def transmettre_budget(request, reference):
    dossier = _dossier(request, reference)
    possibilite = _possibilite(dossier, request.user, "transmettre_budget")
    status = 200
    if request.method == "POST":
        form = ConfirmationForm(request.POST)
        if form.is_valid():
            _executer(
                request,
                dossier,
                possibilite,
                form,
                lambda: _transmettre(dossier, request.user),
                f"Le dossier {dossier.reference} est transmis au budget : il attend maintenant son paiement.",
                "Cette transmission était déjà confirmée.",
            )
            return redirect(_url_file("a-transmettre"))
        status = 400
    else:
        form = ConfirmationForm(initial={"jeton": nouveau_jeton()})
    fichiers, manquants = _etat_dossier_de_paiement(dossier) if possibilite.possible else ([], [])
    return render(
        request,
        "precontentieux/paiement/transmettre.html",
        {
            "dossier": dossier,
            "form": form,
            "transition": possibilite.transition,
            "possibilite": possibilite,
            "fichiers": [nom for nom, _ in fichiers],
            "manquants": manquants,
        },
        status=status,
    )


# --- Indemnisation --------------------------------------------------------------------------------------------


@back_office()
@require_http_methods(["GET", "POST"])
def marquer_indemnise(request, reference):
    dossier = _dossier(request, reference)
    possibilite = _possibilite(dossier, request.user, "marquer_indemnise")
    status = 200
    if request.method == "POST":
        form = IndemnisationForm(request.POST, dossier=dossier)
        if form.is_valid():
            _executer(
                request,
                dossier,
                possibilite,
                form,
                lambda: paiement.marquer_indemnise(dossier, request.user, form.cleaned_data["date_virement"]),
                f"Le dossier {dossier.reference} est indemnisé : l’usager en est averti par courriel.",
                "Ce dossier était déjà marqué indemnisé.",
            )
            return redirect(_url_file("transmis-budget"))
        status = 400
    else:
        form = IndemnisationForm(initial={"jeton": nouveau_jeton()}, dossier=dossier)
    return render(
        request,
        "precontentieux/paiement/marquer_indemnise.html",
        {"dossier": dossier, "form": form, "transition": possibilite.transition, "possibilite": possibilite},
        status=status,
    )

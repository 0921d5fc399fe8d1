"""Décision du rédacteur (precontentieux/decision.py) et courriers : proposer une indemnisation, proposer un rejet
(aperçu du courrier, puis soumission à la signature), clôturer avec un motif, lire un courrier, télécharger son PDF.

Gardes : la page n'existe que pour les agents de la Justice (404 sinon) ; l'action exige d'être un acteur possible
de la transition (403 sinon, sans rien écrire) ; un état qui ne permet plus l'action donne un message et ne change
rien. Le PDF n'est jamais rendu dans la requête : « en cours de préparation » (202) tant que la tâche n'a pas tourné.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portail.fichiers import reponse_telechargement
from portail.pdf import confier, reponse_en_preparation
from precontentieux import decision
from precontentieux.acces import back_office
from precontentieux.courriers import Courrier, TypeCourrier, montant_en_chiffres, montant_en_lettres, rendre_html
from precontentieux.forms import ClotureForm, PropositionForm, RejetForm
from precontentieux.models import TransitionInterdite
from precontentieux.tasks import generer_courrier
from precontentieux.views.instruction import _dossier, _ecran, _possibilite, _refus, _url_fiche


def _url_courrier(dossier, courrier):
    return reverse("precontentieux:courrier", args=[dossier.reference, courrier.pk])


def _decision(request, reference, nom, form_classe, gabarit, preparer, **contexte):
    dossier = _dossier(request, reference)
    possibilite = _possibilite(dossier, request.user, nom)
    if request.method == "POST":
        if not possibilite.possible:
            return _refus(request, dossier, possibilite.raison)
        form = (
            form_classe(request.POST, dossier=dossier) if form_classe is PropositionForm else form_classe(request.POST)
        )
        if form.is_valid():
            try:
                courrier = preparer(dossier, request.user, form.cleaned_data)
            except TransitionInterdite as refus:
                return _refus(request, dossier, refus.raison)
            return redirect(_url_courrier(dossier, courrier))
        status = 400
    else:
        form = form_classe(dossier=dossier) if form_classe is PropositionForm else form_classe()
        status = 200
    return _ecran(request, dossier, possibilite, form, gabarit, status, **contexte)


@back_office()
@require_http_methods(["GET", "POST"])
def proposer_indemnisation(request, reference):
    """Montant (prérempli avec le montant demandé), paragraphe libre ; « Voir l’aperçu » prépare le courrier."""
    dossier = _dossier(request, reference)
    return _decision(
        request,
        reference,
        "proposer_indemnisation",
        PropositionForm,
        "precontentieux/decision/proposer_indemnisation.html",
        lambda d, u, c: decision.apercu_proposition(d, u, c["montant"], c["paragraphe"]),
        montants_pieces=decision.montants_pieces(dossier),
        montant_demande=montant_en_chiffres(dossier.montant_demande),
    )


@back_office()
@require_http_methods(["GET", "POST"])
def proposer_rejet(request, reference):
    return _decision(
        request,
        reference,
        "proposer_rejet",
        RejetForm,
        "precontentieux/decision/proposer_rejet.html",
        lambda d, u, c: decision.apercu_rejet(d, u, c["motif"], c["texte"]),
    )


@back_office()
@require_http_methods(["GET", "POST"])
def cloturer(request, reference):
    dossier = _dossier(request, reference)
    possibilite = _possibilite(dossier, request.user, "cloturer")
    if request.method == "POST":
        if not possibilite.possible:
            return _refus(request, dossier, possibilite.raison)
        form = ClotureForm(request.POST)
        if form.is_valid():
            try:
                decision.cloturer(dossier, request.user, form.cleaned_data["motif"], form.cleaned_data["texte"])
            except TransitionInterdite as refus:
                return _refus(request, dossier, refus.raison)
            messages.success(request, "Le dossier est clôturé. L’usager en est averti par courriel.")
            return redirect(_url_fiche(dossier))
        status = 400
    else:
        form = ClotureForm()
        status = 200
    return _ecran(request, dossier, possibilite, form, "precontentieux/decision/cloturer.html", status)


# --- Courriers ------------------------------------------------------------------------------------------------


def _courrier(dossier, pk):
    courrier = Courrier.objects.select_related("cree_par", "signe_par").filter(dossier=dossier, pk=pk).first()
    if courrier is None:
        raise Http404
    courrier.dossier = dossier
    return courrier


def _soumission(dossier, courrier, user):
    """La possibilité de soumettre cet aperçu à la signature, ou None s'il n'y a rien à soumettre ici."""
    nom = decision.TRANSITION_DU_TYPE.get(courrier.type)
    if nom is None or courrier.remplace or courrier.est_signe:
        return None
    for possibilite in dossier.transitions_possibles(user):
        if possibilite.transition.nom == nom:
            return possibilite if possibilite.possible else None
    return None


@back_office()
@require_GET
def courrier(request, reference, pk):
    """Le courrier en HTML (même gabarit que le PDF), le lien vers son PDF et, pour un aperçu que le rédacteur en
    charge peut encore soumettre, le bouton « Soumettre à la signature »."""
    dossier = _dossier(request, reference)
    courrier = _courrier(dossier, pk)
    montant = courrier.montant
    depassement = (
        courrier.type == TypeCourrier.PROPOSITION
        and montant is not None
        and dossier.montant_demande is not None
        and montant > dossier.montant_demande
    )
    return render(
        request,
        "precontentieux/decision/courrier.html",
        {
            "dossier": dossier,
            "courrier": courrier,
            "apercu_html": rendre_html(courrier),
            "soumission": _soumission(dossier, courrier, request.user),
            "depassement": depassement,
            "montant": montant_en_chiffres(montant),
            "montant_lettres": montant_en_lettres(montant),
            "montant_demande": montant_en_chiffres(dossier.montant_demande),
            "url_modifier": reverse(
                "precontentieux:" + decision.TRANSITION_DU_TYPE.get(courrier.type, "proposer_indemnisation"),
                args=[dossier.reference],
            ),
        },
    )


@back_office()
@require_POST
def soumettre_courrier(request, reference, pk):
    """Soumet l'aperçu à la signature (transition proposer_indemnisation ou proposer_rejet), une seule fois."""
    dossier = _dossier(request, reference)
    courrier = _courrier(dossier, pk)
    nom = decision.TRANSITION_DU_TYPE.get(courrier.type)
    if nom is None:
        raise Http404
    possibilite = _possibilite(dossier, request.user, nom)
    if not possibilite.possible:
        return _refus(request, dossier, possibilite.raison)
    try:
        decision.soumettre(dossier, request.user, courrier.pk)
    except TransitionInterdite as refus:
        return _refus(request, dossier, refus.raison)
    if courrier.type == TypeCourrier.PROPOSITION:
        messages.success(request, "La proposition d’indemnisation est transmise à la signature d’un validateur.")
    else:
        messages.success(request, "La décision de rejet est transmise à la signature d’un validateur.")
    return redirect(_url_fiche(dossier))


@back_office()
@require_GET
def courrier_pdf(request, reference, pk):
    """Le PDF du courrier (aperçu non signé, ou PDF figé une fois signé) ; 202 tant qu'il est en préparation."""
    dossier = _dossier(request, reference)
    courrier = _courrier(dossier, pk)
    if not courrier.pdf_pret:
        if courrier.remplace:  # un aperçu remplacé n'est plus produit
            raise Http404
        confier(generer_courrier, courrier.pk)
        courrier.refresh_from_db(fields=["fichier", "sha256"])
        if not courrier.pdf_pret:
            return reponse_en_preparation(
                request, courrier.get_type_display(), _url_courrier(dossier, courrier), "Retour au courrier"
            )
    return reponse_telechargement(courrier.fichier.name, courrier.nom_fichier, "application/pdf")

"""Page de décision de l'usager : lire la décision signée, accepter ou refuser une proposition d'indemnisation.

- Rejet : le courrier signé, le motif en mots simples, le recours (tribunal administratif, deux mois).
- Proposition : le courrier signé, le montant, « Accepter » (déclaration d'acceptation relue, IBAN confirmé ou
  corrigé, case cochée : déclaration signée en ligne, rien à imprimer) ou « Refuser » (raison facultative).

Portée : les seuls dossiers de l'usager connecté (404 sinon), et seulement une décision SIGNÉE (un dossier dont la
décision n'est pas encore signée n'a pas de page de décision : 404). Aucun champ de la déclaration des forces de
l'ordre n'est lu. Double clic : la transition n'a lieu qu'une fois (UPDATE conditionnel), le second envoi lit
« votre réponse est déjà enregistrée » et rien ne change.
"""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from portail.formulaires import FormulaireDsfr
from portail.permissions import usager_requis
from portail.reseau import ip_client
from portail.utils import ajouter_mois
from portail.validateurs import iban_lisible, normaliser_iban, valider_iban
from precontentieux import signature
from precontentieux.enums import ETATS_DECISION_RENDUE, StatutDossier
from precontentieux.models import Dossier, TransitionInterdite

S = StatutDossier
LONGUEUR_RAISON_MAX = 2000


# --- Formulaires ---------------------------------------------------------------------------------


class AcceptationForm(FormulaireDsfr):
    iban = forms.CharField(
        label="IBAN du compte sur lequel verser l’indemnisation",
        max_length=50,
        validators=[valider_iban],
        help_text="Celui de votre demande est déjà inscrit : corrigez-le s’il a changé. Il figure sur votre RIB. "
        "Exemple : FR76 3000 6000 0112 3456 7890 189",
        error_messages={"required": "Indiquez l’IBAN du compte sur lequel verser l’indemnisation."},
    )
    accepte = forms.BooleanField(
        label="J’ai lu la déclaration d’acceptation ci-dessus, j’accepte la somme proposée et je signe cette "
        "déclaration",
        error_messages={"required": "Cochez la case pour accepter la proposition et signer la déclaration."},
    )

    def clean_iban(self):
        return normaliser_iban(self.cleaned_data["iban"])


class RefusForm(FormulaireDsfr):
    raison = forms.CharField(
        label="Pourquoi refusez-vous cette proposition ?",
        required=False,
        max_length=LONGUEUR_RAISON_MAX,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Facultatif. Votre réponse est transmise au ministère de la Justice.",
        error_messages={"max_length": f"Votre texte ne doit pas dépasser {LONGUEUR_RAISON_MAX} caractères."},
    )
    confirme = forms.BooleanField(
        label="Je refuse définitivement cette proposition : je sais que rien ne me sera versé",
        error_messages={"required": "Cochez la case pour confirmer votre refus, qui est définitif."},
    )


# --- Ce que la page montre -----------------------------------------------------------------------


def date_limite_contestation(dossier):
    """Deux mois à compter du lendemain de la réception de la décision (reçue le jour de sa signature et de son
    envoi par courriel) : date indicative, la notification faisant foi."""
    if dossier.decision_signee_le is None:
        return None
    from django.utils import timezone

    return ajouter_mois(timezone.localdate(dossier.decision_signee_le), 2)


def courrier_signe(dossier, type_courrier):
    """Le courrier actif du type, seulement s'il est signé : l'usager ne voit jamais un courrier non signé."""
    from precontentieux.courriers import courrier_actif

    courrier = courrier_actif(dossier, type_courrier)
    return courrier if courrier is not None and courrier.signe_le is not None else None


def _type(nom):
    from precontentieux.courriers import TypeCourrier

    return getattr(TypeCourrier, nom)


def _dossier_decide(request, reference):
    """Le dossier de l'usager connecté, s'il a une décision rendue (signée) ; 404 sinon."""
    dossier = get_object_or_404(Dossier.objects.visibles_par(request.user), reference=reference)
    if dossier.statut not in ETATS_DECISION_RENDUE:
        raise Http404("Aucune décision n’a encore été rendue sur cette demande.")
    return dossier


def contexte_decision(dossier):
    est_rejet = dossier.statut == S.REJETE
    courrier = courrier_signe(dossier, _type("REJET") if est_rejet else _type("PROPOSITION"))
    acceptation = None
    if dossier.statut not in (S.REJETE, S.PROPOSITION_ENVOYEE, S.PROPOSITION_REFUSEE):
        acceptation = courrier_signe(dossier, _type("ACCEPTATION"))
    from precontentieux.courriers import rendre_html

    return {
        "dossier": dossier,
        "est_rejet": est_rejet,
        "courrier": courrier,
        # Le texte du courrier SIGNÉ (fragment du même gabarit que le PDF figé), jamais un aperçu.
        "apercu": rendre_html(courrier) if courrier is not None else "",
        "motif": explication_motif(courrier) if est_rejet and courrier else None,
        "acceptation": acceptation,
        "reponse_attendue": dossier.statut == S.PROPOSITION_ENVOYEE,
        "date_limite_contestation": date_limite_contestation(dossier),
    }


def explication_motif(courrier):
    """Le motif du rejet en mots simples (table `usagers.motifs`)."""
    from usagers.motifs import explication

    donnees = courrier.donnees or {}
    return explication(donnees.get("motif", ""), donnees.get("texte", ""))


def corps_acceptation(dossier, iban=""):
    """Contexte du texte de la déclaration d'acceptation (le même sur la page et dans le PDF signé)."""
    from precontentieux.acceptation import contexte_declaration

    return contexte_declaration(dossier, iban=iban)


# --- Vues ----------------------------------------------------------------------------------------


def _url_decision(dossier):
    return reverse("usagers:decision", args=[dossier.reference])


def _deja_repondu(request, dossier):
    messages.info(request, "Votre réponse à cette proposition est déjà enregistrée : elle ne peut plus être modifiée.")
    return redirect(_url_decision(dossier))


@usager_requis
@require_GET
def decision(request, reference):
    dossier = _dossier_decide(request, reference)
    return render(request, "usagers/decision/decision.html", contexte_decision(dossier))


@usager_requis
@require_http_methods(["GET", "POST"])
def accepter(request, reference):
    dossier = _dossier_decide(request, reference)
    if dossier.statut != S.PROPOSITION_ENVOYEE:
        return _deja_repondu(request, dossier)
    status = 200
    if request.method == "POST":
        form = AcceptationForm(request.POST)
        if form.is_valid():
            try:
                signature.accepter_proposition(
                    dossier, request.user, iban=form.cleaned_data["iban"], ip=ip_client(request)
                )
            except TransitionInterdite:
                return _deja_repondu(request, dossier)
            messages.success(
                request,
                "Vous avez accepté la proposition : votre déclaration d’acceptation est signée et enregistrée. "
                "Le ministère de la Justice prépare le paiement ; vous recevrez un courriel le jour du virement.",
            )
            return redirect(_url_decision(dossier))
        status = 400
    else:
        form = AcceptationForm(initial={"iban": iban_lisible(dossier.iban) if dossier.iban else ""})
    return render(
        request,
        "usagers/decision/accepter.html",
        {
            "dossier": dossier,
            "form": form,
            "erreurs": form.resume_erreurs() if form.errors else [],
            **corps_acceptation(dossier),
        },
        status=status,
    )


@usager_requis
@require_http_methods(["GET", "POST"])
def refuser(request, reference):
    dossier = _dossier_decide(request, reference)
    if dossier.statut != S.PROPOSITION_ENVOYEE:
        return _deja_repondu(request, dossier)
    status = 200
    if request.method == "POST":
        form = RefusForm(request.POST)
        if form.is_valid():
            try:
                signature.refuser_proposition(dossier, request.user, form.cleaned_data["raison"])
            except TransitionInterdite:
                return _deja_repondu(request, dossier)
            messages.success(request, "Votre refus est enregistré et transmis au ministère de la Justice.")
            return redirect(_url_decision(dossier))
        status = 400
    else:
        form = RefusForm()
    return render(
        request,
        "usagers/decision/refuser.html",
        {
            "dossier": dossier,
            "form": form,
            "erreurs": form.resume_erreurs() if form.errors else [],
            "date_limite_contestation": date_limite_contestation(dossier),
        },
        status=status,
    )

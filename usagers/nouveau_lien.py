"""Nouveau lien d'invitation en libre-service, quand le lien reçu a expiré (ou a été perdu).

La personne indique l'adresse électronique à laquelle l'invitation a été envoyée. Pour chaque dossier
encore sans requérant dont la dernière invitation (non utilisée) a été envoyée à cette adresse, un nouveau
lien est créé et envoyé **à cette même adresse** (celle donnée par les forces de l'ordre) ; les anciens
liens non utilisés de ces dossiers cessent d'être valables. La page répond toujours la même chose, que
l'adresse soit connue ou non : elle ne révèle rien. Débit limité par adresse IP et par adresse saisie
(`LIMITES_DE_DEBIT["nouveau_lien"]`).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from portail.comptes.forms import MixinDsfr
from portail.limiteurs import consommer, reponse_429
from precontentieux.enums import StatutDossier
from precontentieux.models import Invitation

MESSAGE_ENVOYE = (
    "Si une invitation à demander une indemnisation a été envoyée à cette adresse, un nouveau lien personnel "
    "vient d’y être envoyé. Il peut mettre quelques minutes à arriver : pensez à vérifier vos courriers "
    "indésirables."
)


class DemandeNouveauLienForm(MixinDsfr):
    """Rendu DSFR des formulaires de compte ; la normalisation de la saisie vient de `MixinDsfr`."""

    courriel = forms.EmailField(
        label="Adresse électronique à laquelle l’invitation a été envoyée",
        help_text="Format attendu : nom@domaine.fr",
        max_length=254,
        error_messages={
            "required": "Indiquez l’adresse électronique à laquelle l’invitation a été envoyée.",
            "invalid": "Saisissez une adresse électronique valide, par exemple nom@domaine.fr.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


def renvoyer_liens(courriel):
    """Nouveaux liens pour les dossiers en attente invités à `courriel` ; renvoie le nombre envoyé."""
    from precontentieux.models import inviter_usager

    courriel = courriel.strip()
    envoyes = 0
    with transaction.atomic():
        candidates = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("dossier")
            .filter(
                courriel__iexact=courriel,
                utilisee_le__isnull=True,
                dossier__requerant__isnull=True,
                dossier__statut=StatutDossier.A_COMPLETER,
            )
            .order_by("dossier_id", "-cree_le")
        )
        derniere_par_dossier = {}
        for invitation in candidates:
            derniere_par_dossier.setdefault(invitation.dossier_id, invitation)
        maintenant = timezone.now()
        for invitation in derniere_par_dossier.values():
            # Un seul lien valable à la fois par dossier : les précédents non utilisés expirent.
            Invitation.objects.filter(
                dossier_id=invitation.dossier_id, utilisee_le__isnull=True, expire_le__gt=maintenant
            ).update(expire_le=maintenant)
            inviter_usager(
                invitation.dossier,
                courriel=invitation.courriel,
                civilite=invitation.civilite,
                nom=invitation.nom,
                prenom=invitation.prenom,
                telephone=invitation.telephone,
            )
            envoyes += 1
    return envoyes


@login_not_required
@require_http_methods(["GET", "POST"])
def nouveau_lien(request):
    form = DemandeNouveauLienForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            courriel = form.cleaned_data["courriel"].lower()
            if not consommer(request, "nouveau_lien", key=courriel):
                return reponse_429(request)
            renvoyer_liens(courriel)
            messages.success(request, MESSAGE_ENVOYE)
            return redirect("usagers:nouveau_lien")
        return render(request, "usagers/nouveau_lien.html", {"form": form}, status=400)
    return render(request, "usagers/nouveau_lien.html", {"form": form})

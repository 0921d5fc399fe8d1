"""Drapeau « contentieux » d'un dossier (docs/rgpd.md) : tant qu'il est posé, la purge RGPD n'anonymise jamais le
dossier ni son journal des consultations. Posé ou levé par un rédacteur, un validateur ou un gestionnaire, avec un
motif, journalisé dans l'historique ; une seule fois (UPDATE conditionnel) même en cas de double envoi."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from portail.enums import Role
from precontentieux.acces import back_office, dossier_visible
from precontentieux.forms import ContentieuxForm

ROLES_CONTENTIEUX = (Role.REDACTEUR, Role.VALIDATEUR, Role.GESTIONNAIRE)


def peut_signaler_contentieux(user):
    return user.a_role(*ROLES_CONTENTIEUX)


@back_office(*ROLES_CONTENTIEUX)
@require_http_methods(["GET", "POST"])
def contentieux(request, reference):
    dossier = dossier_visible(request, reference)
    poser = not dossier.en_contentieux
    titre = "Signaler un contentieux" if poser else "Lever le contentieux"
    if request.method == "POST":
        form = ContentieuxForm(request.POST)
        if form.is_valid():
            voulu = form.cleaned_data["action"] == "poser"
            if dossier.signaler_contentieux(request.user, form.cleaned_data["motif"], en_contentieux=voulu):
                messages.success(
                    request,
                    "Le dossier est marqué « en contentieux » : il ne sera pas purgé."
                    if voulu
                    else "Le contentieux est levé : le dossier suit de nouveau le calendrier de conservation.",
                )
            else:
                messages.info(request, "Cette action était déjà enregistrée.")
            return redirect(reverse("precontentieux:dossier", args=[dossier.reference]) + "#contentieux")
        status = 400
    else:
        form = ContentieuxForm(initial={"action": "poser" if poser else "lever"})
        status = 200
    return render(
        request,
        "precontentieux/dossier/contentieux.html",
        {"dossier": dossier, "form": form, "titre": titre, "poser": poser},
        status=status,
    )

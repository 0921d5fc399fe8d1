from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from portail.permissions import usager_requis
from precontentieux.models import Invitation

# Clé de session où l'invitation attend la connexion de l'usager (rattachement : espace usager).
CLE_SESSION_INVITATION = "invitation_jeton"


@usager_requis
def accueil(request):
    return render(request, "usagers/accueil.html")


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation(request, jeton):
    """Page du lien reçu par courriel. GET ne change rien (les antispams ouvrent les liens)."""
    invitation = Invitation.trouver(jeton)
    if invitation is None or invitation.est_utilisee or invitation.est_expiree:
        etat = "inconnue" if invitation is None else ("utilisee" if invitation.est_utilisee else "expiree")
        return render(
            request, "usagers/invitation_invalide.html", {"etat": etat}, status=404 if etat == "inconnue" else 410
        )
    if request.method == "POST":
        request.session[CLE_SESSION_INVITATION] = jeton
        return redirect("portail:connexion")
    return render(request, "usagers/invitation.html", {"invitation": invitation, "dossier": invitation.dossier})

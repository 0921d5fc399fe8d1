import secrets
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portail.codes import SaisieCodeForm, code_en_attente, verifier_code
from portail.enums import Fournisseur
from portail.fichiers import reponse_telechargement
from portail.models import ObjetCode
from portail.pagination import paginer
from portail.permissions import usager_requis
from precontentieux.enums import (
    ETATS_ECHANGES,
    ETATS_HORLOGE,
    OrigineDossier,
    QualiteRequerant,
    StatutDossier,
    TypeRequerant,
)
from precontentieux.instruction import message_en_attente_de_reponse, repondre_au_message, repondre_aux_complements
from precontentieux.models import Dossier, Invitation, PieceJointeDossier, TransitionInterdite
from precontentieux.pieces import AIDE_DOCUMENT_FORCES_DE_L_ORDRE
from usagers import complements, eligibilite, suivi
from usagers.eligibilite import CLE_SESSION_RESULTAT as CLE_SESSION_RESULTAT_ELIGIBILITE
from usagers.invitations import (
    CLE_SESSION_CODE_A_MONTRER,
    CLE_SESSION_CODE_INVITATION,
    CLE_SESSION_DOSSIER_RATTACHE,
    CLE_SESSION_INVITATION,
    CODE_REQUIS,
    PAS_USAGER,
    UTILISEE,
    demander_code,
    etat_invitation,
    masquer_adresse,
    message_echec,
    rattacher,
    tentative_autorisee,
)

__all__ = ["CLE_SESSION_INVITATION", "accueil", "demande", "invitation", "piece"]


def _mes_dossiers(request):
    # Portée : les seuls dossiers de l'usager connecté ; tout autre dossier est un 404.
    return Dossier.objects.visibles_par(request.user)


@usager_requis
@require_GET
def accueil(request):
    """« Mes demandes ». Juste après un rattachement par invitation, conduit une fois à la demande."""
    if request.session.pop(CLE_SESSION_CODE_A_MONTRER, False) and request.session.get(CLE_SESSION_CODE_INVITATION):
        # Juste après la connexion : l'invitation attend le code envoyé à l'adresse invitée.
        return redirect("usagers:invitation_code")
    reference = request.session.pop(CLE_SESSION_DOSSIER_RATTACHE, None)
    if reference and _mes_dossiers(request).filter(reference=reference).exists():
        return redirect("usagers:demande", reference=reference)
    page = paginer(request, _mes_dossiers(request).defer("brouillon").order_by("-cree_le", "-pk"))
    demandes = [
        {
            "dossier": dossier,
            "statut": suivi.statut_usager(dossier.statut),
            "action": suivi.action_attendue(dossier),
        }
        for dossier in page
    ]
    return render(
        request,
        "usagers/mes_demandes.html",
        {"demandes": demandes, "page_obj": page, "url_eligibilite": reverse("eligibilite:debut")},
    )


def _contexte_echanges(dossier, form=None):
    """Fil d'échanges avec le ministère (jamais les notes internes) et formulaire de réponse s'il est attendu."""
    echanges = list(dossier.messages.prefetch_related("pieces"))
    demande_en_cours = None
    reponse_attendue = dossier.statut == StatutDossier.ATTENTE_COMPLEMENTS
    if reponse_attendue:
        demande_en_cours = next((m for m in reversed(echanges) if not m.de_l_usager), None)
    elif dossier.statut in ETATS_ECHANGES and message_en_attente_de_reponse(dossier) is not None:
        # Message simple du rédacteur : l'usager peut répondre (message, documents), sans changer le statut.
        reponse_attendue = True
    return {
        "echanges": echanges,
        "reponse_attendue": reponse_attendue,
        "demande_en_cours": demande_en_cours,
        "types_reponse": complements.types_proposes(demande_en_cours),
        "form_reponse": form or complements.ReponseComplementsForm(),
        "erreurs_fichiers": form.erreurs_fichiers if form is not None else [],
    }


def _page_demande(request, dossier, form=None, status=200):
    contexte = {
        "dossier": dossier,
        "statut": suivi.statut_usager(dossier.statut),
        "action": suivi.action_attendue(dossier),
        "historique": suivi.historique(dossier, dossier.evenements.all()),
        "pieces": list(dossier.pieces.all()),
        "url_recepisse": suivi.url_recepisse(dossier),
        "delais_en_cours": bool(dossier.depose_le) and dossier.statut in ETATS_HORLOGE,
        **_contexte_echanges(dossier, form),
    }
    return render(request, "usagers/demande_detail.html", contexte, status=status)


@usager_requis
@require_GET
def demande(request, reference):
    dossier = get_object_or_404(_mes_dossiers(request), reference=reference)
    return _page_demande(request, dossier)


@usager_requis
@require_POST
def repondre(request, reference):
    """Réponse à une demande de compléments : message et documents → retour en instruction, rédacteur averti."""
    dossier = get_object_or_404(_mes_dossiers(request), reference=reference)
    contexte = _contexte_echanges(dossier)
    if not contexte["reponse_attendue"]:
        # Double envoi, autre onglet : la réponse est déjà arrivée (rien ne change).
        messages.info(request, "Aucune réponse n’est attendue pour cette demande en ce moment.")
        return redirect("usagers:demande", reference=reference)
    complements_attendus = dossier.statut == StatutDossier.ATTENTE_COMPLEMENTS
    types = complements.types_proposes(contexte["demande_en_cours"])
    form = complements.ReponseComplementsForm(request.POST, fichiers=complements.fichiers_postes(request, types))
    if not form.is_valid():
        return _page_demande(request, dossier, form=form, status=400)
    repondre_ = repondre_aux_complements if complements_attendus else repondre_au_message
    try:
        repondre_(dossier, request.user, form.cleaned_data["message"], form.fichiers_verifies)
    except TransitionInterdite as refus:
        messages.error(request, refus.raison)
        return redirect("usagers:demande", reference=reference)
    if complements_attendus:
        messages.success(
            request, "Votre réponse est envoyée au ministère de la Justice, qui reprend l’examen de votre demande."
        )
    else:
        messages.success(request, "Votre réponse est envoyée au ministère de la Justice.")
    return redirect(reverse("usagers:demande", args=[reference]) + "#echanges")


@usager_requis
@require_GET
def piece(request, reference, pk):
    """Téléchargement d'un document envoyé par l'usager, après vérification de la portée."""
    piece = get_object_or_404(
        PieceJointeDossier.objects.filter(dossier__in=_mes_dossiers(request)), dossier__reference=reference, pk=pk
    )
    if not piece.utilisable:  # en cours d'analyse antivirus ou infectée : jamais servie
        raise Http404("Document en cours d’analyse ou refusé.")
    return reponse_telechargement(piece.fichier.name, piece.nom, piece.type_mime)


# --- Invitation -----------------------------------------------------------------------------------


def _page_invalide(request, etat):
    statut = 404 if etat == "inconnue" else 410
    return render(request, "usagers/invitation_invalide.html", {"etat": etat}, status=statut)


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation(request, jeton):
    """Page du lien reçu par courriel. GET ne change rien (les antispams ouvrent les liens).

    Le POST range le jeton en session puis conduit vers FranceConnect, la création de compte ou la
    connexion ; le rattachement a lieu à la connexion (`usagers.signals`). Un usager déjà connecté
    rattache la demande tout de suite.
    """
    if not tentative_autorisee(request):
        return render(request, "429.html", status=429)
    invitation = Invitation.trouver(jeton)
    etat = etat_invitation(invitation)
    user = request.user
    if etat == UTILISEE and user.is_authenticated and invitation.utilisee_par_id == user.pk:
        # L'usager rouvre son propre lien : on le conduit simplement à sa demande (rien ne change).
        if invitation.dossier.requerant_id == user.pk:
            return redirect("usagers:demande", reference=invitation.dossier.reference)
    if etat:
        return _page_invalide(request, etat)
    if request.method == "GET":
        contexte = {
            "invitation": invitation,
            "adresse_masquee": masquer_adresse(invitation.courriel),
            "dossier": invitation.dossier,
            "connecte": user.is_authenticated,
            "est_usager": user.is_authenticated and user.est_usager,
        }
        return render(request, "usagers/invitation.html", contexte)

    if user.is_authenticated:
        if not user.est_usager:
            messages.warning(request, message_echec(PAS_USAGER))
            return redirect("portail:apres_connexion")
        resultat = rattacher(jeton, user)
        if resultat.raison == CODE_REQUIS:
            demander_code(request, user, resultat.invitation, jeton)
            return redirect("usagers:invitation_code")
        if not resultat.reussi:
            messages.warning(request, message_echec(resultat.raison))
            return redirect("usagers:accueil")
        messages.success(
            request, f"Votre demande n° {resultat.dossier.reference} est maintenant rattachée à votre compte."
        )
        return redirect("usagers:demande", reference=resultat.dossier.reference)

    request.session[CLE_SESSION_INVITATION] = jeton
    action = request.POST.get("action")
    if action == "franceconnect":
        return redirect("oidc:connexion", Fournisseur.FRANCECONNECT)
    if action == "inscription":
        # Formulaire d'inscription pré-rempli avec l'adresse donnée par l'agent (paramètre lu par allauth).
        return redirect(f"{reverse('account_signup')}?{urlencode({'email': invitation.courriel})}")
    if action == "connexion":
        return redirect("account_login")
    return redirect("portail:connexion")


@usager_requis
@require_http_methods(["GET", "POST"])
def invitation_code(request):
    """Code à usage unique envoyé à l'adresse invitée, quand elle n'est pas une adresse prouvée du compte.

    Le code est lié au compte connecté et à l'invitation : un autre compte, une autre invitation, un code
    expiré, déjà utilisé ou essayé trop de fois ne rattachent rien (portail/codes.py)."""
    jeton = request.session.get(CLE_SESSION_CODE_INVITATION)
    invitation = Invitation.trouver(jeton) if jeton else None
    if invitation is None:
        return redirect("usagers:accueil")
    etat = etat_invitation(invitation)
    if etat:
        request.session.pop(CLE_SESSION_CODE_INVITATION, None)
        return _page_invalide(request, etat)
    form = SaisieCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "annuler":
            request.session.pop(CLE_SESSION_CODE_INVITATION, None)
            messages.info(request, "La demande n’a pas été rattachée à votre compte. Votre lien reste valable.")
            return redirect("usagers:accueil")
        if action == "renvoyer":
            if demander_code(request, request.user, invitation, jeton):
                messages.success(request, "Un nouveau code vient d’être envoyé. Le précédent n’est plus valable.")
            return redirect("usagers:invitation_code")
        if form.is_valid():
            verification = verifier_code(
                request.user, ObjetCode.INVITATION, form.cleaned_data["code"], cible=invitation.pk
            )
            if verification.reussie:
                resultat = rattacher(jeton, request.user, code_verifie=True)
                request.session.pop(CLE_SESSION_CODE_INVITATION, None)
                if not resultat.reussi:
                    messages.warning(request, message_echec(resultat.raison))
                    return redirect("usagers:accueil")
                messages.success(
                    request, f"Votre demande n° {resultat.dossier.reference} est maintenant rattachée à votre compte."
                )
                return redirect("usagers:demande", reference=resultat.dossier.reference)
            form.add_error("code", verification.message)
        status = 400
    en_attente = code_en_attente(request.user, ObjetCode.INVITATION, cible=invitation.pk)
    return render(
        request,
        "usagers/invitation_code.html",
        {
            "form": form,
            "adresse_masquee": masquer_adresse(invitation.courriel),
            "dossier": invitation.dossier,
            "code_en_attente": en_attente,
        },
        status=status,
    )


# Jeton à usage unique du formulaire « Commencer ma demande » : un double clic ne crée qu'un dossier.
CLE_SESSION_JETON_NOUVELLE_DEMANDE = "jeton_nouvelle_demande"
QUALITES_ELIGIBILITE = {
    "proprietaire_occupant": QualiteRequerant.PROPRIETAIRE_OCCUPANT,
    "locataire": QualiteRequerant.LOCATAIRE,
    "proprietaire_bailleur": QualiteRequerant.PROPRIETAIRE_BAILLEUR,
}

# Réponse « assurance » du test d'éligibilité → « Le logement était-il assuré ? » (avoir contacté son assureur
# suppose d'en avoir un ; « pas encore contacté » reste sans pré-remplissage).
ASSURANCE_ELIGIBILITE = {
    eligibilite.ATTESTATION: True,
    eligibilite.SANS_ATTESTATION: True,
    eligibilite.SANS_ASSURANCE: False,
}


@usager_requis
@require_http_methods(["GET", "POST"])
def nouvelle_demande(request):
    """Demande sans invitation (avis papier remis par les forces de l'ordre, ou rien)."""
    resultat = request.session.get(CLE_SESSION_RESULTAT_ELIGIBILITE) or {}
    if request.method == "POST":
        jeton = request.session.pop(CLE_SESSION_JETON_NOUVELLE_DEMANDE, None)
        # Comparaison en octets : un jeton posté non ASCII ne lève pas d'erreur (compare_digest refuse ces chaînes).
        poste = request.POST.get("jeton", "").encode()
        if not jeton or not secrets.compare_digest(jeton.encode(), poste):
            # Formulaire déjà envoyé (double clic, rejeu) : on reprend la demande commencée, sans en créer d'autre.
            recente = _mes_dossiers(request).filter(statut=StatutDossier.A_COMPLETER).order_by("-cree_le").first()
            if recente:
                return redirect("usagers:completer", reference=recente.reference)
            return redirect("usagers:nouvelle_demande")
        refus = Dossier.refus_quota_demandes(request.user)
        if refus:
            messages.error(request, refus)
            return redirect("usagers:nouvelle_demande")
        champs = {"requerant": request.user, "acteur": request.user}
        if resultat.get("personne_morale"):
            champs["type_requerant"] = TypeRequerant.PERSONNE_MORALE
        elif resultat.get("statut") in QUALITES_ELIGIBILITE:
            champs["type_requerant"] = TypeRequerant.PERSONNE_PHYSIQUE
            champs["qualite"] = QUALITES_ELIGIBILITE[resultat["statut"]]
        # « Je n'ai pas d'assurance pour ce logement » : la question de l'étape 1 est pré-remplie (modifiable).
        # Réponses au test d'éligibilité, montrées aux agents sur la fiche du dossier (issue 8).
        champs["reponses_eligibilite"] = eligibilite.reponses_a_conserver(resultat.get("reponses"))
        assurance = (resultat.get("reponses") or {}).get("assurance")
        if assurance in ASSURANCE_ELIGIBILITE:
            champs["logement_assure"] = ASSURANCE_ELIGIBILITE[assurance]
        dossier = Dossier.creer(origine=OrigineDossier.USAGER, **champs)
        messages.success(request, f"Votre demande {dossier.reference} est créée. Complétez-la puis déposez-la.")
        return redirect("usagers:completer", reference=dossier.reference)
    request.session[CLE_SESSION_JETON_NOUVELLE_DEMANDE] = jeton = secrets.token_urlsafe(16)
    return render(
        request,
        "usagers/nouvelle_demande.html",
        {
            "jeton": jeton,
            "issue_eligibilite": resultat.get("issue", ""),
            "url_eligibilite": reverse("eligibilite:debut"),
            "aide_document_fdo": AIDE_DOCUMENT_FORCES_DE_L_ORDRE,
            "refus_quota": Dossier.refus_quota_demandes(request.user),
        },
    )

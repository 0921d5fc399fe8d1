from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from declarations.assistant import (
    FORMULAIRES,
    BrouillonSupprime,
    DeclarationEnvoyee,
    StockageDeclaration,
    colonnes_depuis_brouillon,
)
from declarations.enums import StatutDeclaration
from declarations.forms import ETAPES, InvitationUsagerForm, url_faq
from declarations.models import (
    Declaration,
    DeclarationIncomplete,
    DeclarationVerrouillee,
    PieceJointeDeclaration,
    envoyer_declaration,
    inviter_usager,
)
from declarations.suivi import avancement, invitation_possible
from faq.models import Entree, Rubrique
from portail.assistants import Assistant
from portail.enums import Role
from portail.fichiers import FichierRefuse, enregistrer_prive, recevoir_fichier, reponse_telechargement, supprimer_prive
from portail.limiteurs import DebitDepasse
from portail.pagination import paginer
from portail.permissions import agent_requis, role_requis
from precontentieux.models import Invitation

ETAPE_CONFIRMATION = "confirmation"
ETAPE_PIECES = "service-enqueteur"
ETAPE_ENVOI = ETAPES[-1][0]
NOMBRE_MAX_PIECES = 20

MESSAGE_VERROUILLEE = DeclarationEnvoyee.message_page


def _url_etape(pk, etape):
    return reverse("declarations:etape", kwargs={"pk": pk, "step": etape})


def _declarations(request):
    return Declaration.objects.de_l_agent(request.user)


def _refuser_envoyee(request, declaration):
    messages.info(request, MESSAGE_VERROUILLEE)
    return redirect("declarations:voir", pk=declaration.pk)


@role_requis(Role.FORCES_DE_L_ORDRE)
def accueil(request):
    return render(request, "declarations/accueil.html")


@role_requis(Role.FORCES_DE_L_ORDRE)
@require_http_methods(["GET", "POST"])
def nouvelle(request):
    """« Quand faire une déclaration en ligne ? » puis création du brouillon (POST seulement)."""
    if request.method == "POST":
        declaration = Declaration.objects.create(agent=request.user)
        return redirect(_url_etape(declaration.pk, ETAPES[0][0]))
    brouillons = _declarations(request).brouillons().count()
    return render(request, "declarations/nouvelle.html", {"brouillons_en_cours": brouillons})


class AssistantDeclaration(Assistant):
    """Les trois étapes du guide ; le moteur commun est `portail.assistants.Assistant`."""

    form_list = ETAPES
    template_name = "declarations/assistant/etape.html"
    prefixe = "declaration"
    nom_url = "declarations:etape"
    nom_url_brouillon = "declarations:brouillon"
    etape_finale = ETAPE_CONFIRMATION
    etape_pieces = ETAPE_PIECES
    libelle_pieces = "Documents justificatifs"
    message_session = "Votre session a expiré. Reconnectez-vous pour continuer votre déclaration."
    message_quitter = "Votre brouillon est enregistré. Vous pourrez le reprendre depuis « Mes déclarations »."
    url_quitter = "declarations:mes_declarations"
    garde = staticmethod(agent_requis)

    def charger(self, request, cle):
        # Le rôle est vérifié dans la requête même qui lit la déclaration (une requête de moins par
        # enregistrement automatique) ; sans le rôle : 403, comme les autres pages des forces de l'ordre.
        declaration = Declaration.objects.filter(
            pk=cle, agent=request.user, agent__groups__name=Role.FORCES_DE_L_ORDRE
        ).first()
        if declaration is None:
            if not request.user.a_role(Role.FORCES_DE_L_ORDRE):
                raise PermissionDenied
            raise Http404
        self.declaration = declaration
        return declaration

    def indisponible(self):
        return DeclarationEnvoyee() if self.declaration.est_envoyee else None

    def creer_stockage(self):
        return StockageDeclaration(self.prefixe, self.request, objet=self.declaration)

    def url_refus(self, refus):
        if isinstance(refus, BrouillonSupprime):
            return reverse("declarations:mes_declarations")
        return reverse("declarations:voir", args=[self.declaration.pk])

    def valeurs_initiales(self, step):
        return {"courriel_agent": self.request.user.email} if step == ETAPE_PIECES else {}

    def retirer_piece(self, identifiant):
        piece = get_object_or_404(self.declaration.pieces.all(), pk=identifiant)
        nom_stockage = piece.fichier.name
        retirees, _ = PieceJointeDeclaration.objects.filter(
            pk=piece.pk, declaration__statut=StatutDeclaration.BROUILLON
        ).delete()
        if not retirees:
            raise DeclarationEnvoyee
        transaction.on_commit(lambda: supprimer_prive(nom_stockage))
        return piece.nom_original

    def televerser(self):
        """Documents justificatifs (étape 2) : vérifiés par leur contenu, refusés une fois la déclaration envoyée."""
        erreurs, ajoutes = [], 0
        deja = self.declaration.pieces.count()
        for fichier in self.request.FILES.getlist("pieces"):
            if deja + ajoutes >= NOMBRE_MAX_PIECES:
                erreurs.append(f"Vous ne pouvez pas joindre plus de {NOMBRE_MAX_PIECES} documents.")
                break
            try:
                verifie = recevoir_fichier(fichier, self.request.user, pieces=self.declaration.pieces.all())
            except FichierRefuse as refus:
                erreurs.append(refus.message_affiche)
                continue
            nom_stockage = enregistrer_prive(verifie, "declarations")
            try:
                with transaction.atomic():
                    PieceJointeDeclaration.objects.create(
                        declaration=self.declaration,
                        fichier=nom_stockage,
                        nom_original=verifie.nom,
                        type_mime=verifie.type_mime,
                        taille=verifie.taille,
                    )
            except DatabaseError:
                # Déclaration envoyée entre-temps : la base refuse l'ajout.
                supprimer_prive(nom_stockage)
                raise DeclarationEnvoyee from None
            ajoutes += 1
        return ajoutes, erreurs

    def contexte_etape(self, step, form):
        return {
            "declaration": self.declaration,
            "url_faq": url_faq(),
            # Les cas particuliers de la FAQ des forces de l'ordre (modifiables dans l'admin), à l'étape 1.
            "questions_faq": (
                list(Entree.objects.publiees().filter(rubrique=Rubrique.FORCES_DE_L_ORDRE).only("question", "slug"))
                if step == self.steps.first
                else []
            ),
            "pieces": list(self.declaration.pieces.all()) if step in (ETAPE_PIECES, ETAPE_ENVOI) else [],
            # Étape 3 : récapitulatif des étapes 1 et 2 (avec les documents joints) au-dessus du bouton « Envoyer ».
            "recapitulatif": self.declaration.recapitulatif()[:-1] if step == ETAPE_ENVOI else [],
        }

    def apres_etape_valide(self, step, form):
        # « Envoyer » (étape 3) termine la déclaration, comme le dit le guide : pas de page de relecture.
        if step == ETAPE_ENVOI:
            return self.envoyer()
        return super().apres_etape_valide(step, form)

    def afficher_fin(self):
        # Ancienne page de relecture (favori, onglet resté ouvert) : le récapitulatif est à l'étape 3.
        return redirect(self.get_step_url(ETAPE_ENVOI))

    terminer = afficher_fin

    def envoyer(self):
        request = self.request
        _, correction = self.verifier_les_etapes("Certaines informations sont manquantes ou à corriger avant l’envoi.")
        if correction:
            return correction
        try:
            with transaction.atomic():
                # Les colonnes reflètent exactement le brouillon validé, puis la transition d'envoi (une seule fois).
                modifiees = Declaration.objects.filter(
                    pk=self.declaration.pk, version=self.declaration.version, statut=StatutDeclaration.BROUILLON
                ).update(**colonnes_depuis_brouillon(self.storage.data))
                if modifiees != 1:
                    raise DeclarationVerrouillee
                declaration = envoyer_declaration(self.declaration.pk, request.user, limiter_invitations=True)
        except DeclarationVerrouillee:
            return self.refuser(DeclarationEnvoyee())
        except DeclarationIncomplete as incomplete:
            messages.error(request, "Informations manquantes : " + ", ".join(incomplete.champs) + ".")
            return redirect(self.get_step_url(_etape_du_champ(incomplete.champs)) + "?verifier=1")
        except DebitDepasse as refus:
            messages.error(request, str(refus))
            return redirect(self.get_step_url(ETAPE_CONFIRMATION))
        texte = f"Votre déclaration {declaration.reference} a été envoyée."
        if declaration.coordonnees_usager:
            texte += " Un courriel invite l’usager à compléter sa demande d’indemnisation."
        messages.success(request, texte)
        return redirect("declarations:voir", pk=declaration.pk)


def _etape_du_champ(libelles):
    for etape, formulaire in ETAPES:
        for champ in formulaire.base_fields.values():
            if str(champ.label) in libelles:
                return etape
    return ETAPES[0][0]


@role_requis(Role.FORCES_DE_L_ORDRE)
def reprendre(request, pk):
    declaration = get_object_or_404(_declarations(request), pk=pk)
    if declaration.est_envoyee:
        return redirect("declarations:voir", pk=pk)
    etape = (declaration.brouillon or {}).get("step")
    return redirect(_url_etape(pk, etape if etape in FORMULAIRES else ETAPES[0][0]))


@role_requis(Role.FORCES_DE_L_ORDRE)
def mes_declarations(request):
    declarations = (
        _declarations(request)
        .avec_avancement(sans=("brouillon",))
        .prefetch_related(Prefetch("dossier__invitations", queryset=Invitation.objects.order_by("-cree_le")))
        .order_by("-modifie_le", "-pk")
    )
    page = paginer(request, declarations)
    # Invitation à (r)envoyer (expirée, ou coordonnées de l'usager à ajouter) : lien direct vers le formulaire.
    lignes = [(d, avancement(d), invitation_possible(d)) for d in page]
    return render(request, "declarations/mes_declarations.html", {"lignes": lignes, "page_obj": page})


def _page_declaration(request, declaration, form=None, status=200):
    recapitulatif = None
    dossier = declaration.dossier
    invitations = list(dossier.invitations.order_by("-cree_le")) if dossier else []
    if declaration.est_envoyee and invitation_possible(declaration, invitations) and form is None:
        form = InvitationUsagerForm(
            initial={
                "civilite": declaration.usager_civilite,
                "nom": declaration.usager_nom,
                "prenom": declaration.usager_prenom,
                "telephone": declaration.usager_telephone,
                "courriel": declaration.usager_courriel,
            }
            if invitations
            else None
        )
    recapitulatif = declaration.recapitulatif()
    return render(
        request,
        "declarations/voir.html",
        {
            "declaration": declaration,
            "recapitulatif": recapitulatif,
            "avancement": avancement(declaration, invitations),
            "invitations": invitations,
            "form": form if declaration.est_envoyee and invitation_possible(declaration, invitations) else None,
            "pieces": list(declaration.pieces.all()),
        },
        status=status,
    )


@role_requis(Role.FORCES_DE_L_ORDRE)
def voir(request, pk):
    declaration = get_object_or_404(_declarations(request).avec_avancement(), pk=pk)
    return _page_declaration(request, declaration)


@role_requis(Role.FORCES_DE_L_ORDRE)
@require_POST
def inviter(request, pk):
    """Coordonnées ajoutées après l'envoi, ou invitation expirée renvoyée : nouvelle invitation + courriel.
    La déclaration elle-même reste intacte (immuable)."""
    declaration = get_object_or_404(_declarations(request).avec_avancement(), pk=pk)
    if not declaration.est_envoyee:
        messages.info(request, "Renseignez les coordonnées de l’usager à l’étape 3 du brouillon.")
        return redirect(_url_etape(pk, "usager"))
    invitations = list(declaration.dossier.invitations.order_by("-cree_le"))
    if not invitation_possible(declaration, invitations):
        messages.info(request, "Une invitation valide est déjà en cours, ou l’usager a déjà rejoint son dossier.")
        return redirect("declarations:voir", pk=pk)
    form = InvitationUsagerForm(request.POST)
    if not form.is_valid():
        return _page_declaration(request, declaration, form=form, status=400)
    try:
        with transaction.atomic():
            inviter_usager(declaration.dossier, **form.cleaned_data, agent=request.user)
    except DebitDepasse as refus:
        form.add_error(None, str(refus))
        return _page_declaration(request, declaration, form=form, status=429)
    messages.success(request, f"Une invitation a été envoyée à {form.cleaned_data['courriel']}.")
    return redirect("declarations:voir", pk=pk)


@role_requis(Role.FORCES_DE_L_ORDRE)
@require_http_methods(["GET", "POST"])
def supprimer(request, pk):
    declaration = get_object_or_404(_declarations(request), pk=pk)
    if declaration.est_envoyee:
        messages.info(request, "Une déclaration envoyée ne peut pas être supprimée.")
        return redirect("declarations:voir", pk=pk)
    if request.method == "POST":
        fichiers = list(declaration.pieces.values_list("fichier", flat=True))
        # Suppression conditionnelle : si l'envoi est passé entre-temps (autre onglet), rien n'est supprimé.
        supprimees, _ = Declaration.objects.filter(pk=pk, statut=StatutDeclaration.BROUILLON).delete()
        if not supprimees:
            return _refuser_envoyee(request, declaration)
        for nom in fichiers:
            transaction.on_commit(lambda nom=nom: supprimer_prive(nom))
        messages.success(request, "Le brouillon a été supprimé.")
        return redirect("declarations:mes_declarations")
    return render(request, "declarations/supprimer.html", {"declaration": declaration})


@role_requis(Role.FORCES_DE_L_ORDRE)
def piece(request, pk, piece_pk):
    """Téléchargement d'un document joint, par l'agent auteur de la déclaration seulement."""
    declaration = get_object_or_404(_declarations(request), pk=pk)
    piece = get_object_or_404(declaration.pieces.all(), pk=piece_pk)
    if not piece.utilisable:  # en cours d'analyse antivirus ou infectée : jamais servie
        raise Http404("Document en cours d’analyse ou refusé.")
    return reponse_telechargement(piece.fichier.name, piece.nom_original, piece.type_mime)


@role_requis(Role.FORCES_DE_L_ORDRE)
@require_http_methods(["GET", "POST"])
def reinviter(request, pk):
    """« Détacher et réinviter » depuis « Mes déclarations » : la déclaration de l'agent seulement (404 sinon).

    Écran de confirmation (conséquences, adresse, motif) ; le POST appelle `Dossier.detacher_et_reinviter`
    (transition journalisée avec l'agent et le motif). Refusé une fois la demande déposée (docs/usagers.md)."""
    from precontentieux.forms import ReinvitationForm
    from precontentieux.instruction import DejaEnvoye, consommer_jeton, nouveau_jeton
    from precontentieux.models import Dossier, TransitionInterdite

    declaration = get_object_or_404(_declarations(request), pk=pk, dossier__isnull=False)
    # Le dossier relu en entier (le verbe le verrouille et l'écrit) ; l'agent n'en voit que l'avancement.
    dossier = Dossier.objects.get(pk=declaration.dossier_id)
    possible, raison = dossier.refus("detacher_et_reinviter", request.user)
    derniere = dossier.invitations.order_by("-cree_le", "-pk").first()
    status = 200
    if request.method == "POST" and possible:
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
                messages.error(request, getattr(refus, "raison", str(refus)))
            else:
                messages.success(
                    request, f"La demande est détachée et une nouvelle invitation est envoyée à {courriel}."
                )
            return redirect("declarations:mes_declarations")
        status = 400
    elif request.method == "POST":
        messages.error(request, raison)
        return redirect("declarations:mes_declarations")
    else:
        form = ReinvitationForm(initial={"jeton": nouveau_jeton(), "courriel": derniere.courriel if derniere else ""})
    return render(
        request,
        "declarations/reinviter.html",
        {
            "declaration": declaration,
            "dossier": dossier,
            "form": form,
            "possible": possible,
            "raison": raison,
            "derniere_invitation": derniere,
        },
        status=status,
    )

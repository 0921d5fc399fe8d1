from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.db import DatabaseError, transaction
from django.db.models import Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from formtools.wizard.views import NamedUrlWizardView

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
from declarations.wizard import (
    FORMULAIRES,
    BrouillonStorage,
    BrouillonSupprime,
    ConflitDeVersion,
    colonnes_depuis_brouillon,
    donnees_brutes,
)
from faq.models import Entree, Rubrique
from portail.assistants import (
    AssistantBrouillonMixin,
    reponse_conflit,
    reponse_enregistree,
    reponse_etape_inconnue,
    resume_erreurs,
    valeurs_brutes,
)
from portail.enums import Role
from portail.fichiers import FichierRefuse, enregistrer_prive, reponse_telechargement, supprimer_prive, verifier_fichier
from portail.limiteurs import DebitDepasse
from portail.permissions import role_requis
from precontentieux.models import Invitation

ETAPE_CONFIRMATION = "confirmation"
ETAPE_PIECES = "service-enqueteur"
NOMBRE_MAX_PIECES = 20
# Saisie postée alors que la session avait expiré : gardée dans la nouvelle session, rejouée après connexion.
CLE_SAISIE_EN_ATTENTE = "declaration_saisie_en_attente"

MESSAGE_VERROUILLEE = DeclarationVerrouillee.message + " Vous pouvez la consulter ci-dessous."


def _url_etape(pk, etape):
    return reverse("declarations:etape", kwargs={"pk": pk, "step": etape})


def _declarations(request):
    return Declaration.objects.de_l_agent(request.user)


def _refuser_envoyee(request, declaration):
    messages.info(request, MESSAGE_VERROUILLEE)
    return redirect("declarations:voir", pk=declaration.pk)


def agent_fdo_saisie_conservee(vue):
    """Réservé aux forces de l'ordre ; si la session a expiré pendant la saisie, la saisie postée est
    conservée dans la nouvelle session puis enregistrée dans le brouillon dès la reconnexion."""

    vue_protegee = role_requis(Role.FORCES_DE_L_ORDRE)(vue)

    @login_not_required
    @wraps(vue)
    def enveloppe(request, *args, **kwargs):
        if request.user.is_authenticated:
            return vue_protegee(request, *args, **kwargs)
        etape = kwargs.get("step") or request.POST.get("etape")
        if etape not in FORMULAIRES:
            etape = ETAPES[0][0]
        suite = _url_etape(kwargs["pk"], etape)
        if request.method == "POST":
            request.session[CLE_SAISIE_EN_ATTENTE] = {
                "pk": kwargs["pk"],
                "etape": etape,
                "donnees": donnees_brutes(etape, request.POST),
            }
        if request.path.endswith("/brouillon/"):
            connexion = redirect_to_login(suite)["Location"]
            return JsonResponse(
                {
                    "motif": "session",
                    "erreur": "Votre session a expiré. Votre saisie est conservée : reconnectez-vous pour "
                    "l’enregistrer dans le brouillon.",
                    "connexion": connexion,
                },
                status=401,
            )
        return redirect_to_login(suite)

    return enveloppe


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


@method_decorator(never_cache, name="dispatch")
@method_decorator(agent_fdo_saisie_conservee, name="dispatch")
class AssistantDeclaration(AssistantBrouillonMixin, NamedUrlWizardView):
    """Les trois étapes du guide. Le stockage formtools est le brouillon en base (`BrouillonStorage`)."""

    form_list = ETAPES
    template_name = "declarations/assistant/etape.html"
    prefixe = "declaration"

    def dispatch(self, request, *args, **kwargs):
        self.declaration = get_object_or_404(_declarations(request), pk=kwargs["pk"])
        if self.declaration.est_envoyee:
            return _refuser_envoyee(request, self.declaration)
        storage = BrouillonStorage(self.prefixe, request, declaration=self.declaration)
        return self.demarrer(request, storage, *args, **kwargs)

    def get_step_url(self, step):
        return _url_etape(self.declaration.pk, step)

    def get_form_initial(self, step):
        initial = {}
        if step == "service-enqueteur":
            initial["courriel_agent"] = self.request.user.email
        # Le formulaire affiché sans validation reprend la saisie brute du brouillon.
        initial.update(valeurs_brutes(FORMULAIRES[step], step, self.storage.get_step_data(step) or {}))
        return initial

    def formulaire(self, step, valider=False):
        if valider:
            return self.get_form(step, data=self.storage.get_step_data(step) or {})
        return self.get_form(step)

    # Lecture : jamais d'écriture sur GET, pas d'erreur affichée sauf après un envoi refusé (?verifier).
    def get(self, request, *args, **kwargs):
        step = kwargs["step"]
        if step == ETAPE_CONFIRMATION:
            return self.confirmation()
        if step not in self.get_form_list():
            raise Http404
        self.rejouer_saisie_en_attente(step)
        self.storage.current_step = step
        return self.render(self.formulaire(step, valider="verifier" in request.GET))

    def rejouer_saisie_en_attente(self, step):
        saisie = self.request.session.pop(CLE_SAISIE_EN_ATTENTE, None)
        if not saisie or saisie.get("pk") != self.declaration.pk or saisie.get("etape") not in FORMULAIRES:
            return
        self.storage.fusionner(saisie["etape"], saisie["donnees"])
        try:
            self.storage.enregistrer(self.declaration.version)
        except ConflitDeVersion:
            return
        messages.success(
            self.request, "Votre saisie, envoyée pendant que votre session avait expiré, a été enregistrée."
        )

    def post(self, request, *args, **kwargs):
        step = kwargs["step"]
        if step == ETAPE_CONFIRMATION:
            return self.envoyer()
        if step not in self.get_form_list():
            raise Http404
        self.storage.current_step = step
        self.storage.fusionner(step, donnees_brutes(step, request.POST), remplacer=True)
        form = self.get_form(step, data=request.POST)
        try:
            self.storage.enregistrer(request.POST.get("version"))
        except ConflitDeVersion as conflit:
            form.full_clean()
            return self.render(form, conflit=str(conflit), status=409)
        except DeclarationVerrouillee:
            return _refuser_envoyee(request, self.declaration)
        except BrouillonSupprime:
            messages.error(request, BrouillonSupprime.message)
            return redirect("declarations:mes_declarations")

        if step == ETAPE_PIECES:
            reponse = self.traiter_pieces()
            if reponse is not None:
                return reponse

        retour = request.POST.get("wizard_goto_step")
        if retour in self.get_form_list():
            return redirect(self.get_step_url(retour))
        if request.POST.get("action") == "quitter":
            messages.success(
                request, "Votre brouillon est enregistré. Vous pourrez le reprendre depuis « Mes déclarations »."
            )
            return redirect("declarations:mes_declarations")
        if not form.is_valid():
            return self.render(form)
        suivante = self.get_next_step(step)
        return redirect(self.get_step_url(suivante or ETAPE_CONFIRMATION))

    def traiter_pieces(self):
        """Documents justificatifs (étape 2) : ajout vérifié par le contenu, retrait tant que c'est un brouillon."""
        request = self.request
        retour_etape = redirect(self.get_step_url(ETAPE_PIECES))
        a_retirer = request.POST.get("supprimer_piece")
        if a_retirer:
            piece = get_object_or_404(self.declaration.pieces.all(), pk=a_retirer if a_retirer.isdigit() else 0)
            nom_stockage = piece.fichier.name
            retirees, _ = PieceJointeDeclaration.objects.filter(
                pk=piece.pk, declaration__statut=StatutDeclaration.BROUILLON
            ).delete()
            if not retirees:
                return _refuser_envoyee(request, self.declaration)
            transaction.on_commit(lambda: supprimer_prive(nom_stockage))
            messages.success(request, f"Le document « {piece.nom_original} » a été retiré.")
            return retour_etape
        fichiers = request.FILES.getlist("pieces")
        erreurs, ajoutes = [], 0
        deja = self.declaration.pieces.count()
        for fichier in fichiers:
            if deja + ajoutes >= NOMBRE_MAX_PIECES:
                erreurs.append(f"Vous ne pouvez pas joindre plus de {NOMBRE_MAX_PIECES} documents.")
                break
            try:
                verifie = verifier_fichier(fichier)
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
                return _refuser_envoyee(request, self.declaration)
            ajoutes += 1
        if ajoutes:
            messages.success(
                request,
                f"{ajoutes} document{'s' if ajoutes > 1 else ''} ajouté{'s' if ajoutes > 1 else ''}.",
            )
        if erreurs:
            self.erreurs_pieces = erreurs
            televerser = request.POST.get("action") == "televerser"
            form = self.get_form(ETAPE_PIECES) if televerser else self.get_form(ETAPE_PIECES, data=request.POST)
            self.declaration.refresh_from_db(fields=["version"])
            return self.render(form, status=400)
        if request.POST.get("action") == "televerser":
            return retour_etape
        return None

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        step = self.steps.current
        titres = [f.titre for _, f in ETAPES]
        index = self.get_step_index(step)
        erreurs = resume_erreurs(
            form, getattr(self, "erreurs_pieces", []), "Documents justificatifs", cible=_cible_du_champ
        )
        context.update(
            declaration=self.declaration,
            version=self.declaration.version,
            etape=step,
            numero_etape=index + 1,
            nombre_etapes=len(ETAPES),
            titre_etape=titres[index],
            titre_suivant=titres[index + 1] if index + 1 < len(titres) else "",
            etape_precedente=self.get_prev_step(step) or "",
            derniere_etape=index + 1 == len(ETAPES),
            groupes=form.groupes_affiches(),
            resume_erreurs=erreurs,
            url_brouillon=reverse("declarations:brouillon", args=[self.declaration.pk]),
            url_faq=url_faq(),
            # Les cas particuliers de la FAQ des forces de l'ordre (modifiables dans l'admin), à l'étape 1.
            questions_faq=(
                list(Entree.objects.publiees().filter(rubrique=Rubrique.FORCES_DE_L_ORDRE).only("question", "slug"))
                if step == self.steps.first
                else []
            ),
            conflit=None,
            pieces=list(self.declaration.pieces.all()) if step == ETAPE_PIECES else [],
            erreurs_pieces=getattr(self, "erreurs_pieces", []),
        )
        return context

    def confirmation(self):
        valides, invalide = self.formulaires_valides()
        if invalide:
            messages.error(self.request, "Certaines informations sont manquantes ou à corriger avant l’envoi.")
            return redirect(self.get_step_url(invalide) + "?verifier=1")
        recapitulatif = recapituler(valides)
        return render(
            self.request,
            "declarations/assistant/confirmation.html",
            {
                "declaration": self.declaration,
                "version": self.declaration.version,
                "recapitulatif": recapitulatif,
                "etape_precedente": ETAPES[-1][0],
            },
        )

    def envoyer(self):
        request = self.request
        if str(self.declaration.version) != request.POST.get("version"):
            messages.warning(
                request,
                "Ce brouillon a été modifié dans un autre onglet depuis l’affichage du récapitulatif. "
                "Vérifiez-le de nouveau avant d’envoyer.",
            )
            return redirect(self.get_step_url(ETAPE_CONFIRMATION))
        valides, invalide = self.formulaires_valides()
        if invalide:
            messages.error(request, "Certaines informations sont manquantes ou à corriger avant l’envoi.")
            return redirect(self.get_step_url(invalide) + "?verifier=1")
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
            return _refuser_envoyee(request, self.declaration)
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


def _cible_du_champ(champ):
    """Identifiant visé par le lien du résumé d'erreurs : le champ, ou le premier bouton d'un groupe de radios
    (un groupe n'a pas d'élément portant l'identifiant du champ)."""
    # Sans passer par `champ.subwidgets` (mis en cache avant que django-dsfr n'ajoute aria-describedby).
    return champ.id_for_label or champ.field.widget.id_for_label(champ.auto_id, 0) or champ.auto_id


def _etape_du_champ(libelles):
    for etape, formulaire in ETAPES:
        for champ in formulaire.base_fields.values():
            if str(champ.label) in libelles:
                return etape
    return ETAPES[0][0]


def recapituler(formulaires):
    """[(étape, titre, [(libellé, valeur lisible)])] à partir de formulaires validés."""
    recapitulatif = []
    for etape, form in formulaires.items():
        lignes = []
        for nom, champ in form.fields.items():
            valeur = form.cleaned_data.get(nom)
            if hasattr(champ, "choices") and valeur:
                valeur = dict(FORMULAIRES[etape].base_fields[nom].choices).get(valeur, valeur)
            if nom == "date_operation" and valeur:
                valeur = valeur.strftime("%d/%m/%Y")
            if (
                etape == "usager"
                and nom != "coordonnees_usager"
                and form.cleaned_data.get("coordonnees_usager") != "oui"
            ):
                continue
            lignes.append((champ.label, valeur or "Non renseigné"))
        recapitulatif.append((etape, form.titre, lignes))
    return recapitulatif


@agent_fdo_saisie_conservee
@require_POST
def brouillon(request, pk):
    """Enregistrement automatique : données brutes, sans validation, refusé si la version lue est dépassée."""
    declaration = get_object_or_404(_declarations(request), pk=pk)
    if declaration.est_envoyee:
        return JsonResponse(
            {
                "motif": "envoyee",
                "erreur": DeclarationVerrouillee.message,
                "url": reverse("declarations:voir", args=[pk]),
            },
            status=409,
        )
    etape = request.POST.get("etape")
    if etape not in FORMULAIRES:
        return reponse_etape_inconnue()
    storage = BrouillonStorage(AssistantDeclaration.prefixe, request, declaration=declaration)
    storage.fusionner(etape, donnees_brutes(etape, request.POST))
    try:
        version = storage.enregistrer(request.POST.get("version"))
    except ConflitDeVersion as conflit:
        return reponse_conflit(conflit)
    except DeclarationVerrouillee:
        return JsonResponse(
            {
                "motif": "envoyee",
                "erreur": DeclarationVerrouillee.message,
                "url": reverse("declarations:voir", args=[pk]),
            },
            status=409,
        )
    except BrouillonSupprime:
        return JsonResponse({"motif": "supprime", "erreur": BrouillonSupprime.message}, status=409)
    return reponse_enregistree(version, "Brouillon enregistré")


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
    lignes = [(d, avancement(d)) for d in declarations]
    return render(request, "declarations/mes_declarations.html", {"lignes": lignes})


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
    return reponse_telechargement(piece.fichier.name, piece.nom_original, piece.type_mime)

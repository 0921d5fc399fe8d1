"""Vues de la demande de l'usager : assistant en 4 étapes, enregistrement automatique, dépôt,
ajout de documents après le dépôt, récépissé. Portée : `Dossier.objects.visibles_par(user)` (404 sinon)."""

from django.contrib import messages
from django.db import DatabaseError, transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from formtools.wizard.views import NamedUrlWizardView

from portail.assistants import (
    AssistantBrouillonMixin,
    reponse_conflit,
    reponse_enregistree,
    reponse_etape_inconnue,
    resume_erreurs,
    valeurs_brutes,
)
from portail.fichiers import FichierRefuse, enregistrer_prive, reponse_telechargement, supprimer_prive, verifier_fichier
from portail.permissions import usager_requis
from portail.utils import date_fr
from portail.validateurs import iban_lisible
from precontentieux.enums import StatutDossier, TypeRequerant
from precontentieux.models import (
    Dossier,
    DossierIncomplet,
    TransitionInterdite,
)
from precontentieux.pieces import MANQUE_ATTESTATION, Situation, pieces_attendues
from precontentieux.recepisse import nom_fichier, obtenir_recepisse
from usagers.demande.forms import ETAPE_RECAPITULATIF, ETAPES, FORMULAIRES, OUI_NON, DepotForm
from usagers.demande.wizard import (
    BrouillonDemande,
    ConflitDeVersion,
    DemandeVerrouillee,
    champs_verrouilles,
    donnees_brutes,
    kwargs_formulaire,
)

ETAPE_PIECES = "pieces-justificatives"
NOMBRE_MAX_PIECES = 60
TITRES = {**{etape: f.titre for etape, f in ETAPES}, ETAPE_RECAPITULATIF: "Récapitulatif"}


def _mes_dossiers(request):
    return Dossier.objects.visibles_par(request.user)


def _url_etape(reference, etape):
    return reverse("usagers:completer_etape", kwargs={"reference": reference, "step": etape})


def _vers_demande_deposee(request, dossier):
    messages.info(request, DemandeVerrouillee.message)
    return redirect("usagers:ajouter_pieces", reference=dossier.reference)


def _etapes_nav(reference, courante):
    etapes = [*[e for e, _ in ETAPES], ETAPE_RECAPITULATIF]
    return [{"nom": e, "titre": TITRES[e], "url": _url_etape(reference, e), "courante": e == courante} for e in etapes]


# --- Pièces ----------------------------------------------------------------------------------------


def televerser_pieces(request, dossier, types_autorises):
    """Fichiers postés dans `fichiers-<type>` : chacun vérifié par son contenu puis rangé en privé.
    Renvoie (nombre ajouté, erreurs en français)."""
    erreurs, ajoutes = [], 0
    deja = dossier.pieces.count()
    for type_piece in types_autorises:
        for fichier in request.FILES.getlist(f"fichiers-{type_piece}"):
            if deja + ajoutes >= NOMBRE_MAX_PIECES:
                erreurs.append(f"Vous ne pouvez pas joindre plus de {NOMBRE_MAX_PIECES} documents à une demande.")
                return ajoutes, erreurs
            try:
                verifie = verifier_fichier(fichier)
            except FichierRefuse as refus:
                erreurs.append(refus.message_affiche)
                continue
            nom_stockage = enregistrer_prive(verifie, "dossiers")
            try:
                dossier.ajouter_piece(
                    request.user,
                    type=type_piece,
                    fichier=nom_stockage,
                    nom=verifie.nom,
                    type_mime=verifie.type_mime,
                    taille=verifie.taille,
                )
            except (TransitionInterdite, DatabaseError) as erreur:
                supprimer_prive(nom_stockage)
                erreurs.append(getattr(erreur, "raison", "Le document n’a pas pu être enregistré."))
                return ajoutes, erreurs
            ajoutes += 1
    return ajoutes, erreurs


def _message_ajout(request, ajoutes):
    if ajoutes:
        pluriel = "s" if ajoutes > 1 else ""
        messages.success(request, f"{ajoutes} document{pluriel} ajouté{pluriel}.")


def _veut_json(request):
    return request.headers.get("Accept") == "application/json"


def _reponse_json_televersement(request, ajoutes, erreurs, url):
    """Envoi en arrière-plan (televersement.js) : messages rangés pour la page rechargée ensuite."""
    for erreur in erreurs:
        messages.error(request, erreur)
    return JsonResponse({"ajoutes": ajoutes, "erreurs": erreurs, "url": url}, status=400 if erreurs else 200)


def _groupes_pieces(dossier, pieces):
    """[(pièce attendue, [fichiers de ce type])] + fichiers d'un type qui n'est plus demandé."""
    attendues = pieces_attendues(Situation.du_dossier(dossier))
    par_type = {}
    for piece in pieces:
        par_type.setdefault(piece.type, []).append(piece)
    groupes = [{"attendue": a, "fichiers": par_type.pop(a.type, [])} for a in attendues]
    hors_liste = [p for fichiers in par_type.values() for p in fichiers]
    return groupes, hors_liste


# --- Assistant -------------------------------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
@method_decorator(usager_requis, name="dispatch")
class AssistantDemande(AssistantBrouillonMixin, NamedUrlWizardView):
    """Étapes 1 à 3 (formulaires) et récapitulatif (dépôt). Stockage : le brouillon du dossier."""

    form_list = ETAPES
    template_name = "usagers/demande/etape.html"
    prefixe = "demande"

    def dispatch(self, request, *args, **kwargs):
        self.dossier = get_object_or_404(_mes_dossiers(request), reference=kwargs["reference"])
        if not self.dossier.peut_modifier(request.user)[0]:
            return _vers_demande_deposee(request, self.dossier)
        self.verrouilles = champs_verrouilles(request.user)
        storage = BrouillonDemande(self.prefixe, request, dossier=self.dossier)
        return self.demarrer(request, storage, *args, **kwargs)

    def get_step_url(self, step):
        return _url_etape(self.dossier.reference, step)

    def get_form_kwargs(self, step=None):
        return kwargs_formulaire(step, self.storage.data, self.verrouilles, self.dossier.type_requerant)

    def valeurs_initiales(self, step):
        """Colonnes du dossier (dont ce qui vient de la déclaration), puis compte de l'usager."""
        dossier, user = self.dossier, self.request.user
        initial = {}
        for nom in FORMULAIRES[step].base_fields:
            valeur = getattr(dossier, nom, None)
            if isinstance(valeur, bool):
                valeur = "oui" if valeur else "non"
            if valeur not in (None, ""):
                initial[nom] = valeur
        if step == "vos-informations":
            initial.setdefault("courriel", user.email)
            initial.setdefault("telephone", user.telephone)
            if dossier.type_requerant != TypeRequerant.PERSONNE_MORALE:
                initial.setdefault("prenoms", user.prenom)
                initial.setdefault("nom_naissance", user.nom)
        return {k: v for k, v in initial.items() if v not in (None, "")}

    def get_form_initial(self, step):
        initial = self.valeurs_initiales(step)
        initial.update(valeurs_brutes(FORMULAIRES[step], step, self.storage.get_step_data(step) or {}))
        return initial

    def formulaire(self, step, valider=False):
        if valider:
            donnees = self.storage.get_step_data(step) or {}
            if not donnees:
                # Étape jamais enregistrée : on valide les valeurs pré-remplies (déclaration, compte).
                donnees = MultiValueDict({f"{step}-{k}": [str(v)] for k, v in self.get_form_initial(step).items()})
            return self.get_form(step, data=donnees)
        return self.get_form(step)

    def enregistrer(self, version):
        self.storage.enregistrer(version, self.verrouilles)

    # GET : jamais d'écriture ; erreurs affichées seulement après un dépôt refusé (?verifier).
    def get(self, request, *args, **kwargs):
        step = kwargs["step"]
        if step == ETAPE_RECAPITULATIF:
            return self.recapitulatif()
        if step not in self.get_form_list():
            raise Http404
        self.storage.current_step = step
        return self.render(self.formulaire(step, valider="verifier" in request.GET))

    def post(self, request, *args, **kwargs):
        step = kwargs["step"]
        if step == ETAPE_RECAPITULATIF:
            return self.deposer()
        if step not in self.get_form_list():
            raise Http404
        self.storage.current_step = step
        self.storage.fusionner(step, donnees_brutes(step, request.POST), remplacer=step != ETAPE_PIECES)
        form = self.get_form(step, data=request.POST)
        try:
            self.enregistrer(request.POST.get("version"))
        except ConflitDeVersion as conflit:
            form.full_clean()
            return self.render(form, conflit=str(conflit), status=409)
        except DemandeVerrouillee:
            return _vers_demande_deposee(request, self.dossier)

        if step == ETAPE_PIECES:
            reponse = self.traiter_pieces()
            if reponse is not None:
                return reponse

        retour = request.POST.get("wizard_goto_step")
        if retour in self.get_form_list():
            return redirect(self.get_step_url(retour))
        if request.POST.get("action") == "quitter":
            messages.success(
                request, "Votre demande est enregistrée. Vous pourrez la reprendre depuis « Mes demandes »."
            )
            return redirect("usagers:accueil")
        if not form.is_valid():
            return self.render(form, status=400)
        suivante = self.get_next_step(step)
        return redirect(self.get_step_url(suivante or ETAPE_RECAPITULATIF))

    def traiter_pieces(self):
        request = self.request
        retour = redirect(self.get_step_url(ETAPE_PIECES))
        a_retirer = request.POST.get("retirer_piece")
        if a_retirer:
            piece = get_object_or_404(self.dossier.pieces.all(), pk=a_retirer if a_retirer.isdigit() else 0)
            with transaction.atomic():
                # Retrait seulement tant que la demande est à compléter (garde reprise sous verrou).
                courant = Dossier.objects.select_for_update().get(pk=self.dossier.pk)
                if not courant.peut_modifier(request.user)[0]:
                    return _vers_demande_deposee(request, self.dossier)
                nom_stockage = piece.fichier.name
                piece.delete()
                transaction.on_commit(lambda: supprimer_prive(nom_stockage))
            messages.success(request, f"Le document « {piece.nom} » a été retiré.")
            return retour
        types = [p.type for p in pieces_attendues(Situation.du_dossier(self.dossier))]
        ajoutes, erreurs = televerser_pieces(request, self.dossier, types)
        _message_ajout(request, ajoutes)
        if _veut_json(request):
            return _reponse_json_televersement(request, ajoutes, erreurs, self.get_step_url(ETAPE_PIECES))
        if erreurs:
            self.erreurs_pieces = erreurs
            self.dossier.refresh_from_db(fields=["version"])
            return self.render(self.get_form(ETAPE_PIECES), status=400)
        if request.POST.get("action") == "televerser":
            return retour
        return None

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        step = self.steps.current
        index = self.get_step_index(step)
        erreurs = resume_erreurs(form, getattr(self, "erreurs_pieces", []), "Pièces justificatives")
        groupes, hors_liste = [], []
        situation = Situation.du_dossier(self.dossier)
        if step == ETAPE_PIECES:
            groupes, hors_liste = _groupes_pieces(self.dossier, list(self.dossier.pieces.all()))
        context.update(
            dossier=self.dossier,
            version=self.dossier.version,
            etape=step,
            numero_etape=index + 1,
            nombre_etapes=len(ETAPES) + 1,
            titre_etape=TITRES[step],
            titre_suivant=TITRES[self.get_next_step(step) or ETAPE_RECAPITULATIF],
            etape_precedente=self.get_prev_step(step) or "",
            groupes=form.groupes_affiches(),
            resume_erreurs=erreurs,
            url_brouillon=reverse("usagers:brouillon_demande", args=[self.dossier.reference]),
            conflit=None,
            groupes_pieces=groupes,
            pieces_hors_liste=hors_liste,
            situation_complete=situation.complete,
            erreurs_pieces=getattr(self, "erreurs_pieces", []),
            verrouilles=bool(getattr(form, "verrouilles", None)),
            etapes_nav=_etapes_nav(self.dossier.reference, step),
        )
        return context

    def contexte_recapitulatif(self, depot_form=None, manquants=None):
        dossier = self.dossier
        dossier.refresh_from_db()
        pieces = list(dossier.pieces.all())
        groupes, hors_liste = _groupes_pieces(dossier, pieces)
        if manquants is None:
            # L'attestation sur l'honneur se coche sur cette page même : elle n'est pas « manquante » ici.
            manquants = [m for m in dossier.manquants(pieces) if m != MANQUE_ATTESTATION]
        return {
            "dossier": dossier,
            "version": dossier.version,
            "recapitulatif": recapituler(dossier),
            "groupes_pieces": groupes,
            "pieces_hors_liste": hors_liste,
            "manquants": manquants,
            "form": depot_form or DepotForm(),
            "etapes_nav": _etapes_nav(dossier.reference, ETAPE_RECAPITULATIF),
            "etape_precedente": ETAPE_PIECES,
            "numero_etape": len(ETAPES) + 1,
            "nombre_etapes": len(ETAPES) + 1,
        }

    def recapitulatif(self, depot_form=None, manquants=None, status=200):
        return render(
            self.request,
            "usagers/demande/recapitulatif.html",
            self.contexte_recapitulatif(depot_form, manquants),
            status=status,
        )

    def deposer(self):
        request = self.request
        if str(self.dossier.version) != request.POST.get("version"):
            messages.warning(
                request,
                "Votre demande a été modifiée dans un autre onglet depuis l’affichage du récapitulatif. "
                "Vérifiez-la de nouveau avant de la déposer.",
            )
            return redirect(self.get_step_url(ETAPE_RECAPITULATIF))
        form = DepotForm(request.POST)
        if not form.is_valid():
            return self.recapitulatif(depot_form=form, status=400)
        valides, invalide = self.formulaires_valides()
        if invalide:
            messages.error(request, "Certaines informations sont manquantes ou à corriger avant le dépôt.")
            return redirect(self.get_step_url(invalide) + "?verifier=1")
        try:
            self.dossier.deposer(request.user, attestation=True)
        except DossierIncomplet as incomplet:
            return self.recapitulatif(depot_form=form, manquants=incomplet.manquants, status=400)
        except TransitionInterdite:
            return _vers_demande_deposee(request, self.dossier)
        messages.success(request, f"Votre demande n° {self.dossier.reference} a été déposée.")
        return redirect("usagers:demande_deposee", reference=self.dossier.reference)


def recapituler(dossier):
    """[(étape, titre, [(libellé, valeur lisible)])] depuis les colonnes (valeurs validées)."""
    oui_non = dict(OUI_NON)
    lignes_par_etape = []
    for etape, formulaire in ETAPES[:2]:
        form = formulaire(**kwargs_formulaire(etape, dossier.brouillon or {}, {}, dossier.type_requerant))
        lignes = []
        for nom, champ in form.fields.items():
            valeur = getattr(dossier, nom)
            if nom == "type_personne_morale" and dossier.type_requerant != TypeRequerant.PERSONNE_MORALE:
                continue
            if nom == "qualite_precision" and not valeur:
                continue
            if isinstance(valeur, bool):
                valeur = oui_non["oui" if valeur else "non"]
            elif hasattr(dossier, f"get_{nom}_display") and valeur:
                valeur = getattr(dossier, f"get_{nom}_display")()
            elif nom in ("date_operation", "date_naissance") and valeur:
                valeur = date_fr(valeur)
            elif nom == "iban" and valeur:
                valeur = iban_lisible(valeur)
            lignes.append((champ.label, valeur or "Non renseigné"))
        lignes_par_etape.append((etape, formulaire.titre, lignes))
    return lignes_par_etape


@usager_requis
@require_GET
def completer(request, reference):
    """Reprendre la demande à l'étape où l'usager s'était arrêté."""
    dossier = get_object_or_404(_mes_dossiers(request), reference=reference)
    if not dossier.peut_modifier(request.user)[0]:
        return redirect("usagers:ajouter_pieces", reference=reference)
    etape = (dossier.brouillon or {}).get("step")
    return redirect(_url_etape(reference, etape if etape in FORMULAIRES else ETAPES[0][0]))


@usager_requis
@require_POST
def brouillon(request, reference):
    """Enregistrement automatique : données brutes, sans validation ; refusé si la version lue est dépassée."""
    dossier = get_object_or_404(_mes_dossiers(request), reference=reference)
    depose = {
        "motif": "deposee",
        "erreur": DemandeVerrouillee.message,
        "url": reverse("usagers:ajouter_pieces", args=[reference]),
    }
    if not dossier.peut_modifier(request.user)[0]:
        return JsonResponse(depose, status=409)
    etape = request.POST.get("etape")
    if etape not in FORMULAIRES:
        return reponse_etape_inconnue()
    storage = BrouillonDemande(AssistantDemande.prefixe, request, dossier=dossier)
    storage.fusionner(etape, donnees_brutes(etape, request.POST))
    try:
        version = storage.enregistrer(request.POST.get("version"), champs_verrouilles(request.user))
    except ConflitDeVersion as conflit:
        return reponse_conflit(conflit)
    except DemandeVerrouillee:
        return JsonResponse(depose, status=409)
    return reponse_enregistree(version, "Demande enregistrée")


@usager_requis
@require_GET
def deposee(request, reference):
    """Confirmation du dépôt : référence, délais légaux en dates, récépissé, ajout de documents."""
    dossier = get_object_or_404(_mes_dossiers(request), reference=reference)
    if dossier.depose_le is None:
        return redirect("usagers:completer", reference=reference)
    return render(request, "usagers/demande/deposee.html", {"dossier": dossier})


@usager_requis
@require_http_methods(["GET", "POST"])
def ajouter_pieces(request, reference):
    """Après le dépôt, la demande est en lecture seule ; seul l'ajout de documents reste possible."""
    dossier = get_object_or_404(_mes_dossiers(request), reference=reference)
    if dossier.statut == StatutDossier.A_COMPLETER:
        return redirect(_url_etape(reference, ETAPE_PIECES))
    possible, raison = dossier.peut_ajouter_piece(request.user)
    erreurs = []
    if request.method == "POST":
        if not possible:
            messages.error(request, raison)
            return redirect("usagers:ajouter_pieces", reference=reference)
        types = [p.type for p in pieces_attendues(Situation.du_dossier(dossier))]
        ajoutes, erreurs = televerser_pieces(request, dossier, types)
        _message_ajout(request, ajoutes)
        if _veut_json(request):
            return _reponse_json_televersement(request, ajoutes, erreurs, request.path)
        if not erreurs:
            return redirect("usagers:ajouter_pieces", reference=reference)
    pieces = list(dossier.pieces.all())
    groupes, hors_liste = _groupes_pieces(dossier, pieces)
    return render(
        request,
        "usagers/demande/ajouter_pieces.html",
        {
            "dossier": dossier,
            "groupes_pieces": groupes,
            "pieces_hors_liste": hors_liste,
            "ajout_possible": possible,
            "raison": raison,
            "erreurs_pieces": erreurs,
            "recapitulatif": recapituler(dossier),
        },
        status=400 if erreurs else 200,
    )


@usager_requis
@require_GET
def recepisse(request, reference):
    """Récépissé PDF, au requérant seulement (portée), en pièce jointe ; produit à la demande s'il manque."""
    dossier = get_object_or_404(_mes_dossiers(request), reference=reference)
    if dossier.depose_le is None:
        raise Http404("Pas de récépissé pour une demande non déposée.")
    nom_stockage = obtenir_recepisse(dossier.pk)
    return reponse_telechargement(nom_stockage, nom_fichier(dossier), "application/pdf")

"""Vues de la demande de l'usager : assistant en 4 étapes, enregistrement automatique, dépôt,
ajout de documents après le dépôt, récépissé. Portée : `Dossier.objects.visibles_par(user)` (404 sinon)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from portail.assistants import Assistant, message_ajout, reponse_json_televersement, veut_json
from portail.fichiers import FichierRefuse, enregistrer_prive, recevoir_fichier, reponse_telechargement, supprimer_prive
from portail.formulaires import ChampMontant
from portail.pdf import confier, reponse_en_preparation
from portail.permissions import usager_requis
from portail.saisie import verifier_saisie
from portail.utils import date_fr, montant_euros
from portail.validateurs import iban_lisible
from precontentieux.enums import StatutDossier, TypeRequerant
from precontentieux.models import (
    Dossier,
    DossierIncomplet,
    PieceJointeDossier,
    TransitionInterdite,
)
from precontentieux.pieces import MANQUE_ATTESTATION, TYPES_AVEC_MONTANT, Situation, pieces_attendues
from precontentieux.recepisse import nom_fichier
from precontentieux.tasks import generer_recepisse
from usagers.demande.assistant import (
    DemandeVerrouillee,
    StockageDemande,
    champs_certifies,
    champs_declares,
    kwargs_formulaire,
)
from usagers.demande.forms import ETAPE_RECAPITULATIF, ETAPES, FORMULAIRES, OUI_NON, DepotForm

ETAPE_PIECES = "pieces-justificatives"
NOMBRE_MAX_PIECES = 60


def _mes_dossiers(request):
    return Dossier.objects.visibles_par(request.user)


def _url_etape(reference, etape):
    return reverse("usagers:completer_etape", kwargs={"reference": reference, "step": etape})


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
                verifie = recevoir_fichier(fichier, request.user, pieces=dossier.pieces.all())
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


def enregistrer_montants_pieces(request, dossier):
    """Montants saisis pour les factures et devis (`montant-piece-<pk>`, facultatifs) ; erreurs en français."""
    erreurs = []
    champ = ChampMontant(required=False)
    for piece in dossier.pieces.filter(type__in=TYPES_AVEC_MONTANT):
        cle = f"montant-piece-{piece.pk}"
        if cle not in request.POST:
            continue
        try:
            montant = champ.clean(verifier_saisie(request.POST[cle], chiffres_ascii=True))
        except ValidationError as erreur:
            erreurs.append(f"Montant du document « {piece.nom} » : {erreur.messages[0]}")
            continue
        if montant != piece.montant:
            PieceJointeDossier.objects.filter(pk=piece.pk).update(montant=montant)
    return erreurs


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


class AssistantDemande(Assistant):
    """Étapes 1 à 3 (formulaires) et récapitulatif (dépôt) ; le moteur commun est `portail.assistants.Assistant`."""

    form_list = ETAPES
    template_name = "usagers/demande/etape.html"
    prefixe = "demande"
    nom_url = "usagers:completer_etape"
    nom_url_brouillon = "usagers:brouillon_demande"
    cle_url = "reference"
    etape_finale = ETAPE_RECAPITULATIF
    titre_etape_finale = "Récapitulatif"
    etape_pieces = ETAPE_PIECES
    libelle_enregistre = "Demande enregistrée"
    titre_conflit = "Demande modifiée ailleurs"
    message_session = "Votre session a expiré. Reconnectez-vous pour continuer votre demande."
    message_quitter = "Votre demande est enregistrée. Vous pourrez la reprendre depuis « Mes demandes »."
    url_quitter = "usagers:accueil"
    garde = staticmethod(usager_requis)

    def charger(self, request, cle):
        self.dossier = get_object_or_404(_mes_dossiers(request), reference=cle)
        return self.dossier

    def indisponible(self):
        return None if self.dossier.peut_modifier(self.request.user)[0] else DemandeVerrouillee()

    def creer_stockage(self):
        self.verrouilles = champs_certifies(self.request)
        return StockageDemande(self.prefixe, self.request, objet=self.dossier, verrouilles=self.verrouilles)

    def url_refus(self, refus):
        return reverse("usagers:ajouter_pieces", args=[self.dossier.reference])

    def get_form_kwargs(self, step=None):
        return kwargs_formulaire(
            step, self.storage.data, self.verrouilles, self.dossier.type_requerant, champs_declares(self.dossier)
        )

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
        return initial

    def retirer_piece(self, identifiant):
        piece = get_object_or_404(self.dossier.pieces.all(), pk=identifiant)
        with transaction.atomic():
            # Retrait seulement tant que la demande est à compléter (garde reprise sous verrou).
            courant = Dossier.objects.select_for_update().get(pk=self.dossier.pk)
            if not courant.peut_modifier(self.request.user)[0]:
                raise DemandeVerrouillee
            nom_stockage = piece.fichier.name
            piece.delete()
            transaction.on_commit(lambda: supprimer_prive(nom_stockage))
        return piece.nom

    def televerser(self):
        erreurs_montants = enregistrer_montants_pieces(self.request, self.dossier)
        types = [p.type for p in pieces_attendues(Situation.du_dossier(self.dossier))]
        ajoutes, erreurs = televerser_pieces(self.request, self.dossier, types)
        return ajoutes, erreurs_montants + erreurs

    def contexte_etape(self, step, form):
        groupes, hors_liste = [], []
        if step == ETAPE_PIECES:
            groupes, hors_liste = _groupes_pieces(self.dossier, list(self.dossier.pieces.all()))
        return {
            "dossier": self.dossier,
            "groupes_pieces": groupes,
            "pieces_hors_liste": hors_liste,
            "situation_complete": Situation.du_dossier(self.dossier).complete,
            "verrouilles": bool(getattr(form, "verrouilles", None)),
            "declares": bool(getattr(form, "declares", None)),
        }

    def contexte_recapitulatif(self, depot_form=None, manquants=None):
        dossier = self.dossier
        dossier.refresh_from_db()
        pieces = list(dossier.pieces.all())
        groupes, hors_liste = _groupes_pieces(dossier, pieces)
        if manquants is None:
            # L'attestation sur l'honneur se coche sur cette page même : elle n'est pas « manquante » ici.
            manquants = [m for m in dossier.manquants(pieces) if m != MANQUE_ATTESTATION]
        return {
            **self.contexte_indicateur(ETAPE_RECAPITULATIF),
            "dossier": dossier,
            "version": dossier.version,
            "recapitulatif": recapituler(dossier),
            "groupes_pieces": groupes,
            "pieces_hors_liste": hors_liste,
            "manquants": manquants,
            "form": depot_form or DepotForm(),
        }

    def afficher_fin(self, depot_form=None, manquants=None, status=200):
        return render(
            self.request,
            "usagers/demande/recapitulatif.html",
            self.contexte_recapitulatif(depot_form, manquants),
            status=status,
        )

    def terminer(self):
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
            return self.afficher_fin(depot_form=form, status=400)
        _, correction = self.verifier_les_etapes("Certaines informations sont manquantes ou à corriger avant le dépôt.")
        if correction:
            return correction
        try:
            self.dossier.deposer(request.user, attestation=True)
        except DossierIncomplet as incomplet:
            return self.afficher_fin(depot_form=form, manquants=incomplet.manquants, status=400)
        except TransitionInterdite:
            return self.refuser(DemandeVerrouillee())
        messages.success(request, f"Votre demande n° {self.dossier.reference} a été déposée.")
        return redirect("usagers:demande_deposee", reference=self.dossier.reference)


def recapituler(dossier):
    """[(étape, titre, [(libellé, valeur lisible)])] depuis les colonnes (valeurs validées)."""
    oui_non = dict(OUI_NON)
    lignes_par_etape = []
    for etape, formulaire in ETAPES[:2]:
        form = formulaire(
            **kwargs_formulaire(etape, dossier.brouillon or {}, {}, dossier.type_requerant, champs_declares(dossier))
        )
        lignes = []
        for nom, champ in form.fields.items():
            valeur = getattr(dossier, nom)
            if nom == "type_personne_morale" and dossier.type_requerant != TypeRequerant.PERSONNE_MORALE:
                continue
            if nom in ("qualite_precision", "erreur_signalee") and not valeur:
                continue
            if isinstance(valeur, bool):
                valeur = oui_non["oui" if valeur else "non"]
            elif hasattr(dossier, f"get_{nom}_display") and valeur:
                valeur = getattr(dossier, f"get_{nom}_display")()
            elif nom in ("date_operation", "date_naissance") and valeur:
                valeur = date_fr(valeur)
            elif nom == "iban" and valeur:
                valeur = iban_lisible(valeur)
            elif nom == "montant_demande":
                valeur = montant_euros(valeur)
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
        message_ajout(request, ajoutes)
        if veut_json(request):
            return reponse_json_televersement(request, ajoutes, erreurs, request.path)
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
    """Récépissé PDF, au requérant seulement (portée), en pièce jointe ; « en cours de préparation » s'il manque."""
    dossier = get_object_or_404(_mes_dossiers(request), reference=reference)
    if dossier.depose_le is None:
        raise Http404("Pas de récépissé pour une demande non déposée.")
    if not dossier.recepisse:
        # Jamais de WeasyPrint dans la requête : le worker le prépare (mode embarqué : tout de suite).
        confier(generer_recepisse, dossier.pk)
        dossier.refresh_from_db(fields=["recepisse"])
        if not dossier.recepisse:
            return reponse_en_preparation(
                request,
                "Récépissé de dépôt",
                reverse("usagers:demande", args=[reference]),
                "Retour à ma demande",
            )
    return reponse_telechargement(dossier.recepisse, nom_fichier(dossier), "application/pdf")


@usager_requis
@require_GET
def courrier_pdf(request, reference, pk):
    """PDF figé d'un courrier SIGNÉ de la demande du requérant (jamais un aperçu non signé : 404) ; « en cours de
    préparation » (202) tant que le PDF signé n'est pas rangé."""
    from precontentieux.courriers import Courrier
    from precontentieux.tasks import generer_courrier

    dossier = get_object_or_404(_mes_dossiers(request), reference=reference)
    courrier = get_object_or_404(Courrier, dossier=dossier, pk=pk, signe_le__isnull=False)
    courrier.dossier = dossier
    if not courrier.sha256:
        confier(generer_courrier, courrier.pk)
        courrier.refresh_from_db(fields=["fichier", "sha256"])
        if not courrier.sha256:
            return reponse_en_preparation(
                request,
                courrier.get_type_display(),
                reverse("usagers:demande", args=[reference]),
                "Retour à ma demande",
            )
    return reponse_telechargement(courrier.fichier.name, courrier.nom_fichier, "application/pdf")

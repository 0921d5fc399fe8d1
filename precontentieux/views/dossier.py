"""Fiche dossier du back-office : en-tête et horloge légale, demande de l'usager, déclaration des forces de l'ordre,
pièces (aperçu, téléchargement, ajout d'un document reçu par courrier), historique, notes internes, échanges,
journal des consultations. Chaque affichage et chaque téléchargement est journalisé (CNIL)."""

from django.contrib import messages
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portail.enums import Role
from portail.fichiers import reponse_telechargement
from portail.utils import montant_euros
from portail.validateurs import iban_lisible
from precontentieux.acces import back_office, dossier_visible
from precontentieux.enums import TypeEvenementDossier
from precontentieux.forms import NoteForm, PieceAgentForm
from precontentieux.instruction import (
    DejaEnvoye,
    NoteDossier,
    consommer_jeton,
    journaliser_consultation,
    nouveau_jeton,
)
from precontentieux.listes import CLASSES_BADGE
from precontentieux.models import Dossier, PieceJointeDossier, TransitionInterdite, date_fr
from precontentieux.signature import dernier_renvoi
from precontentieux.views.contentieux import peut_signaler_contentieux

# Actions de la fiche : nom de la transition → vue qui la porte. Une transition sans écran n'est pas proposée.
ACTIONS_AVEC_ECRAN = {
    "attribuer": "precontentieux:attribuer",
    "reattribuer": "precontentieux:reattribuer",
    "demander_complements": "precontentieux:demander_complements",
    "proposer_indemnisation": "precontentieux:proposer_indemnisation",
    "proposer_rejet": "precontentieux:proposer_rejet",
    "cloturer": "precontentieux:cloturer",
    # Signature (validateur) : une vue pour les trois signatures, l'état du dossier dit laquelle.
    "signer_proposition": "precontentieux:signer",
    "signer_rejet": "precontentieux:signer",
    "signer_arrete": "precontentieux:signer",
    "renvoyer_au_redacteur": "precontentieux:renvoyer",
    # Paiement (precontentieux/views/paiement.py)
    "preparer_arrete": "precontentieux:preparer_arrete",
    "transmettre_budget": "precontentieux:transmettre_budget",
    "marquer_indemnise": "precontentieux:marquer_indemnise",
    "ecrire_usager": "precontentieux:ecrire_usager",
    "detacher_et_reinviter": "precontentieux:reinviter",
}
# Transitions sans autre donnée qu'un motif : écran de confirmation générique.
ACTIONS_GENERIQUES = ("demarrer_instruction", "recevoir_complements")
ACTIONS_DE_SIGNATURE = ("signer_proposition", "signer_rejet", "signer_arrete", "renvoyer_au_redacteur")
ROLES_JOURNAL = {str(Role.VALIDATEUR), str(Role.GESTIONNAIRE)}
TYPES_APERCU = {"application/pdf": "pdf", "image/jpeg": "image", "image/png": "image"}


# --- Ce que la fiche montre -----------------------------------------------------------------------------------


def iban_visible(dossier, user):
    """L'IBAN en clair : au rédacteur en charge et à la liaison budget seulement."""
    if user.a_role(Role.LIAISON_BUDGET):
        return True
    return user.a_role(Role.REDACTEUR) and dossier.redacteur_id == user.pk


def iban_masque(iban):
    if not iban:
        return ""
    compact = iban.replace(" ", "")
    return f"{compact[:4]} •••• •••• •••• {compact[-4:]}"


def _oui_non(valeur):
    return {True: "Oui", False: "Non"}.get(valeur, "Non renseigné")


def _valeur(dossier, nom):
    valeur = getattr(dossier, nom)
    if nom == "montant_demande":  # absent des dossiers antérieurs à sa saisie
        return montant_euros(valeur) or "Non précisé"
    if isinstance(valeur, bool) or (valeur is None and nom in ("porte_blindee", "reparation_effectuee")):
        return _oui_non(valeur)
    if nom == "logement_assure":
        return _oui_non(valeur)
    if hasattr(dossier, f"get_{nom}_display") and valeur:
        return getattr(dossier, f"get_{nom}_display")()
    if nom in ("date_operation", "date_naissance"):
        return date_fr(valeur)
    return valeur


def _lignes(dossier, noms, copiables=()):
    lignes = []
    for nom in noms:
        valeur = _valeur(dossier, nom)
        libelle = str(Dossier._meta.get_field(nom).verbose_name)
        lignes.append(
            {"libelle": libelle[:1].upper() + libelle[1:], "valeur": valeur or "", "copiable": nom in copiables}
        )
    return lignes


def recapitulatif_demande(dossier, user):
    """[{titre, lignes}] : tout ce que l'usager a déclaré (valeurs des colonnes validées au dépôt)."""
    bris = ["type_requerant", "qualite", "date_operation", "description", "porte_blindee", "reparation_effectuee"]
    bris += ["logement_assure", "montant_demande"]
    if dossier.qualite_precision:
        bris.insert(2, "qualite_precision")
    if dossier.est_personne_morale:
        bris.insert(1, "type_personne_morale")
        identite = ["raison_sociale", "siren_siret", "representant_legal"]
    else:
        identite = ["civilite", "prenoms", "nom_naissance", "nom_usage", "date_naissance", "lieu_naissance"]
    sections = [
        {"titre": "Le bris de porte", "lignes": _lignes(dossier, bris)},
        {"titre": "Identité du requérant", "lignes": _lignes(dossier, identite, copiables=identite)},
    ]
    sections[0]["lignes"].insert(3, {"libelle": "Adresse du logement", "valeur": dossier.adresse, "copiable": True})
    contact = [
        {"libelle": "Adresse du requérant", "valeur": dossier.adresse_requerant, "copiable": True},
        *_lignes(dossier, ["telephone", "courriel"], copiables=("telephone", "courriel")),
    ]
    if dossier.requerant_id and dossier.requerant.email and dossier.requerant.email != dossier.courriel:
        contact.append({"libelle": "Adresse du compte", "valeur": dossier.requerant.email, "copiable": True})
    sections.append({"titre": "Coordonnées", "lignes": contact})
    if iban_visible(dossier, user):
        iban = {"libelle": "IBAN", "valeur": iban_lisible(dossier.iban) if dossier.iban else "", "copiable": True}
    else:
        iban = {
            "libelle": "IBAN",
            "valeur": iban_masque(dossier.iban),
            "copiable": False,
            "aide": "Masqué : visible du seul rédacteur en charge et de la liaison budget.",
        }
    sections.append(
        {
            "titre": "Coordonnées bancaires",
            "lignes": [iban, *_lignes(dossier, ["titulaire_compte"], ("titulaire_compte",))],
        }
    )
    return sections


# Étapes de la déclaration (libellés du guide des forces de l'ordre, repris des champs du modèle).
ETAPES_DECLARATION = (
    (
        "bris-de-porte",
        "Éléments relatifs au bris de porte",
        (
            "erreur_operationnelle",
            "description_operation",
            "date_operation",
            "adresse_voie",
            "adresse_complement",
            "adresse_code_postal",
            "adresse_ville",
        ),
    ),
    (
        "service-enqueteur",
        "Éléments relatifs au service enquêteur",
        ("service_enqueteur", "telephone_service", "courriel_agent", "numero_procedure", "juridiction", "magistrat"),
    ),
    (
        "usager",
        "Informations concernant l’usager",
        (
            "coordonnees_usager",
            "usager_civilite",
            "usager_nom",
            "usager_prenom",
            "usager_telephone",
            "usager_courriel",
            "usager_precisions",
        ),
    ),
)


def recapitulatif_declaration(declaration):
    """[(étape, titre, [(libellé, valeur)])], étape 2 confidentielle comprise (agents de la Justice seulement).

    Lu par `Declaration.recapitulatif()` quand il existe (une seule mise en forme pour les deux espaces), sinon
    depuis les champs du modèle : `precontentieux` n'importe jamais `declarations`.
    """
    if hasattr(declaration, "recapitulatif"):
        return declaration.recapitulatif()
    recap = []
    for etape, titre, noms in ETAPES_DECLARATION:
        lignes = []
        for nom in noms:
            valeur = getattr(declaration, nom)
            if isinstance(valeur, bool) or nom == "coordonnees_usager":
                valeur = {True: "Oui", False: "Non"}.get(valeur)
            elif hasattr(declaration, f"get_{nom}_display") and valeur:
                valeur = getattr(declaration, f"get_{nom}_display")()
            elif nom == "date_operation":
                valeur = date_fr(valeur)
            lignes.append((str(declaration._meta.get_field(nom).verbose_name), valeur or "Non renseigné"))
        recap.append((etape, titre, lignes))
    return recap


def _declaration(dossier):
    try:
        return dossier.declaration
    except Exception:  # RelatedObjectDoesNotExist : demande sans déclaration
        return None


def actions_de_la_fiche(dossier, user):
    """[{nom, libelle, possible, raison, url, direct}] tirées de `dossier.transitions_possibles(user)`."""
    actions = []
    for possibilite in dossier.transitions_possibles(user):
        transition = possibilite.transition
        if transition.nom in ACTIONS_AVEC_ECRAN:
            url = reverse(ACTIONS_AVEC_ECRAN[transition.nom], args=[dossier.reference])
        elif transition.nom in ACTIONS_GENERIQUES:
            url = reverse("precontentieux:action", args=[dossier.reference, transition.nom])
        else:
            continue
        if transition.nom in ACTIONS_DE_SIGNATURE and dossier.statut not in transition.sources:
            continue  # rien à signer dans cet état : pas de bouton désactivé pour chaque type de courrier
        actions.append(
            {
                "nom": transition.nom,
                "libelle": transition.libelle,
                "possible": possibilite.possible,
                "raison": possibilite.raison,
                "url": url,
                # Sans donnée à saisir : un bouton qui envoie tout de suite (POST), sinon un lien vers l'écran.
                "direct": transition.nom in ACTIONS_GENERIQUES and not transition.motif_requis,
            }
        )
    return actions


def courriers_de_la_fiche(dossier):
    """Courriers du dossier (les plus récents d'abord), une requête ; les remplacés sont signalés comme tels."""
    return list(dossier.courriers.select_related("cree_par", "signe_par").order_by("-cree_le", "-id"))


def peut_ajouter_piece(dossier, user):
    for possibilite in dossier.transitions_possibles(user):
        if possibilite.transition.nom == "ajouter_piece":
            return possibilite.possible, possibilite.raison
    return False, ""


def nom_acteur(acteur):
    if acteur is None:
        return "Système"
    if acteur.est_usager:
        return f"{acteur.nom_complet or acteur.email} (usager)"
    return acteur.nom_complet or acteur.email


def ligne_historique(evenement):
    from precontentieux.workflow import TRANSITIONS

    details = evenement.details or {}
    transition = TRANSITIONS.get(details.get("transition"))
    texte = transition.libelle if transition else evenement.get_type_display()
    if evenement.type == TypeEvenementDossier.PIECE_AJOUTEE and details.get("nom"):
        texte = f"Pièce ajoutée : {details['nom']}"
    if evenement.statut_apres and evenement.statut_avant != evenement.statut_apres:
        texte += f" — statut : {evenement.get_statut_apres_display()}"
    if evenement.type == TypeEvenementDossier.CONTENTIEUX:
        texte = "Contentieux signalé" if details.get("contentieux") else "Contentieux levé"
    if details.get("redacteur_nom"):
        texte += f" — rédacteur : {details['redacteur_nom']}"
    if details.get("signataire"):
        # Le signataire, son rôle et l'horodatage (date de l'événement) : ceux imprimés sur le PDF figé.
        texte += f" — courrier signé par {details['signataire']} ({details.get('role_signataire', '')})"
    return {
        "date": evenement.date,
        "acteur": nom_acteur(evenement.acteur),
        "texte": texte,
        "motif": details.get("motif"),
    }


OBJETS_CONSULTATION = {
    "fiche": "Fiche du dossier",
    "piece": "Pièce",
    "piece_declaration": "Pièce de la déclaration",
    "dossier_paiement": "Dossier de paiement",
}


def ligne_consultation(evenement):
    details = evenement.details or {}
    texte = OBJETS_CONSULTATION.get(details.get("objet"), "Consultation")
    if details.get("nom"):
        texte += f" « {details['nom']} »" + (" (aperçu)" if details.get("apercu") else "")
    return {"date": evenement.date, "acteur": nom_acteur(evenement.acteur), "texte": texte}


def horloge(dossier):
    """L'échéance telle que les files l'affichent (precontentieux/horloge.py : une seule règle)."""
    from django.utils import timezone

    from precontentieux.horloge import Echeance

    return Echeance.du_dossier(dossier, timezone.localdate())


def contexte_fiche(request, dossier, note_form=None):
    user = request.user
    declaration = _declaration(dossier)
    evenements = list(
        dossier.evenements.select_related("acteur").order_by("date", "id")
    )  # une requête : historique et journal
    historique = [ligne_historique(e) for e in evenements if e.type != TypeEvenementDossier.CONSULTATION]
    consultations = [ligne_consultation(e) for e in evenements if e.type == TypeEvenementDossier.CONSULTATION]
    pieces = list(dossier.pieces.select_related("ajoutee_par").order_by("ajoutee_le", "id"))
    ajout_possible, raison_ajout = peut_ajouter_piece(dossier, user)
    return {
        "dossier": dossier,
        "declaration": declaration,
        "recapitulatif_declaration": recapitulatif_declaration(declaration) if declaration else [],
        "pieces_declaration": list(declaration.pieces.all()) if declaration else [],
        "demande": recapitulatif_demande(dossier, user),
        "eligibilite": dossier.reponses_eligibilite or {},
        "pieces": [{"piece": p, "apercu": TYPES_APERCU.get(p.type_mime, "")} for p in pieces],
        "ajout_piece_possible": ajout_possible,
        "raison_ajout_piece": raison_ajout,
        "historique": historique,
        "notes": list(dossier.notes.select_related("auteur")),
        "note_form": note_form or NoteForm(initial={"jeton": nouveau_jeton()}),
        "echanges": list(
            dossier.messages.select_related("auteur").prefetch_related(
                Prefetch("pieces", queryset=PieceJointeDossier.objects.order_by("id"))
            )
        ),
        "voit_journal": bool(user.roles & ROLES_JOURNAL),
        "consultations": consultations[::-1],
        "actions": actions_de_la_fiche(dossier, user),
        "courriers": courriers_de_la_fiche(dossier),
        # Décision renvoyée par le validateur, pas encore reprise : son commentaire en tête de la fiche.
        "renvoi": dernier_renvoi(dossier, evenements),
        "peut_signaler_contentieux": peut_signaler_contentieux(user),
        "dates_legales": bool(dossier.depose_le),
        "horloge": horloge(dossier),
        # Suffixe DSFR du badge (composants/_badge_statut.html), couleur de la table des files.
        "badge_statut": CLASSES_BADGE.get(dossier.statut, "").removeprefix("fr-badge--").replace("no-icon", ""),
    }


def _dossier_de_la_fiche(request, reference):
    return dossier_visible(request, reference, Dossier.objects.select_related("requerant", "redacteur"))


@back_office()
@require_GET
def fiche(request, reference):
    dossier = _dossier_de_la_fiche(request, reference)
    journaliser_consultation(dossier, request.user, "fiche")
    return render(request, "precontentieux/dossier/fiche.html", contexte_fiche(request, dossier))


# --- Notes internes ---------------------------------------------------------------------------------------------


@back_office()
@require_POST
def ajouter_note(request, reference):
    dossier = _dossier_de_la_fiche(request, reference)
    form = NoteForm(request.POST)
    if not form.is_valid():
        contexte = contexte_fiche(request, dossier, note_form=form)
        return render(request, "precontentieux/dossier/fiche.html", contexte, status=400)
    try:
        with transaction.atomic():
            consommer_jeton(form.cleaned_data["jeton"], request.user)
            NoteDossier.objects.create(dossier=dossier, auteur=request.user, texte=form.cleaned_data["texte"])
    except DejaEnvoye:
        messages.info(request, "Cette note était déjà enregistrée.")
    else:
        messages.success(request, "Note ajoutée.")
    return redirect(reverse("precontentieux:dossier", args=[reference]) + "#notes")


# --- Pièces -----------------------------------------------------------------------------------------------------


def _piece(request, reference, pk):
    dossier = _dossier_de_la_fiche(request, reference)
    try:
        piece = dossier.pieces.get(pk=pk)
    except PieceJointeDossier.DoesNotExist:
        raise Http404 from None
    if not piece.utilisable:  # en cours d'analyse antivirus ou infectée : jamais servie
        raise Http404
    return dossier, piece


@back_office()
@require_GET
def piece(request, reference, pk):
    """Téléchargement d'une pièce du dossier (droits vérifiés, consultation journalisée)."""
    dossier, piece = _piece(request, reference, pk)
    journaliser_consultation(dossier, request.user, "piece", piece=piece.pk, nom=piece.nom)
    return reponse_telechargement(piece.fichier.name, piece.nom, piece.type_mime)


def reponse_apercu(nom_stockage, nom, type_mime):
    """La même réponse privée, affichée dans la page (PDF dans un cadre, image) : jamais d'URL publique."""
    reponse = reponse_telechargement(nom_stockage, nom, type_mime)
    reponse["Content-Disposition"] = reponse["Content-Disposition"].replace("attachment", "inline", 1)
    # Cadre de la fiche seulement ; aucun script ni ressource extérieure dans le document affiché.
    reponse["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; " + (
        "frame-ancestors 'self'"
    )
    return reponse


@back_office()
@require_GET
@xframe_options_sameorigin
def piece_apercu(request, reference, pk):
    dossier, piece = _piece(request, reference, pk)
    if piece.type_mime not in TYPES_APERCU:
        raise Http404
    journaliser_consultation(dossier, request.user, "piece", piece=piece.pk, nom=piece.nom, apercu=True)
    return reponse_apercu(piece.fichier.name, piece.nom, piece.type_mime)


@back_office()
@require_GET
def piece_declaration(request, reference, pk):
    """Pièce jointe par l'agent des forces de l'ordre (confidentielle : agents de la Justice seulement)."""
    dossier = _dossier_de_la_fiche(request, reference)
    declaration = _declaration(dossier)
    if declaration is None:
        raise Http404
    piece = declaration.pieces.filter(pk=pk).first()
    if piece is None or not piece.utilisable:  # absente, en cours d'analyse ou infectée
        raise Http404
    journaliser_consultation(dossier, request.user, "piece_declaration", piece=piece.pk, nom=piece.nom_original)
    return reponse_telechargement(piece.fichier.name, piece.nom_original, piece.type_mime)


@back_office()
@require_http_methods(["GET", "POST"])
def ajouter_piece(request, reference):
    """Document reçu par courrier : ajouté par le rédacteur en charge, vérifié comme tout dépôt."""
    dossier = _dossier_de_la_fiche(request, reference)
    possibles = {p.transition.nom: p for p in dossier.transitions_possibles(request.user)}
    if "ajouter_piece" not in possibles:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    possible, raison = possibles["ajouter_piece"].possible, possibles["ajouter_piece"].raison
    url_fiche = reverse("precontentieux:dossier", args=[reference])
    if request.method == "POST":
        form = PieceAgentForm(request.POST, request.FILES)
        if not possible:
            messages.error(request, raison)
            return redirect(url_fiche + "#pieces")
        if form.is_valid():
            return _enregistrer_piece_agent(request, dossier, form, url_fiche)
        status = 400
    else:
        form = PieceAgentForm(initial={"jeton": nouveau_jeton()})
        status = 200
    return render(
        request,
        "precontentieux/dossier/ajouter_piece.html",
        {"dossier": dossier, "form": form, "possible": possible, "raison": raison},
        status=status,
    )


def _enregistrer_piece_agent(request, dossier, form, url_fiche):
    from portail.fichiers import enregistrer_prive, supprimer_prive

    verifie = form.fichier_verifie
    nom_stockage = enregistrer_prive(verifie, "dossiers")
    try:
        with transaction.atomic():
            consommer_jeton(form.cleaned_data["jeton"], request.user)
            dossier.ajouter_piece(
                request.user,
                type=form.cleaned_data["type"],
                fichier=nom_stockage,
                nom=verifie.nom,
                type_mime=verifie.type_mime,
                taille=verifie.taille,
            )
    except DejaEnvoye:
        supprimer_prive(nom_stockage)
        messages.info(request, "Ce document était déjà ajouté.")
    except TransitionInterdite as refus:
        supprimer_prive(nom_stockage)
        messages.error(request, refus.raison)
    else:
        messages.success(request, f"Le document « {verifie.nom} » est ajouté au dossier.")
    return redirect(url_fiche + "#pieces")

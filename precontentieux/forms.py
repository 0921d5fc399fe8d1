"""Formulaires du back-office (fiche dossier, attribution, instruction). Les contextes entrent par `__init__`."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from portail.enums import Role, TypeUtilisateur
from portail.formulaires import ChampMontant, FormulaireDsfr
from precontentieux.enums import MotifCloture, MotifRejet, TypePiece

# Un dossier compte dans la charge d'un rédacteur tant qu'il est entre ses mains.
ETATS_CHARGE = ("a_instruire", "en_instruction", "attente_complements")
LONGUEUR_TEXTE_MAX = 5000


class FormulaireBackOffice(FormulaireDsfr):
    """Base des formulaires du back-office : celle du portail (rendu partagé, saisie normalisée)."""


class JetonMixin(FormulaireDsfr):
    """Jeton à usage unique (voir `precontentieux.instruction.EnvoiUnique`)."""

    jeton = forms.UUIDField(
        widget=forms.HiddenInput, error_messages={"required": "Formulaire expiré : rechargez la page."}
    )


def _texte(label, message, aide="", rows=5, required=True):
    widget = forms.Textarea(attrs={"rows": rows})
    widget.group_class = "fr-input-group"  # champ parfois ajouté après l'habillage de FormulaireDsfr
    return forms.CharField(
        label=label,
        help_text=aide,
        required=required,
        max_length=LONGUEUR_TEXTE_MAX,
        strip=True,
        widget=widget,
        error_messages={
            "required": message,
            "max_length": f"Le texte ne doit pas dépasser {LONGUEUR_TEXTE_MAX} caractères.",
        },
    )


class NoteForm(JetonMixin, FormulaireBackOffice):
    texte = _texte(
        "Nouvelle note interne",
        "Écrivez le texte de la note.",
        aide="Visible des seuls agents du ministère de la Justice. Une note ne peut plus être modifiée.",
        rows=4,
    )


class PieceAgentForm(JetonMixin, FormulaireBackOffice):
    """Document reçu par courrier, ajouté par le rédacteur en charge (mêmes contrôles que partout)."""

    type = forms.ChoiceField(
        label="Type de document",
        choices=[("", "Choisissez un type")] + list(TypePiece.choices),
        error_messages={"required": "Choisissez le type du document.", "invalid_choice": "Type de document inconnu."},
    )
    fichier = forms.FileField(
        label="Fichier",
        help_text="Formats acceptés : PDF, JPEG, PNG, HEIC. Taille maximale : 10 Mo.",
        error_messages={"required": "Choisissez le fichier à ajouter.", "empty": "Le fichier est vide."},
    )

    def clean_fichier(self):
        from portail.fichiers import FichierRefuse, verifier_fichier

        fichier = self.cleaned_data["fichier"]
        try:
            self.fichier_verifie = verifier_fichier(fichier)
        except FichierRefuse as refus:
            raise forms.ValidationError(refus.message_affiche) from None
        return fichier


def redacteurs_actifs():
    """Rédacteurs actifs, chacun annoté de sa charge (dossiers à instruire, en instruction, en attente) : une requête."""
    return (
        get_user_model()
        .objects.filter(is_active=True, type=TypeUtilisateur.AGENT, groups__name=Role.REDACTEUR)
        .annotate(charge=Count("dossiers_instruits", filter=Q(dossiers_instruits__statut__in=ETATS_CHARGE)))
        .order_by("nom", "prenom", "pk")
    )


class ChoixRedacteur(forms.ModelChoiceField):
    def label_from_instance(self, agent):
        nom = agent.nom_complet or agent.email
        pluriel = "s" if agent.charge > 1 else ""
        return f"{nom} — {agent.charge} dossier{pluriel} en cours"


class AttributionForm(FormulaireBackOffice):
    redacteur = ChoixRedacteur(
        label="Rédacteur",
        queryset=None,
        empty_label="Choisissez un rédacteur",
        help_text="Entre parenthèses : le nombre de dossiers que chacun a déjà en cours.",
        error_messages={
            "required": "Choisissez le rédacteur à qui attribuer le dossier.",
            "invalid_choice": "Ce rédacteur n’est pas (ou plus) disponible : choisissez-en un autre.",
        },
    )

    def __init__(self, *args, dossier, reattribution=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.dossier = dossier
        self.fields["redacteur"].queryset = redacteurs_actifs()
        self.fields["redacteur"].help_text = "Chaque rédacteur est suivi du nombre de dossiers qu’il a en cours."
        if reattribution:
            self.fields["motif"] = _texte(
                "Motif de la réattribution",
                "Indiquez le motif de la réattribution.",
                aide="Conservé dans l’historique du dossier.",
                rows=3,
            )
            self.habiller_de_nouveau()

    def clean_redacteur(self):
        redacteur = self.cleaned_data["redacteur"]
        if redacteur.pk == self.dossier.redacteur_id:
            raise forms.ValidationError("Ce rédacteur est déjà en charge du dossier : choisissez-en un autre.")
        return redacteur


class DemandeComplementsForm(FormulaireBackOffice):
    message = _texte(
        "Message à l’usager",
        "Écrivez le message qui explique à l’usager ce qui manque.",
        aide="L’usager le lira dans son espace et le recevra par courriel.",
    )
    pieces = forms.MultipleChoiceField(
        label="Documents demandés",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Cochez les documents que l’usager doit envoyer (facultatif si le message suffit).",
        error_messages={"invalid_choice": "Type de document inconnu."},
    )

    def __init__(self, *args, dossier, **kwargs):
        super().__init__(*args, **kwargs)
        # La liste vient de la table unique des pièces (precontentieux/pieces.py), selon la situation déclarée.
        attendues = dossier.pieces_attendues()
        self.fields["pieces"].choices = [(p.type, p.libelle) for p in attendues]
        if not self.is_bound:
            fournis = set(dossier.pieces.values_list("type", flat=True))
            self.initial["pieces"] = [p.type for p in attendues if p.requise and p.type not in fournis]


class ActionForm(FormulaireBackOffice):
    """Transition sans autre donnée qu'un éventuel motif (obligatoire si la table l'exige)."""

    def __init__(self, *args, transition, **kwargs):
        super().__init__(*args, **kwargs)
        if transition.motif_requis:
            self.fields["motif"] = _texte("Motif", "Indiquez le motif.", aide="Conservé dans l’historique.", rows=3)
        else:
            self.fields["motif"] = _texte("Commentaire (facultatif)", "", rows=3, required=False)
        self.habiller_de_nouveau()


class RenvoiForm(FormulaireBackOffice):
    """Renvoi d'une décision au rédacteur par le validateur : commentaire obligatoire (courriel et fiche)."""

    commentaire = _texte(
        "Commentaire pour le rédacteur",
        "Écrivez ce que le rédacteur doit reprendre : le renvoi sans commentaire n’est pas possible.",
        aide="Le rédacteur le reçoit par courriel et le lit en tête de la fiche ; il reste dans l’historique.",
        rows=5,
    )


# --- Décision (precontentieux/decision.py) ---------------------------------------------------------------------


class PropositionForm(FormulaireBackOffice):
    """Montant proposé (prérempli avec le montant demandé) et paragraphe libre facultatif du courrier."""

    montant = ChampMontant(
        label="Montant proposé (en euros)",
        help_text="En euros et centimes, par exemple 1 250,50. Il sera écrit en chiffres et en lettres.",
        error_messages={"required": "Indiquez le montant proposé."},
    )
    paragraphe = _texte(
        "Paragraphe d’explication (facultatif)",
        "",
        aide="Ajouté tel quel au courrier, après le montant. Exemple : le montant retenu est celui du devis "
        "le moins élevé.",
        rows=4,
        required=False,
    )

    def __init__(self, *args, dossier, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and dossier.montant_demande is not None:
            self.initial.setdefault("montant", dossier.montant_demande)


def _motif_radio(label, choix, message):
    return forms.ChoiceField(
        label=label,
        choices=choix,
        widget=forms.RadioSelect,
        error_messages={"required": message, "invalid_choice": "Motif inconnu."},
    )


class RejetForm(FormulaireBackOffice):
    """Un motif de la liste (chacun a son corps de courrier) ou « autre motif » avec son texte."""

    motif = _motif_radio("Motif du rejet", MotifRejet.choices, "Choisissez le motif du rejet.")
    texte = _texte(
        "Texte du motif (pour « Autre motif » seulement)",
        "Pour un autre motif, écrivez le texte du motif.",
        aide="Obligatoire si vous choisissez « Autre motif » : il remplace le corps du courrier.",
        rows=5,
        required=False,
    )

    def clean(self):
        donnees = super().clean()
        if donnees.get("motif") == MotifRejet.AUTRE and not donnees.get("texte"):
            self.add_error("texte", "Pour un autre motif, écrivez le texte du motif.")
        elif donnees.get("motif") and donnees.get("motif") != MotifRejet.AUTRE:
            donnees["texte"] = ""
        return donnees


class ClotureForm(FormulaireBackOffice):
    """Clôture : un motif de la liste, ou « autre » avec sa précision ; l'usager est averti par courriel."""

    motif = _motif_radio("Motif de la clôture", MotifCloture.choices, "Choisissez le motif de la clôture.")
    texte = _texte(
        "Précision (obligatoire pour « Autre motif »)",
        "Précisez le motif de la clôture.",
        aide="Lue par l’usager dans le courriel qui l’avertit de la clôture.",
        rows=3,
        required=False,
    )

    def clean(self):
        donnees = super().clean()
        if donnees.get("motif") == MotifCloture.AUTRE and not donnees.get("texte"):
            self.add_error("texte", "Précisez le motif de la clôture.")
        return donnees


# --- Paiement (precontentieux/paiement.py) -------------------------------------------------------------


class ConfirmationForm(JetonMixin, FormulaireBackOffice):
    """Confirmation d'une action sans donnée à saisir (préparer l'arrêté, confirmer la transmission au budget) :
    le jeton à usage unique rend le double clic sans effet."""


class IndemnisationForm(JetonMixin, FormulaireBackOffice):
    """« Marquer indemnisé » : la date du virement, ni future ni antérieure à la transmission au budget."""

    date_virement = forms.DateField(
        label="Date du virement",
        help_text="La date à laquelle le service du budget a fait le virement. Format attendu : jj/mm/aaaa.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Indiquez la date du virement.",
            "invalid": "Saisissez une date valide, par exemple 15/03/2026.",
        },
    )

    def __init__(self, *args, dossier, **kwargs):
        super().__init__(*args, **kwargs)
        self.dossier = dossier

    def clean_date_virement(self):
        from django.utils import timezone

        from portail.utils import date_fr

        date = self.cleaned_data["date_virement"]
        if date > timezone.localdate():
            raise forms.ValidationError("La date du virement ne peut pas être dans le futur.")
        transmis = self.dossier.transmis_budget_le
        if transmis and date < timezone.localdate(transmis):
            raise forms.ValidationError(
                "La date du virement ne peut pas précéder la transmission au budget, "
                f"le {date_fr(timezone.localdate(transmis))}."
            )
        return date


class ContentieuxForm(FormulaireBackOffice):
    """Signaler (ou lever) un contentieux : motif obligatoire, conservé dans l'historique du dossier. L'action voulue
    voyage avec le formulaire : un double envoi ne lève pas ce que le premier vient de poser."""

    action = forms.ChoiceField(
        choices=[("poser", "Signaler"), ("lever", "Lever")],
        widget=forms.HiddenInput,
        error_messages={"required": "Formulaire expiré : rechargez la page.", "invalid_choice": "Action inconnue."},
    )

    motif = _texte(
        "Motif",
        "Indiquez le motif (par exemple : requête enregistrée au tribunal administratif, numéro, date).",
        aide="Conservé dans l’historique du dossier.",
        rows=3,
    )


class MessageUsagerForm(JetonMixin, FormulaireBackOffice):
    """Message simple du rédacteur en charge à l'usager (fil « Échanges »), sans changer le statut."""

    message = _texte(
        "Message à l’usager",
        "Écrivez le message à envoyer à l’usager.",
        aide="L’usager le lira dans son espace, averti par courriel, et pourra y répondre. Il ne peut plus être "
        "modifié une fois envoyé.",
    )


class ReinvitationForm(JetonMixin, FormulaireBackOffice):
    """Détacher et réinviter : nouvelle adresse (celle de la dernière invitation par défaut) et motif journalisé."""

    courriel = forms.EmailField(
        label="Adresse électronique de l’usager à inviter",
        help_text="Format attendu : nom@domaine.fr. Le nouveau lien y sera envoyé.",
        max_length=254,
        error_messages={
            "required": "Indiquez l’adresse électronique à laquelle envoyer la nouvelle invitation.",
            "invalid": "Saisissez une adresse électronique valide, par exemple nom@domaine.fr.",
        },
    )
    motif = _texte(
        "Motif",
        "Indiquez le motif : il est conservé dans l’historique du dossier.",
        aide="Par exemple : « la demande a été rattachée au compte d’une autre personne ».",
        rows=3,
    )

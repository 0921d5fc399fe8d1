"""Formulaires des étapes de la demande. Les champs transmis par FranceConnect sont verrouillés (disabled) :
Django ignore alors toute valeur postée et garde la valeur certifiée."""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from portail.formulaires import ChampMontant, FormulaireDsfr
from portail.validateurs import (
    compacter,
    valider_code_postal,
    valider_iban,
    valider_siren_ou_siret,
    valider_telephone,
)
from precontentieux.enums import (
    Civilite,
    QualiteRequerant,
    TypePersonneMorale,
    TypeRequerant,
)
from precontentieux.pieces import CHAMPS_PERSONNE_MORALE, CHAMPS_PERSONNE_PHYSIQUE

OUI_NON = [("oui", "Oui"), ("non", "Non")]
# Déclarés par les forces de l'ordre quand la demande vient d'une déclaration : en lecture seule pour l'usager.
CHAMPS_DECLARES = ("date_operation", "adresse_voie", "adresse_complement", "adresse_code_postal", "adresse_ville")
OUI_NON_BOOLEENS = {"oui": True, "non": False}


def _champ_date(label, requis_message, **kwargs):
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        help_text="Format attendu : JJ/MM/AAAA, par exemple 17/12/2025",
        error_messages={"required": requis_message, "invalid": "Saisissez une date valide, par exemple 17/12/2025."},
        **kwargs,
    )


def _oui_non(label, message, **kwargs):
    return forms.ChoiceField(
        label=label, choices=OUI_NON, widget=forms.RadioSelect, error_messages={"required": message}, **kwargs
    )


class EtapeForm(FormulaireDsfr):
    """Base : pas de validation du navigateur (le brouillon garde les saisies partielles)."""

    radios_en_ligne = True
    titre = ""
    groupes = ()  # [(légende ou None, [champs], condition ou None)]

    def groupes_affiches(self):
        resultat = []
        for legende, noms, condition in self.groupes:
            champs = [self[nom] for nom in noms if nom in self.fields]
            if champs:
                resultat.append({"legende": legende, "champs": champs, "condition": condition})
        return resultat


class EtapeBrisDePorteForm(EtapeForm):
    titre = "Le bris de porte"

    type_requerant = forms.ChoiceField(
        label="Vous faites cette demande en tant que",
        choices=TypeRequerant.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Indiquez si vous êtes une personne physique ou une personne morale."},
    )
    # Exigés seulement selon la réponse précédente (voir clean) : pas de mention « Optionnel ».
    type_personne_morale = forms.ChoiceField(
        label="Type de personne morale",
        choices=[("", "Sélectionnez une option"), *TypePersonneMorale.choices],
        error_messages={"required": "Indiquez le type de personne morale."},
    )
    qualite = forms.ChoiceField(
        label="Votre situation par rapport au logement",
        choices=QualiteRequerant.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Indiquez votre situation par rapport au logement."},
    )
    qualite_precision = forms.CharField(
        label="Précisez votre situation",
        max_length=255,
        error_messages={"required": "Précisez votre situation par rapport au logement."},
        help_text="Seulement si vous avez répondu « Autre situation ». Exemple : hébergé à titre gratuit, usufruitier",
    )
    date_operation = _champ_date("Date du bris de porte", "Indiquez la date du bris de porte.")
    adresse_voie = forms.CharField(
        label="Numéro de voie, rue",
        max_length=255,
        error_messages={"required": "Indiquez le numéro de voie et la rue du logement."},
    )
    adresse_complement = forms.CharField(
        label="Complément d’adresse", required=False, max_length=255, help_text="Étage, escalier, porte"
    )
    adresse_code_postal = forms.CharField(
        label="Code postal",
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
        help_text="5 chiffres, par exemple 75001",
        error_messages={"required": "Indiquez le code postal du logement."},
    )
    adresse_ville = forms.CharField(
        label="Ville", max_length=255, error_messages={"required": "Indiquez la ville du logement."}
    )
    description = forms.CharField(
        label="Décrivez les dommages",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Exemple : porte d’entrée enfoncée, serrure et chambranle arrachés",
        error_messages={"required": "Décrivez les dommages subis."},
    )
    porte_blindee = _oui_non("La porte était-elle blindée ?", "Indiquez si la porte était blindée.")
    reparation_effectuee = _oui_non(
        "Avez-vous déjà fait réparer la porte et payé la réparation ?",
        "Indiquez si la réparation a déjà été faite et payée.",
        help_text="Oui : vous fournirez la facture acquittée et la preuve du paiement. Non : vous fournirez un devis.",
    )
    logement_assure = _oui_non(
        "Le logement était-il assuré au moment du bris de porte ?",
        "Indiquez si le logement était assuré.",
        help_text="Assurance habitation, ou assurance du propriétaire. Oui : vous fournirez l’attestation de non "
        "prise en charge de l’assureur. Non : aucune attestation d’assurance n’est demandée, votre attestation "
        "sur l’honneur au moment du dépôt vaut déclaration de cette absence d’assurance.",
    )
    # Une demande préalable chiffre ce qu'elle demande (issue 9) : le montant de la facture ou du devis.
    montant_demande = ChampMontant(
        label="Montant demandé (en euros)",
        help_text="Le montant de la facture de réparation déjà payée, ou du devis si la porte n’est pas encore "
        "réparée, en euros et centimes. Par exemple 1 250,50",
        error_messages={"required": "Indiquez le montant que vous demandez, en euros."},
    )
    # Seulement quand la demande vient d'une déclaration des forces de l'ordre (date et adresse en lecture seule).
    erreur_signalee = forms.CharField(
        label="Signaler une erreur sur la date ou l’adresse",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Facultatif. Votre message sera lu par les agents qui instruisent votre demande.",
    )

    groupes = (
        (None, ["type_requerant"], None),
        (None, ["type_personne_morale"], ("type_requerant", TypeRequerant.PERSONNE_MORALE)),
        (None, ["qualite", "qualite_precision"], None),
        (
            "Le logement et la date",
            [*CHAMPS_DECLARES, "erreur_signalee"],
            None,
        ),
        (
            "Les dommages",
            ["description", "porte_blindee", "reparation_effectuee", "logement_assure", "montant_demande"],
            None,
        ),
    )

    def __init__(self, *args, declares=None, **kwargs):
        """`declares` : date et adresse déclarées par les forces de l'ordre ; ces champs sont alors en lecture
        seule (Django ignore toute valeur postée pour un champ désactivé) et l'usager peut signaler une erreur."""
        super().__init__(*args, **kwargs)
        self.declares = declares or {}
        if not self.declares:
            del self.fields["erreur_signalee"]
            return
        for nom in CHAMPS_DECLARES:
            champ = self.fields[nom]
            champ.disabled = True
            champ.required = False
            champ.help_text = "Déclaré par les forces de l’ordre : ne peut pas être modifié ici."
            self[nom].help_text = champ.help_text  # le BoundField (déjà en cache) copie l'aide à sa création
            self.initial[nom] = self.declares.get(nom) or ""

    def clean_date_operation(self):
        date = self.cleaned_data["date_operation"]
        if "date_operation" in self.declares:
            return date
        if date and date > timezone.localdate():
            raise ValidationError("La date du bris de porte ne peut pas être dans le futur.")
        if date and date.year < 2000:
            raise ValidationError("Vérifiez l’année : la date semble trop ancienne.")
        return date

    def clean_adresse_code_postal(self):
        valeur = re.sub(r"\s", "", self.cleaned_data["adresse_code_postal"])
        if "adresse_code_postal" not in self.declares:
            valider_code_postal(valeur)
        return valeur

    def clean(self):
        donnees = super().clean()
        if donnees.get("type_requerant") != TypeRequerant.PERSONNE_MORALE:
            self._errors.pop("type_personne_morale", None)
            donnees["type_personne_morale"] = ""
        if donnees.get("qualite") != QualiteRequerant.AUTRE:
            self._errors.pop("qualite_precision", None)
            donnees["qualite_precision"] = ""
        return donnees


class EtapeInformationsForm(EtapeForm):
    titre = "Vos informations"

    civilite = forms.ChoiceField(
        label="Civilité",
        choices=Civilite.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Indiquez votre civilité."},
    )
    prenoms = forms.CharField(
        label="Prénoms",
        max_length=255,
        help_text="Tous vos prénoms, dans l’ordre de l’état civil",
        error_messages={"required": "Indiquez vos prénoms."},
    )
    nom_naissance = forms.CharField(
        label="Nom de naissance", max_length=150, error_messages={"required": "Indiquez votre nom de naissance."}
    )
    nom_usage = forms.CharField(
        label="Nom d’usage", max_length=150, required=False, help_text="Par exemple le nom d’époux ou d’épouse"
    )
    date_naissance = _champ_date("Date de naissance", "Indiquez votre date de naissance.")
    lieu_naissance = forms.CharField(
        label="Lieu de naissance",
        max_length=255,
        help_text="Commune (et pays si vous êtes né·e à l’étranger)",
        error_messages={"required": "Indiquez votre lieu de naissance."},
    )
    raison_sociale = forms.CharField(
        label="Raison sociale", max_length=255, error_messages={"required": "Indiquez la raison sociale."}
    )
    siren_siret = forms.CharField(
        label="Numéro SIREN ou SIRET",
        max_length=20,
        validators=[valider_siren_ou_siret],
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text="9 ou 14 chiffres, par exemple 732 829 320 00074",
        error_messages={"required": "Indiquez le numéro SIREN ou SIRET."},
    )
    representant_legal = forms.CharField(
        label="Représentant légal",
        max_length=255,
        help_text="Nom, prénom et fonction. Exemple : Claire MARTIN, gérante",
        error_messages={"required": "Indiquez le représentant légal."},
    )
    requerant_adresse_voie = forms.CharField(
        label="Numéro de voie, rue",
        max_length=255,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
        error_messages={"required": "Indiquez votre adresse."},
    )
    requerant_adresse_complement = forms.CharField(label="Complément d’adresse", required=False, max_length=255)
    requerant_adresse_code_postal = forms.CharField(
        label="Code postal",
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
        help_text="5 chiffres, par exemple 75001",
        error_messages={"required": "Indiquez le code postal."},
    )
    requerant_adresse_ville = forms.CharField(
        label="Ville", max_length=255, error_messages={"required": "Indiquez la ville."}
    )
    telephone = forms.CharField(
        label="Téléphone",
        max_length=30,
        validators=[valider_telephone],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        help_text="Exemple : 06 00 00 00 00",
        error_messages={"required": "Indiquez un numéro de téléphone."},
    )
    courriel = forms.EmailField(
        label="Courriel",
        help_text="L’accusé de réception et les suites de votre demande y seront envoyés",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": "Indiquez votre adresse électronique.",
            "invalid": "Saisissez une adresse électronique valide, par exemple martin.dupont@courriel.fr.",
        },
    )
    iban = forms.CharField(
        label="IBAN",
        max_length=50,
        validators=[valider_iban],
        help_text="Il figure sur votre RIB. Exemple : FR76 3000 6000 0112 3456 7890 189",
        error_messages={"required": "Indiquez l’IBAN du compte sur lequel verser l’indemnisation."},
    )
    titulaire_compte = forms.CharField(
        label="Titulaire du compte",
        max_length=255,
        help_text="Tel qu’il figure sur le RIB",
        error_messages={"required": "Indiquez le titulaire du compte."},
    )

    groupes = (
        ("Votre état civil", list(CHAMPS_PERSONNE_PHYSIQUE), None),
        ("La personne morale", list(CHAMPS_PERSONNE_MORALE), None),
        (
            "Vos coordonnées",
            [
                "requerant_adresse_voie",
                "requerant_adresse_complement",
                "requerant_adresse_code_postal",
                "requerant_adresse_ville",
                "telephone",
                "courriel",
            ],
            None,
        ),
        ("Vos coordonnées bancaires, pour le versement de l’indemnisation", ["iban", "titulaire_compte"], None),
    )

    def __init__(self, *args, type_requerant="", verrouilles=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.type_requerant = type_requerant
        retires = (
            CHAMPS_PERSONNE_PHYSIQUE if type_requerant == TypeRequerant.PERSONNE_MORALE else CHAMPS_PERSONNE_MORALE
        )
        for nom in retires:
            del self.fields[nom]
        self.verrouilles = {}
        for nom, valeur in (verrouilles or {}).items():
            if nom in self.fields and valeur not in (None, ""):
                champ = self.fields[nom]
                champ.disabled = True
                champ.help_text = "Transmis par FranceConnect : ne peut pas être modifié ici."
                self[nom].help_text = champ.help_text  # le BoundField (déjà en cache) copie l'aide à sa création
                self.initial[nom] = valeur
                self.verrouilles[nom] = valeur
        if "courriel" in self.verrouilles:
            self.fields["courriel"].help_text = self["courriel"].help_text = (
                "Adresse de contact de votre compte : pour en utiliser une autre, choisissez « Changer mon adresse "
                "de contact » dans « Mes demandes » (un code de vérification vous y sera envoyé)."
            )
        if type_requerant == TypeRequerant.PERSONNE_MORALE:
            self.fields["requerant_adresse_voie"].label = "Adresse du siège : numéro de voie, rue"
            self.fields["courriel"].label = "Courriel de contact"

    def clean_requerant_adresse_code_postal(self):
        valeur = re.sub(r"\s", "", self.cleaned_data["requerant_adresse_code_postal"])
        valider_code_postal(valeur)
        return valeur

    def clean_iban(self):
        return compacter(self.cleaned_data["iban"])

    def clean_siren_siret(self):
        return compacter(self.cleaned_data["siren_siret"])

    def clean_date_naissance(self):
        date = self.cleaned_data["date_naissance"]
        if date and (date > timezone.localdate() or date < datetime.date(1900, 1, 1)):
            raise ValidationError("Vérifiez votre date de naissance.")
        return date


class EtapePiecesForm(EtapeForm):
    """Les fichiers sont traités à part (un champ de fichiers par type de pièce) ; rien à valider ici :
    les pièces requises sont vérifiées au dépôt, et le récapitulatif liste celles qui manquent."""

    titre = "Pièces justificatives"


class DepotForm(FormulaireDsfr):
    attestation_honneur = forms.BooleanField(
        label="J’atteste sur l’honneur l’exactitude des informations fournies et des documents joints.",
        help_text="Une fausse déclaration peut entraîner des poursuites (article 441-6 du code pénal).",
        error_messages={"required": "Cochez l’attestation sur l’honneur pour déposer votre demande."},
    )


ETAPES = [
    ("le-bris-de-porte", EtapeBrisDePorteForm),
    ("vos-informations", EtapeInformationsForm),
    ("pieces-justificatives", EtapePiecesForm),
]
ETAPE_RECAPITULATIF = "recapitulatif"
FORMULAIRES = dict(ETAPES)

"""Formulaires de l'assistant de déclaration (libellés et aides : guide de déclaration des forces de l'ordre)."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from declarations.enums import ErreurOperationnelle
from portail.formulaires import FormulaireDsfr
from portail.validateurs import valider_code_postal, valider_telephone
from precontentieux.enums import Civilite

OUI_NON = [("oui", "Oui"), ("non", "Non")]

# Champs de l'étape 3 obligatoires seulement si l'agent a les coordonnées de l'usager.
CHAMPS_COORDONNEES_REQUIS = ("usager_nom", "usager_prenom", "usager_telephone", "usager_courriel")
CHAMPS_COORDONNEES = ("usager_civilite", *CHAMPS_COORDONNEES_REQUIS, "usager_precisions")


def url_faq():
    """Adresse de la foire aux questions."""
    return reverse("faq:liste")


def normaliser_telephone(valeur):
    """Accepte « 06 00 00 00 00 », « 06.00.00.00.00 », « +33 6 00 00 00 00 » ; garde la saisie lisible."""
    valider_telephone(valeur)
    return valeur.strip()


class ChampTelephone(forms.CharField):
    widget = forms.TextInput(attrs={"type": "tel", "autocomplete": "off"})

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)

    def clean(self, valeur):
        valeur = super().clean(valeur)
        return normaliser_telephone(valeur) if valeur else valeur


class EtapeForm(FormulaireDsfr):
    """Base des étapes : les erreurs s'affichent seulement à « Continuer » ; pas de validation du navigateur
    (le brouillon accepte des saisies partielles, « Revenir » ne doit jamais être bloqué)."""

    titre = ""
    groupes = ()  # [(légende ou None, [champs])] pour l'affichage

    def groupes_affiches(self):
        return [(legende, [self[nom] for nom in noms]) for legende, noms in self.groupes]


class EtapeBrisDePorteForm(EtapeForm):
    titre = "Éléments relatifs au bris de porte"

    erreur_operationnelle = forms.ChoiceField(
        label="S’agissait-il d’une erreur opérationnelle ?",
        choices=ErreurOperationnelle.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Indiquez s’il s’agissait d’une erreur opérationnelle."},
    )
    description_operation = forms.CharField(
        label="Décrivez l’opération",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Exemple : 1 porte et 1 portail cassés, aucun numéro sur la porte",
        max_length=5000,
    )
    date_operation = forms.DateField(
        label="Date de l’opération",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        help_text="Format attendu : JJ/MM/AAAA, par exemple 17/12/2025",
        error_messages={
            "required": "Indiquez la date de l’opération.",
            "invalid": "Saisissez une date valide, par exemple 17/12/2025.",
        },
    )
    adresse_voie = forms.CharField(
        label="Numéro de voie, rue",
        max_length=255,
        error_messages={"required": "Indiquez le numéro de voie et la rue du logement."},
    )
    adresse_complement = forms.CharField(
        label="Complément d’adresse", required=False, max_length=255, help_text="Étage, escalier"
    )
    adresse_code_postal = forms.CharField(
        label="Code postal",
        max_length=10,
        validators=[valider_code_postal],
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text="5 chiffres, par exemple 75001",
        error_messages={"required": "Indiquez le code postal du logement."},
    )
    adresse_ville = forms.CharField(
        label="Ville", max_length=255, error_messages={"required": "Indiquez la ville du logement."}
    )

    groupes = (
        (None, ["erreur_operationnelle", "description_operation", "date_operation"]),
        (
            "Adresse du logement ayant subi le bris de porte",
            ["adresse_voie", "adresse_complement", "adresse_code_postal", "adresse_ville"],
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        faq = url_faq()
        lien_faq = format_html('<a href="{}">la foire aux questions</a>', faq) if faq else "la foire aux questions"
        explications = {
            ErreurOperationnelle.OUI: "Le logement perquisitionné n’était pas visé par l’opération.",
            ErreurOperationnelle.NON: "Le logement perquisitionné était visé par l’opération.",
            ErreurOperationnelle.DOUTE: format_html(
                "Vous avez un doute sur la situation ? Vous ne savez pas s’il s’agit d’une erreur opérationnelle ? "
                "Vous pouvez consulter {}. Le Bureau du précontentieux se chargera d’instruire la demande "
                "a posteriori.",
                lien_faq,
            ),
        }
        self.fields["erreur_operationnelle"].choices = [
            (valeur, format_html('{} <span class="fr-hint-text">{}</span>', libelle, explications[valeur]))
            for valeur, libelle in ErreurOperationnelle.choices
        ]

    def clean_date_operation(self):
        date = self.cleaned_data["date_operation"]
        if date and date > timezone.localdate():
            raise ValidationError("La date de l’opération ne peut pas être dans le futur.")
        if date and date.year < 2000:
            raise ValidationError("Vérifiez l’année : la date de l’opération semble trop ancienne.")
        return date

    def clean_adresse_code_postal(self):
        return re.sub(r"\s", "", self.cleaned_data["adresse_code_postal"])

    def full_clean(self):
        # Le code postal accepte « 75 001 » : espaces retirés avant les validateurs du champ.
        if self.is_bound and self.data:
            cle = self.add_prefix("adresse_code_postal")
            if cle in self.data and isinstance(self.data.get(cle), str):
                self.data = self.data.copy()
                self.data[cle] = re.sub(r"\s", "", self.data[cle])
        super().full_clean()


class EtapeServiceEnqueteurForm(EtapeForm):
    """Confidentiel : ces informations ne sont jamais accessibles à l'usager."""

    titre = "Éléments relatifs au service enquêteur"

    service_enqueteur = forms.CharField(
        label="Service enquêteur", max_length=255, error_messages={"required": "Indiquez le service enquêteur."}
    )
    telephone_service = ChampTelephone(
        label="Téléphone du service ou de l’agent",
        error_messages={"required": "Indiquez le téléphone du service ou de l’agent."},
    )
    courriel_agent = forms.EmailField(
        label="Courriel de l’agent",
        help_text="Exemple : damien.tournay@gendarmerie.interieur.gouv.fr",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": "Indiquez votre adresse électronique.",
            "invalid": "Saisissez une adresse électronique valide, par exemple nom@interieur.gouv.fr.",
        },
    )
    numero_procedure = forms.CharField(
        label="Numéro de procédure", max_length=100, error_messages={"required": "Indiquez le numéro de procédure."}
    )
    juridiction = forms.CharField(label="Juridiction / parquet (le cas échéant)", required=False, max_length=255)
    magistrat = forms.CharField(label="Nom du magistrat (le cas échéant)", required=False, max_length=255)

    groupes = (
        (
            "Informations concernant la procédure",
            [
                "service_enqueteur",
                "telephone_service",
                "courriel_agent",
                "numero_procedure",
                "juridiction",
                "magistrat",
            ],
        ),
    )


class EtapeUsagerForm(EtapeForm):
    radios_en_ligne = True
    titre = "Informations concernant l’usager"

    coordonnees_usager = forms.ChoiceField(
        label="J’ai les coordonnées de l’usager",
        choices=OUI_NON,
        widget=forms.RadioSelect,
        error_messages={"required": "Indiquez si vous avez les coordonnées de l’usager."},
    )
    usager_civilite = forms.ChoiceField(
        label="Civilité", choices=Civilite.choices, required=False, widget=forms.RadioSelect
    )
    usager_nom = forms.CharField(
        label="Nom", max_length=150, help_text="Exemple : DUPONT", error_messages={"required": "Indiquez le nom."}
    )
    usager_prenom = forms.CharField(
        label="Prénom", max_length=150, help_text="Exemple : Martin", error_messages={"required": "Indiquez le prénom."}
    )
    usager_telephone = ChampTelephone(
        label="Téléphone",
        help_text="Exemple : 06 00 00 00 00",
        error_messages={"required": "Indiquez le téléphone de l’usager."},
    )
    usager_courriel = forms.EmailField(
        label="Courriel",
        help_text="Exemple : martin.dupont@courriel.fr",
        error_messages={
            "required": "Indiquez l’adresse électronique de l’usager : elle sert à l’inviter à faire sa demande.",
            "invalid": "Saisissez une adresse électronique valide, par exemple martin.dupont@courriel.fr.",
        },
    )
    usager_precisions = forms.CharField(
        label="Précisions concernant l’usager",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Exemple : Locataire et épouse du mis en cause",
    )

    groupes = (
        (None, ["coordonnees_usager"]),
        ("Coordonnées de l’usager", list(CHAMPS_COORDONNEES)),
    )

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("coordonnees_usager") != "oui":
            # Sans coordonnées (ou sans réponse), les champs de l'usager ne sont ni exigés ni conservés.
            for champ in CHAMPS_COORDONNEES:
                self._errors.pop(champ, None)
                cleaned_data[champ] = ""
        return cleaned_data


ETAPES = [
    ("bris-de-porte", EtapeBrisDePorteForm),
    ("service-enqueteur", EtapeServiceEnqueteurForm),
    ("usager", EtapeUsagerForm),
]


class InvitationUsagerForm(FormulaireDsfr):
    """Ajouter les coordonnées de l'usager après l'envoi, ou renvoyer une invitation expirée."""

    radios_en_ligne = True

    civilite = forms.ChoiceField(label="Civilité", choices=Civilite.choices, required=False, widget=forms.RadioSelect)
    nom = forms.CharField(label="Nom", max_length=150, error_messages={"required": "Indiquez le nom."})
    prenom = forms.CharField(label="Prénom", max_length=150, error_messages={"required": "Indiquez le prénom."})
    telephone = ChampTelephone(
        label="Téléphone",
        help_text="Exemple : 06 00 00 00 00",
        error_messages={"required": "Indiquez le téléphone de l’usager."},
    )
    courriel = forms.EmailField(
        label="Courriel",
        help_text="Exemple : martin.dupont@courriel.fr",
        error_messages={
            "required": "Indiquez l’adresse électronique de l’usager.",
            "invalid": "Saisissez une adresse électronique valide, par exemple martin.dupont@courriel.fr.",
        },
    )

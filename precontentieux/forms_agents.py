"""Formulaires de la gestion des agents (gestionnaire) : recherche, rôles, motif d'une désactivation."""

from django import forms

from portail.enums import DESCRIPTIONS_ROLES, ORDRE_ROLES_MJ, Role
from precontentieux.forms import FormulaireBackOffice, _texte

STATUTS = [("", "Actifs et inactifs"), ("actifs", "Actifs"), ("inactifs", "Inactifs")]
LONGUEUR_RECHERCHE_MAX = 100


class RechercheAgentsForm(FormulaireBackOffice):
    q = forms.CharField(
        label="Nom, prénom ou adresse électronique",
        required=False,
        max_length=LONGUEUR_RECHERCHE_MAX,
        error_messages={"max_length": f"La recherche ne doit pas dépasser {LONGUEUR_RECHERCHE_MAX} caractères."},
    )
    role = forms.ChoiceField(
        label="Rôle",
        required=False,
        choices=[("", "Tous les rôles"), ("aucun", "Aucun rôle (en attente)")] + list(Role.choices),
        error_messages={"invalid_choice": "Rôle inconnu."},
    )
    statut = forms.ChoiceField(
        label="Compte", required=False, choices=STATUTS, error_messages={"invalid_choice": "Choix inconnu."}
    )

    def filtrer(self, agents):
        from portail.agents import NOMS_ROLES_MJ, recherche

        donnees = self.cleaned_data if self.is_bound else {}
        agents = recherche(agents, donnees.get("q", ""))
        role = donnees.get("role")
        if role == "aucun":
            agents = agents.exclude(groups__name__in=NOMS_ROLES_MJ | {str(Role.FORCES_DE_L_ORDRE)})
        elif role:
            agents = agents.filter(groups__name=role)
        if donnees.get("statut") == "actifs":
            agents = agents.filter(is_active=True)
        elif donnees.get("statut") == "inactifs":
            agents = agents.filter(is_active=False)
        return agents.order_by("nom", "prenom", "pk")


class ChoixRoles(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


def _choix_roles():
    return [(str(role), role.label) for role in ORDRE_ROLES_MJ]


class RolesForm(FormulaireBackOffice):
    """Rôles du ministère (cases à cocher, une description par rôle) et motif du changement."""

    roles = ChoixRoles(
        label="Rôles",
        required=False,
        choices=_choix_roles,
        error_messages={"invalid_choice": "Rôle inconnu."},
    )

    def __init__(self, *args, premier_acces=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.premier_acces = premier_acces
        self.fields["roles"].help_text = "Cochez chaque rôle que l’agent doit avoir."
        if premier_acces:
            self.fields["motif"] = _texte(
                "Commentaire (facultatif)", "", aide="Conservé dans l’historique de l’agent.", rows=3, required=False
            )
        else:
            self.fields["motif"] = _texte(
                "Motif du changement",
                "Indiquez le motif du changement de rôles.",
                aide="Conservé dans l’historique de l’agent.",
                rows=3,
            )
        self.habiller_de_nouveau()

    def clean_roles(self):
        roles = self.cleaned_data["roles"]
        if self.premier_acces and not roles:
            raise forms.ValidationError("Cochez au moins un rôle pour accorder l’accès.")
        return roles

    def descriptions(self):
        """[(case à cocher, description d'une ligne)] pour le gabarit."""
        return [(case, DESCRIPTIONS_ROLES[Role(case.data["value"])]) for case in self["roles"]]


class MotifForm(FormulaireBackOffice):
    """Motif obligatoire d'une désactivation, d'une réactivation ou d'un refus d'accès."""

    def __init__(self, *args, libelle="Motif", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["motif"] = _texte(
            libelle, "Indiquez le motif.", aide="Conservé dans l’historique de l’agent.", rows=3
        )
        self.habiller_de_nouveau()

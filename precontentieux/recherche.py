"""Recherche de dossiers du back-office : formulaire (GET), filtres et texte libre.

Sur PostgreSQL, le texte libre interroge `Dossier.vecteur_recherche` (tsvector tenu à jour par un
déclencheur, configuration `french` sur un texte passé par `unaccent`, index GIN) : chaque mot saisi est
cherché comme préfixe (« dup » trouve DUPONT, « lefevre » trouve Lefèvre). Ailleurs (SQLite embarqué),
chaque mot doit apparaître (`icontains`) dans l'un des champs. Champs cherchés : `CHAMPS_RECHERCHE`
(+ référence, nom et prénom de l'usager de la déclaration des forces de l'ordre sur PostgreSQL).
Règles complètes : docs/back-office.md.
"""

import datetime
import operator
import re
from functools import reduce

from django import forms
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Func, Q, Value

from portail.enums import ADMINISTRATIONS_FDO, CodeAdministration, Role
from portail.formulaires import FormulaireDsfr, ListeErreursDsfr
from portail.models import Utilisateur
from precontentieux.enums import StatutDossier
from precontentieux.files_attente import TRIS
from precontentieux.horloge import debut_du_jour, filtre_echeance_depassee

CHAMPS_RECHERCHE = (
    "reference",
    "prenoms",
    "nom_naissance",
    "nom_usage",
    "raison_sociale",
    "siren_siret",
    "representant_legal",
    "adresse_voie",
    "adresse_complement",
    "adresse_code_postal",
    "adresse_ville",
    "requerant_adresse_voie",
    "requerant_adresse_complement",
    "requerant_adresse_code_postal",
    "requerant_adresse_ville",
)
NON_ATTRIBUE = "aucun"
# Le back-office cherche parmi les demandes déposées (les demandes à compléter sont encore des brouillons).
STATUTS_RECHERCHABLES = [
    (valeur, libelle) for valeur, libelle in StatutDossier.choices if valeur != StatutDossier.A_COMPLETER
]
ADMINISTRATIONS = [(c.value, c.label) for c in CodeAdministration if c in ADMINISTRATIONS_FDO]
MOTS_MAX = 8


def mots(texte):
    """Mots de la saisie (lettres et chiffres seulement : rien ne peut casser la syntaxe tsquery)."""
    return re.findall(r"\w+", texte or "")[:MOTS_MAX]


def filtre_texte(texte):
    """Condition ORM pour le texte libre (None si aucun mot)."""
    liste = mots(texte)
    if not liste:
        return None
    if connection.vendor == "postgresql":
        requete = " & ".join(f"{mot}:*" for mot in liste)
        return Q(
            vecteur_recherche=SearchQuery(Func(Value(requete), function="unaccent"), config="french", search_type="raw")
        )
    return reduce(
        operator.and_,
        (reduce(operator.or_, (Q(**{f"{champ}__icontains": mot}) for champ in CHAMPS_RECHERCHE)) for mot in liste),
    )


class RechercheForm(FormulaireDsfr):
    q = forms.CharField(
        label="Mots recherchés",
        required=False,
        max_length=200,
        help_text="Référence, nom, raison sociale, SIREN ou SIRET, adresse, code postal, commune. "
        "Le début d’un mot suffit, sans accent ni majuscule : « dup » trouve DUPONT.",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    statut = forms.MultipleChoiceField(
        label="Statut", required=False, choices=STATUTS_RECHERCHABLES, widget=forms.CheckboxSelectMultiple
    )
    redacteur = forms.ChoiceField(label="Rédacteur", required=False)
    administration = forms.ChoiceField(
        label="Administration de l’agent déclarant",
        required=False,
        choices=[("", "Toutes")] + ADMINISTRATIONS,
    )
    depose_du = forms.DateField(
        label="Déposé à partir du",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    depose_au = forms.DateField(
        label="Déposé jusqu’au",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    echeance_depassee = forms.BooleanField(label="Date de rejet implicite dépassée", required=False)
    tri = forms.ChoiceField(
        label="Trier par",
        required=False,
        choices=[(cle, libelle) for cle, (libelle, _) in TRIS.items()],
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_class", ListeErreursDsfr)
        super().__init__(*args, **kwargs)
        redacteurs = (
            Utilisateur.objects.filter(groups__name=Role.REDACTEUR, is_active=True)
            .order_by("nom", "prenom", "pk")
            .only("pk", "prenom", "nom", "email")
        )
        self.fields["redacteur"].choices = [("", "Tous"), (NON_ATTRIBUE, "Non attribué")] + [
            (str(r.pk), r.nom_complet or r.email) for r in redacteurs
        ]
        for champ in self.fields.values():
            if not hasattr(champ.widget, "group_class"):
                champ.widget.group_class = "fr-input-group"

    def get_context(self):
        # DsfrBaseForm.get_context émet un avertissement transitoire : on fixe la valeur nous-mêmes.
        context = forms.Form.get_context(self)
        context["DSFR_MARK_OPTIONAL_FIELDS"] = False
        return context

    def clean(self):
        donnees = super().clean()
        du, au = donnees.get("depose_du"), donnees.get("depose_au")
        if du and au and du > au:
            self.add_error("depose_au", "Cette date doit être postérieure ou égale à « Déposé à partir du ».")
        return donnees

    @property
    def tri_choisi(self):
        return (self.cleaned_data.get("tri") if self.is_valid() else "") or "-depot"

    def filtrer(self, dossiers):
        """Applique les critères valides au queryset (les dossiers déposés, ordonnés selon le tri)."""
        dossiers = dossiers.filter(depose_le__isnull=False)
        donnees = self.cleaned_data
        condition = filtre_texte(donnees.get("q"))
        if condition is not None:
            dossiers = dossiers.filter(condition)
        if donnees.get("statut"):
            dossiers = dossiers.filter(statut__in=donnees["statut"])
        redacteur = donnees.get("redacteur")
        if redacteur == NON_ATTRIBUE:
            dossiers = dossiers.filter(redacteur__isnull=True)
        elif redacteur:
            dossiers = dossiers.filter(redacteur_id=int(redacteur))
        if donnees.get("administration"):
            dossiers = dossiers.filter(declaration__agent__administration__code=donnees["administration"])
        if donnees.get("depose_du"):
            dossiers = dossiers.filter(depose_le__gte=debut_du_jour(donnees["depose_du"]))
        if donnees.get("depose_au"):
            dossiers = dossiers.filter(depose_le__lt=debut_du_jour(donnees["depose_au"] + datetime.timedelta(days=1)))
        if donnees.get("echeance_depassee"):
            dossiers = dossiers.filter(**filtre_echeance_depassee())
        return dossiers

    def criteres(self):
        """Critères non vides, en texte (journal de l'export CSV)."""
        resultat = {}
        for nom, valeur in self.cleaned_data.items():
            if valeur in (None, "", [], False):
                continue
            resultat[nom] = [str(v) for v in valeur] if isinstance(valeur, list) else str(valeur)
        return resultat

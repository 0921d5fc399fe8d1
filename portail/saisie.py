"""Normalisation de la saisie, commune à tous les formulaires du portail.

Avant toute validation de champ (donc avant toute requête SQL construite à partir de la saisie) :

- chaque valeur texte est mise en forme normale Unicode **NFC** (un « é » saisi en deux caractères devient
  un seul), sauf les mots de passe, gardés tels quels ;
- les **caractères de contrôle** (NUL compris, qui provoquerait une erreur de PostgreSQL) sont refusés ;
  les retours à la ligne et tabulations ne sont admis que dans les zones de texte multiligne ;
- les **caractères de contrôle de direction** (U+202A à U+202E, U+2066 à U+2069, U+200E, U+200F,
  U+061C), qui inversent l'ordre d'affichage d'un texte dans les courriels et les PDF, sont refusés ;
- là où un nombre ou une date est attendu, seuls les **chiffres ASCII** (0 à 9) sont admis. Les numéros
  saisis dans des champs texte (IBAN, code postal, SIREN/SIRET, téléphone) sont vérifiés de la même façon
  par `portail.validateurs`.

Une valeur refusée n'atteint jamais la validation du champ : le champ reçoit une erreur française claire
(liée au champ) et la saisie est à corriger.

Usage : `NormalisationSaisieMixin` en première base d'un formulaire (avant `DsfrBaseForm`, `ModelForm`
ou les formulaires d'allauth) ; `verifier_saisie(valeur)` pour une valeur isolée.
"""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError

# Contrôles de direction (Unicode Bidi_Control), et le caractère de remplissage invisible de Hangul n'est
# pas concerné : seuls ceux qui changent l'ordre d'affichage.
CARACTERES_BIDI = frozenset(
    "\u061c"  # ARABIC LETTER MARK
    "\u200e\u200f"  # LEFT-TO-RIGHT MARK, RIGHT-TO-LEFT MARK
    "\u202a\u202b\u202c\u202d\u202e"  # LRE, RLE, PDF, LRO, RLO
    "\u2066\u2067\u2068\u2069"  # LRI, RLI, FSI, PDI
)
BLANCS_MULTILIGNE = frozenset("\t\n\r")

MESSAGE_CONTROLE = (
    "Ce champ contient un caractère invisible non autorisé (caractère de contrôle {code}). "
    "Retapez votre saisie au lieu de la coller, puis réessayez."
)
MESSAGE_RETOUR_LIGNE = "Ce champ tient sur une seule ligne : retirez les retours à la ligne et les tabulations."
MESSAGE_BIDI = (
    "Ce champ contient un caractère invisible qui modifie le sens d’écriture du texte ({code}). "
    "Retapez votre saisie au lieu de la coller, puis réessayez."
)
MESSAGE_CHIFFRES = "Saisissez les chiffres de 0 à 9 (les chiffres d’une autre écriture ne sont pas acceptés)."

# Champs où un nombre ou une date est attendu.
CHAMPS_NUMERIQUES = (
    forms.IntegerField,
    forms.DecimalField,
    forms.FloatField,
    forms.DateField,
    forms.DateTimeField,
    forms.TimeField,
    forms.DurationField,
)


def _code(caractere):
    return f"U+{ord(caractere):04X}"


def verifier_saisie(valeur, *, multiligne=False, chiffres_ascii=False, normaliser=True):
    """Renvoie `valeur` en NFC, ou lève `ValidationError` (message français) si elle contient un caractère
    refusé. Une valeur qui n'est pas une chaîne est renvoyée telle quelle."""
    if not isinstance(valeur, str):
        return valeur
    for caractere in valeur:
        if caractere in CARACTERES_BIDI:
            raise ValidationError(MESSAGE_BIDI.format(code=_code(caractere)), code="caractere_bidi")
        categorie = unicodedata.category(caractere)
        if categorie == "Cc":
            if caractere in BLANCS_MULTILIGNE:
                if not multiligne:
                    raise ValidationError(MESSAGE_RETOUR_LIGNE, code="retour_ligne")
                continue
            raise ValidationError(MESSAGE_CONTROLE.format(code=_code(caractere)), code="caractere_controle")
        if categorie == "Cs":  # demi-codet isolé : jamais un texte valide
            raise ValidationError(MESSAGE_CONTROLE.format(code=_code(caractere)), code="caractere_controle")
        if chiffres_ascii and categorie == "Nd" and not ("0" <= caractere <= "9"):
            raise ValidationError(MESSAGE_CHIFFRES, code="chiffres_non_ascii")
    return unicodedata.normalize("NFC", valeur) if normaliser else valeur


def _est_multiligne(widget):
    return isinstance(widget, forms.Textarea)


def _est_mot_de_passe(widget):
    return isinstance(widget, forms.PasswordInput)


def _cles(champ_lie):
    """Clés de la saisie lues par le widget du champ (un MultiWidget lit plusieurs clés suffixées)."""
    widget = champ_lie.field.widget
    nom = champ_lie.html_name
    if isinstance(widget, forms.MultiWidget):
        return [nom, *(f"{nom}{suffixe}" for suffixe in widget.widgets_names)]
    return [nom]


class _Donnees:
    """Copie modifiable de `form.data` (QueryDict ou dict), valeur par valeur."""

    def __init__(self, donnees):
        self.querydict = hasattr(donnees, "getlist")
        self.donnees = donnees.copy() if self.querydict else dict(donnees)

    def __contains__(self, cle):
        return cle in self.donnees

    def valeurs(self, cle):
        if self.querydict:
            return self.donnees.getlist(cle)
        valeur = self.donnees[cle]
        return list(valeur) if isinstance(valeur, (list, tuple)) else [valeur]

    def remplacer(self, cle, valeurs):
        if self.querydict:
            self.donnees.setlist(cle, valeurs)
            return
        ancienne = self.donnees[cle]
        self.donnees[cle] = type(ancienne)(valeurs) if isinstance(ancienne, (list, tuple)) else valeurs[0]


class NormalisationSaisieMixin:
    """À placer en première base d'un formulaire : normalise et vérifie la saisie avant la validation."""

    def full_clean(self):
        erreurs = {}
        if self.is_bound and self.data:
            donnees = _Donnees(self.data)
            for nom, champ_lie in self._bound_items():
                champ = champ_lie.field
                if champ.disabled:
                    continue  # Django ignore la valeur postée d'un champ verrouillé
                options = {
                    "multiligne": _est_multiligne(champ.widget),
                    "chiffres_ascii": isinstance(champ, CHAMPS_NUMERIQUES),
                    "normaliser": not _est_mot_de_passe(champ.widget),
                }
                for cle in _cles(champ_lie):
                    if cle not in donnees:
                        continue
                    nouvelles = []
                    for valeur in donnees.valeurs(cle):
                        try:
                            nouvelles.append(verifier_saisie(valeur, **options))
                        except ValidationError as erreur:
                            erreurs.setdefault(nom, erreur)
                            nouvelles.append("")  # la valeur refusée n'atteint pas la validation du champ
                    donnees.remplacer(cle, nouvelles)
            self.data = donnees.donnees
        super().full_clean()
        if erreurs and hasattr(self, "cleaned_data"):
            for nom, erreur in erreurs.items():
                # Seule l'erreur de saisie est montrée (pas « Ce champ est obligatoire » en plus).
                self._errors.pop(nom, None)
                self.add_error(nom, erreur)


class FormulaireAdmin(NormalisationSaisieMixin, forms.ModelForm):
    """Formulaire de base des pages de l'administration Django (`form = FormulaireAdmin`)."""


# Caractères de contrôle (catégorie Cc) sauf tabulation et retours à la ligne, et demi-codets isolés.
_CONTROLES_HORS_BLANCS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def nettoyer_pour_brouillon(valeur):
    """Saisie brute gardée dans un brouillon (enregistrement automatique, sans validation) : NFC, et sans les
    caractères de contrôle (NUL compris) que la base refuserait. Les autres refus (sens d'écriture…) sont
    signalés quand l'étape est validée."""
    return unicodedata.normalize("NFC", _CONTROLES_HORS_BLANCS.sub("", str(valeur)))

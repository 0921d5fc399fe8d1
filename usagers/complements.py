"""Réponse de l'usager à une demande de compléments : un message et des documents, sur la page de sa demande.

Les fichiers sont vérifiés par leur contenu (portail.fichiers) avant toute écriture ; la réponse entière
(pièces, message du fil, retour en instruction, courriel au rédacteur) est écrite par
`precontentieux.instruction.repondre_aux_complements`, en une transaction.
"""

from django import forms

from portail.fichiers import FichierRefuse, verifier_fichier
from portail.formulaires import FormulaireDsfr
from precontentieux.enums import TypePiece

NOMBRE_MAX_FICHIERS = 20
LONGUEUR_MAX = 5000


class ReponseComplementsForm(FormulaireDsfr):
    message = forms.CharField(
        label="Votre message",
        required=False,
        max_length=LONGUEUR_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Facultatif si vous envoyez des documents.",
        error_messages={"max_length": f"Votre message ne doit pas dépasser {LONGUEUR_MAX} caractères."},
    )

    def __init__(self, *args, fichiers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["message"].widget.group_class = "fr-input-group"
        self.fichiers_recus = fichiers or {}
        self.fichiers_verifies = []
        self.erreurs_fichiers = []

    def clean(self):
        donnees = super().clean()
        nombre = sum(len(liste) for liste in self.fichiers_recus.values())
        if nombre > NOMBRE_MAX_FICHIERS:
            self.erreurs_fichiers.append(f"Vous pouvez envoyer au plus {NOMBRE_MAX_FICHIERS} fichiers à la fois.")
        else:
            for type_piece, liste in self.fichiers_recus.items():
                for fichier in liste:
                    try:
                        self.fichiers_verifies.append((type_piece, verifier_fichier(fichier)))
                    except FichierRefuse as refus:
                        self.erreurs_fichiers.append(refus.message_affiche)
        if self.erreurs_fichiers:
            raise forms.ValidationError("Certains fichiers ne peuvent pas être envoyés : corrigez-les puis renvoyez.")
        if not donnees.get("message") and not self.fichiers_verifies:
            self.add_error("message", "Écrivez un message ou joignez au moins un document.")
        return donnees


def types_proposes(demande):
    """Types de documents proposés à l'envoi : ceux demandés, puis « Autre document utile »."""
    valeurs = {v for v, _ in TypePiece.choices}
    types = [t for t in (demande.pieces_demandees if demande else []) if t in valeurs]
    if TypePiece.AUTRE not in types:
        types.append(TypePiece.AUTRE)
    return [(t, TypePiece(t).label) for t in types]


def fichiers_postes(request, types):
    return {t: request.FILES.getlist(f"fichiers-{t}") for t, _ in types if request.FILES.getlist(f"fichiers-{t}")}

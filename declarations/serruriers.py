"""Réquisition d'un serrurier : annuaire consultable par code postal ou département."""

from django import forms
from django.shortcuts import render

from declarations.departements import DEPARTEMENTS, departements_recherches
from declarations.models import MARQUE_DEMONSTRATION, Serrurier
from portail.enums import Role
from portail.formulaires import FormulaireDsfr, ListeErreursDsfr
from portail.pagination import paginer
from portail.permissions import role_requis

MESSAGE_SAISIE = (
    "Saisissez un code postal (5 chiffres, par exemple 69003) ou un département (par exemple 69, 2A, 974 ou Rhône)."
)


class RechercheSerrurierForm(FormulaireDsfr):
    # Champ de recherche : le navigateur peut exiger la saisie.
    use_required_attribute = True
    classe_erreurs = ListeErreursDsfr

    q = forms.CharField(
        label="Code postal ou département",
        max_length=60,
        help_text="Par exemple : 69003, 69, 2A, 974 ou Rhône",
        error_messages={"required": MESSAGE_SAISIE},
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "postal-code"}),
    )

    def clean_q(self):
        codes, code_postal = departements_recherches(self.cleaned_data["q"])
        if not codes:
            raise forms.ValidationError(MESSAGE_SAISIE)
        self.departements = codes
        self.code_postal = code_postal
        return self.cleaned_data["q"].strip()


@role_requis(Role.FORCES_DE_L_ORDRE)
def serruriers(request):
    form = RechercheSerrurierForm(request.GET if "q" in request.GET else None)
    contexte = {"form": form, "recherche": False, "resultats": [], "departements": [], "demonstration": False}
    if form.is_bound and form.is_valid():
        # Trois requêtes (nombre, page, fiches de démonstration), quel que soit le nombre de serruriers.
        serruriers = Serrurier.objects.des_departements(form.departements, form.code_postal)
        page = paginer(request, serruriers)
        contexte.update(
            recherche=True,
            resultats=list(page),
            page_obj=page,
            nombre=page.paginator.count,
            code_postal=form.code_postal,
            departements=[(code, DEPARTEMENTS[code]) for code in form.departements],
            demonstration=serruriers.filter(demonstration=True).exists(),
        )
    return render(request, "declarations/serruriers.html", contexte)


# --- Données de démonstration -----------------------------------------------------------------------
# Entreprises fictives, nommées comme telles, avec des numéros de la tranche 01 99 00 xx xx que l'ARCEP
# réserve aux œuvres de fiction : aucun appel ne peut aboutir chez une vraie personne.
SERRURIERS_DEMO = [
    {
        "raison_sociale": "Serrurerie fictive de Paris",
        "adresse": "1 rue de la Démonstration (adresse fictive)",
        "code_postal": "75011",
        "ville": "Paris",
        "telephone": "01 99 00 00 01",
        "courriel": "serrurier-paris@example.com",
        "horaires": "Fiche de démonstration — 24 h/24, 7 j/7.",
    },
    {
        "raison_sociale": "Serrurerie fictive du Rhône",
        "adresse": "2 place de l’Exemple (adresse fictive)",
        "code_postal": "69003",
        "ville": "Lyon",
        "telephone": "01 99 00 00 02",
        "horaires": "Fiche de démonstration — du lundi au samedi, 7 h à 22 h.",
    },
    {
        "raison_sociale": "Serrurerie fictive des Bouches-du-Rhône",
        "adresse": "3 boulevard de l’Essai (adresse fictive)",
        "code_postal": "13001",
        "ville": "Marseille",
        "telephone": "01 99 00 00 03",
        "horaires": "Fiche de démonstration — astreinte de nuit et week-end.",
    },
    {
        "raison_sociale": "Serrurerie fictive de Corse-du-Sud",
        "adresse": "4 cours du Modèle (adresse fictive)",
        "code_postal": "20000",
        "ville": "Ajaccio",
        "telephone": "01 99 00 00 04",
        "horaires": "Fiche de démonstration — 24 h/24.",
    },
    {
        "raison_sociale": "Serrurerie fictive de La Réunion",
        "adresse": "5 chemin du Spécimen (adresse fictive)",
        "code_postal": "97400",
        "ville": "Saint-Denis",
        "telephone": "01 99 00 00 05",
        "horaires": "Fiche de démonstration — 6 h à 20 h, astreinte le dimanche.",
    },
]


def semer_serruriers_demo():
    """Crée les serruriers de démonstration manquants. Idempotent ; renvoie les actions, en français."""
    actions = []
    for donnees in SERRURIERS_DEMO:
        nom = f"{MARQUE_DEMONSTRATION} {donnees['raison_sociale']}"
        if Serrurier.objects.filter(raison_sociale=nom).exists():
            continue
        serrurier = Serrurier(**{**donnees, "raison_sociale": nom}, demonstration=True)
        serrurier.full_clean()
        serrurier.save()
        actions.append(f"Serrurier de démonstration créé : {nom} ({serrurier.departement})")
    return actions

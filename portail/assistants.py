"""Socle commun des assistants django-formtools dont le stockage est un brouillon en base.

Le brouillon (champ JSON d'une ligne : `Declaration.brouillon`, `Dossier.brouillon`) contient exactement les
données d'un stockage formtools (étape courante, données brutes de chaque étape). Chaque écriture est un UPDATE
conditionné à la version lue (concurrence optimiste entre onglets). Les règles propres à chaque application
(statuts, champs verrouillés, messages) restent dans l'application.
"""

import copy

from django.db.models import F
from django.http import JsonResponse
from django.utils import timezone
from django.views.generic import TemplateView
from formtools.wizard.storage.base import BaseStorage
from formtools.wizard.views import StepsHelper

from portail.saisie import nettoyer_pour_brouillon

# Longueur maximale conservée pour une valeur brute (la validation des longueurs vient à « Continuer »).
LONGUEUR_MAX_BRUTE = 10_000


def brouillon_vide():
    return {"step": None, "step_data": {}, "step_files": {}, "extra_data": {}}


class StockageBrouillon(BaseStorage):
    """Stockage formtools adossé au brouillon JSON d'une ligne (et non à la session)."""

    def __init__(self, prefix, request=None, file_storage=None, *, brouillon):
        super().__init__(prefix, request, file_storage)
        self.data = brouillon_vide()
        self.data.update(copy.deepcopy(brouillon or {}))

    def reset(self):
        # formtools vide le stockage après done() : la ligne garde ses colonnes, rien à faire ici.
        self.init_data()

    def update_response(self, response):
        # Les écritures sont explicites (enregistrer), jamais implicites en fin de requête.
        return None

    def fusionner(self, etape, donnees, remplacer=False):
        """Range des données brutes (non validées) dans l'étape ; `remplacer` pour un formulaire complet."""
        actuelles = {} if remplacer else dict(self.data["step_data"].get(etape) or {})
        actuelles.update(donnees)
        self.data["step_data"][etape] = actuelles
        self.data["step"] = etape


def donnees_brutes(formulaire, etape, donnees):
    """Les seules valeurs de `donnees` (QueryDict) qui appartiennent aux champs de l'étape, en listes bornées."""
    resultat = {}
    for nom in formulaire.base_fields:
        cle = f"{etape}-{nom}"
        if cle in donnees:
            resultat[cle] = [nettoyer_pour_brouillon(str(v)[:LONGUEUR_MAX_BRUTE]) for v in donnees.getlist(cle)]
    return resultat


def valeurs_brutes(formulaire, etape, brutes):
    """Valeurs initiales d'un formulaire affiché sans validation, reprises de la saisie brute du brouillon."""
    return {nom: brutes.get(f"{etape}-{nom}") for nom in formulaire.base_fields if f"{etape}-{nom}" in brutes}


def version_lue(valeur, conflit):
    """La version envoyée par la page, en entier ; `conflit` (exception) si elle est absente ou illisible."""
    try:
        return int(valeur)
    except (TypeError, ValueError):
        raise conflit from None


def ecrire_si_version(lignes, version_attendue, brouillon, colonnes):
    """UPDATE conditionnel de `lignes` (déjà filtrées : clé, statut…) à la version lue ; True si écrit."""
    return (
        lignes.filter(version=version_attendue).update(
            brouillon=brouillon, version=F("version") + 1, modifie_le=timezone.now(), **colonnes
        )
        == 1
    )


def resume_erreurs(form, erreurs_pieces, libelle_pieces, cible=lambda champ: champ.auto_id):
    """Liens du résumé d'erreurs : documents refusés (ancre `pieces`) puis champs en erreur."""
    erreurs = [{"id": "pieces", "libelle": libelle_pieces, "message": e} for e in erreurs_pieces]
    if form.is_bound:
        for champ in form:
            for erreur in champ.errors:
                erreurs.append({"id": cible(champ), "libelle": champ.label, "message": erreur})
    return erreurs


# --- Enregistrement automatique (réponses JSON lues par le script de la page) ----------------------


def reponse_conflit(conflit):
    return JsonResponse({"motif": "conflit", "erreur": str(conflit)}, status=409)


def reponse_etape_inconnue():
    return JsonResponse({"motif": "etape", "erreur": "Étape inconnue."}, status=400)


def reponse_enregistree(version, libelle):
    """`libelle` : début du message, par exemple « Brouillon enregistré »."""
    heure = timezone.localtime().strftime("%H:%M")
    return JsonResponse({"version": version, "heure": heure, "message": f"{libelle} à {heure}"})


class AssistantBrouillonMixin:
    """À placer avant `NamedUrlWizardView` : préfixe fixe, stockage en base, rendu avec alerte de conflit."""

    prefixe = None

    def get_prefix(self, request, *args, **kwargs):
        return self.prefixe

    def demarrer(self, request, storage, *args, **kwargs):
        """Fin de `dispatch` : met en place `storage` (le brouillon) au lieu du stockage de session."""
        self.prefix = self.get_prefix(request)
        self.storage = storage
        self.steps = StepsHelper(self)
        # On saute WizardView.dispatch (qui crée un stockage de session) : le nôtre est déjà en place.
        return TemplateView.dispatch(self, request, *args, **kwargs)

    def render(self, form=None, conflit=None, status=200, **kwargs):
        context = self.get_context_data(form=form, **kwargs)
        context["conflit"] = conflit
        return self.render_to_response(context, status=status)

    def formulaires_valides(self):
        """Revalide chaque étape depuis le brouillon ; renvoie (formulaires, première étape invalide)."""
        valides = {}
        for step in self.get_form_list():
            form = self.formulaire(step, valider=True)
            if not form.is_valid():
                return valides, step
            valides[step] = form
        return valides, None

"""Le brouillon d'une déclaration est le stockage de l'assistant django-formtools.

`Declaration.brouillon` contient exactement les données d'un stockage formtools (étape courante, données
brutes de chaque étape) : le brouillon survit à la déconnexion, à un autre navigateur, à un redémarrage.
Chaque écriture est un UPDATE conditionné à la version lue (concurrence optimiste entre onglets) et au
statut « brouillon » : une déclaration envoyée n'est jamais réécrite.
"""

import copy

from django.db.models import F
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from formtools.wizard.storage.base import BaseStorage

from declarations.enums import StatutDeclaration
from declarations.forms import ETAPES
from declarations.models import Declaration, DeclarationVerrouillee

FORMULAIRES = dict(ETAPES)
# Longueur maximale conservée pour une valeur brute (la validation des longueurs vient à « Continuer »).
LONGUEUR_MAX_BRUTE = 10_000


class ConflitDeVersion(Exception):
    """Le brouillon a été modifié ailleurs (autre onglet, autre navigateur) depuis son chargement."""

    message = (
        "Ce brouillon a été modifié dans un autre onglet ou un autre navigateur depuis l’ouverture de cette "
        "page. Vos dernières modifications n’ont pas été enregistrées pour ne pas écraser l’autre saisie : "
        "rechargez la page pour reprendre la version la plus récente."
    )

    def __str__(self):
        return self.message


class BrouillonSupprime(Exception):
    message = "Ce brouillon a été supprimé entre-temps."


def brouillon_vide():
    return {"step": None, "step_data": {}, "step_files": {}, "extra_data": {}}


class BrouillonStorage(BaseStorage):
    """Stockage formtools adossé à la ligne `Declaration` (et non à la session)."""

    def __init__(self, prefix, request=None, file_storage=None, *, declaration):
        super().__init__(prefix, request, file_storage)
        self.declaration = declaration
        self.data = brouillon_vide()
        self.data.update(copy.deepcopy(declaration.brouillon or {}))

    def reset(self):
        # formtools vide le stockage après done() : la déclaration envoyée garde ses colonnes, rien à faire ici.
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

    def enregistrer(self, version_attendue):
        nouvelle = enregistrer_brouillon(self.declaration, self.data, version_attendue)
        self.declaration.version = nouvelle
        return nouvelle


def donnees_brutes(etape, donnees):
    """Les seules valeurs de `donnees` (QueryDict) qui appartiennent aux champs de l'étape, en listes."""
    formulaire = FORMULAIRES[etape]
    resultat = {}
    for nom in formulaire.base_fields:
        cle = f"{etape}-{nom}"
        if cle in donnees:
            resultat[cle] = [str(v)[:LONGUEUR_MAX_BRUTE] for v in donnees.getlist(cle)]
    return resultat


def colonnes_depuis_brouillon(brouillon):
    """Colonnes du modèle : valeurs valides du brouillon ; un champ invalide ou absent reste vide.

    Les colonnes portent ainsi toujours des données propres (tableau « Mes déclarations », envoi),
    tandis que le JSON garde la saisie brute de l'agent.
    """
    colonnes = {}
    for etape, formulaire in ETAPES:
        donnees = (brouillon.get("step_data") or {}).get(etape) or {}
        form = formulaire(data=MultiValueDict(donnees), prefix=etape)
        form.is_valid()
        propres = getattr(form, "cleaned_data", {})
        for nom in formulaire.base_fields:
            valeur = propres.get(nom) if nom not in form.errors else None
            if nom == "coordonnees_usager":
                valeur = {"oui": True, "non": False}.get(valeur)
            elif nom == "date_operation":
                valeur = valeur or None
            else:
                valeur = valeur or ""
            colonnes[nom] = valeur
    return colonnes


def enregistrer_brouillon(declaration, brouillon, version_attendue):
    """UPDATE conditionnel (version lue + statut brouillon) ; renvoie la nouvelle version."""
    try:
        version_attendue = int(version_attendue)
    except (TypeError, ValueError):
        raise ConflitDeVersion from None
    colonnes = colonnes_depuis_brouillon(brouillon)
    modifiees = Declaration.objects.filter(
        pk=declaration.pk, version=version_attendue, statut=StatutDeclaration.BROUILLON
    ).update(brouillon=brouillon, version=F("version") + 1, modifie_le=timezone.now(), **colonnes)
    if modifiees == 1:
        return version_attendue + 1
    statut = Declaration.objects.filter(pk=declaration.pk).values_list("statut", flat=True).first()
    if statut is None:
        raise BrouillonSupprime
    if statut == StatutDeclaration.ENVOYEE:
        raise DeclarationVerrouillee
    raise ConflitDeVersion

"""Le brouillon d'une déclaration est le stockage de l'assistant django-formtools.

`Declaration.brouillon` contient exactement les données d'un stockage formtools (étape courante, données
brutes de chaque étape) : le brouillon survit à la déconnexion, à un autre navigateur, à un redémarrage.
Chaque écriture est un UPDATE conditionné à la version lue (concurrence optimiste entre onglets) et au
statut « brouillon » : une déclaration envoyée n'est jamais réécrite.
"""

from django.utils.datastructures import MultiValueDict

from declarations.enums import StatutDeclaration
from declarations.forms import ETAPES
from declarations.models import Declaration, DeclarationVerrouillee
from portail import assistants
from portail.assistants import StockageBrouillon, ecrire_si_version, version_lue

FORMULAIRES = dict(ETAPES)


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


class BrouillonStorage(StockageBrouillon):
    """Stockage formtools adossé à la ligne `Declaration` (et non à la session)."""

    def __init__(self, prefix, request=None, file_storage=None, *, declaration):
        super().__init__(prefix, request, file_storage, brouillon=declaration.brouillon)
        self.declaration = declaration

    def enregistrer(self, version_attendue):
        nouvelle = enregistrer_brouillon(self.declaration, self.data, version_attendue)
        self.declaration.version = nouvelle
        return nouvelle


def donnees_brutes(etape, donnees):
    """Les seules valeurs de `donnees` (QueryDict) qui appartiennent aux champs de l'étape, en listes."""
    return assistants.donnees_brutes(FORMULAIRES[etape], etape, donnees)


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
    version_attendue = version_lue(version_attendue, ConflitDeVersion)
    colonnes = colonnes_depuis_brouillon(brouillon)
    lignes = Declaration.objects.filter(pk=declaration.pk, statut=StatutDeclaration.BROUILLON)
    if ecrire_si_version(lignes, version_attendue, brouillon, colonnes):
        return version_attendue + 1
    statut = Declaration.objects.filter(pk=declaration.pk).values_list("statut", flat=True).first()
    if statut is None:
        raise BrouillonSupprime
    if statut == StatutDeclaration.ENVOYEE:
        raise DeclarationVerrouillee
    raise ConflitDeVersion

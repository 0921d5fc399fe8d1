"""Le brouillon d'une déclaration est le stockage de l'assistant (moteur : `portail/assistants.py`).

`Declaration.brouillon` contient exactement les données d'un stockage formtools (étape courante, données
brutes de chaque étape) : le brouillon survit à la déconnexion, à un autre navigateur, à un redémarrage.
Chaque écriture est un UPDATE conditionné à la version lue (concurrence optimiste entre onglets) et au
statut « brouillon » : une déclaration envoyée n'est jamais réécrite.
"""

from django.contrib import messages
from django.utils.datastructures import MultiValueDict

from declarations.enums import StatutDeclaration
from declarations.forms import ETAPES
from declarations.models import Declaration, DeclarationVerrouillee
from portail.assistants import BrouillonIndisponible, StockageBrouillon, ecrire_si_version

FORMULAIRES = dict(ETAPES)


class DeclarationEnvoyee(BrouillonIndisponible):
    message = DeclarationVerrouillee.message
    message_page = DeclarationVerrouillee.message + " Vous pouvez la consulter ci-dessous."
    motif = "envoyee"
    lien = "Voir la déclaration envoyée"


class BrouillonSupprime(BrouillonIndisponible):
    message = "Ce brouillon a été supprimé entre-temps."
    motif = "supprime"
    lien = "Voir mes déclarations"
    niveau = messages.ERROR


class StockageDeclaration(StockageBrouillon):
    """Stockage formtools adossé à la ligne `Declaration` (et non à la session)."""

    def ecrire(self, version_attendue):
        """UPDATE conditionnel (version lue + statut brouillon) ; renvoie la nouvelle version."""
        colonnes = colonnes_depuis_brouillon(self.data, self.etapes_modifiees)
        lignes = Declaration.objects.filter(pk=self.objet.pk, statut=StatutDeclaration.BROUILLON)
        if ecrire_si_version(lignes, version_attendue, self.data, colonnes):
            return version_attendue + 1
        statut = Declaration.objects.filter(pk=self.objet.pk).values_list("statut", flat=True).first()
        if statut is None:
            raise BrouillonSupprime
        if statut == StatutDeclaration.ENVOYEE:
            raise DeclarationEnvoyee
        raise self.conflit


def colonnes_depuis_brouillon(brouillon, etapes=None):
    """Colonnes du modèle : valeurs valides du brouillon ; un champ invalide ou absent reste vide.
    `etapes` : seulement les colonnes de ces étapes (celles qu'une requête a touchées) ; None : toutes.

    Les colonnes portent ainsi toujours des données propres (tableau « Mes déclarations », envoi),
    tandis que le JSON garde la saisie brute de l'agent.
    """
    colonnes = {}
    for etape, formulaire in ETAPES:
        if etapes is not None and etape not in etapes:
            continue
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

"""Outils des tests du back-office : agents du ministère et dossiers amenés dans un état par les transitions."""

import datetime

from django.utils import timezone

from portail.enums import Role
from precontentieux.models import Dossier
from tests.fabriques import UtilisateurFactory, completer, dossier_declare


def agent(*roles, **champs):
    return UtilisateurFactory(agent_mj=True, roles=list(roles), **champs)


def dossier_depose(requerant=None, declaration=None, **champs):
    """Dossier réel : déclaration envoyée, demande complétée par l'usager (pièces comprises), déposée.

    `declaration` : champs de la déclaration des forces de l'ordre ; par défaut l'usager déclaré porte le nom
    de naissance du requérant (la recherche lit aussi ces champs).
    """
    requerant = requerant or UtilisateurFactory()
    declaration = declaration or {"usager_nom": champs.get("nom_naissance") or "MOREL", "usager_prenom": "Alex"}
    dossier = completer(dossier_declare(requerant=requerant, **declaration), **champs)
    return dossier.deposer(requerant, attestation=True) or dossier


def dossier_dans(etat, *, attributeur, redacteur, declaration=None, **champs):
    """Dossier déposé puis amené par les transitions à l'état `etat` (à attribuer → attente de compléments)."""
    dossier = dossier_depose(declaration=declaration, **champs)
    if etat == "depose":
        return dossier
    dossier.attribuer(attributeur, redacteur)
    if etat == "a_instruire":
        return dossier
    dossier.demarrer_instruction(redacteur)
    if etat == "en_instruction":
        return dossier
    dossier.demander_complements(redacteur, "Merci de joindre la facture.")
    return dossier


def deposer_il_y_a(dossier, jours):
    """Antidate le dépôt (le statut n'est pas touché : seule la date légale change)."""
    Dossier.objects.filter(pk=dossier.pk).update(depose_le=timezone.now() - datetime.timedelta(days=jours))
    dossier.refresh_from_db()
    return dossier


ROLES = {
    "attributeur": [Role.ATTRIBUTEUR],
    "redacteur": [Role.REDACTEUR],
    "validateur": [Role.VALIDATEUR],
    "liaison_budget": [Role.LIAISON_BUDGET],
    "gestionnaire": [Role.GESTIONNAIRE],
}

from django.db import models


class StatutDossier(models.TextChoices):
    A_COMPLETER = "a_completer", "À compléter"
    DEPOSE = "depose", "Déposé"
    A_INSTRUIRE = "a_instruire", "À instruire"
    EN_INSTRUCTION = "en_instruction", "En instruction"
    ATTENTE_COMPLEMENTS = "attente_complements", "En attente de compléments"
    PROPOSITION_A_SIGNER = "proposition_a_signer", "Proposition à signer"
    REJET_A_SIGNER = "rejet_a_signer", "Rejet à signer"
    PROPOSITION_ENVOYEE = "proposition_envoyee", "Proposition envoyée"
    REJETE = "rejete", "Rejeté"
    PROPOSITION_ACCEPTEE = "proposition_acceptee", "Proposition acceptée"
    PROPOSITION_REFUSEE = "proposition_refusee", "Proposition refusée"
    ARRETE_A_SIGNER = "arrete_a_signer", "Arrêté de paiement à signer"
    A_INDEMNISER = "a_indemniser", "À indemniser"
    TRANSMIS_BUDGET = "transmis_budget", "Transmis au budget"
    INDEMNISE = "indemnise", "Indemnisé"
    CLOTURE = "cloture", "Clôturé"


ETATS_CLOTURABLES = {
    StatutDossier.A_COMPLETER,
    StatutDossier.DEPOSE,
    StatutDossier.A_INSTRUIRE,
    StatutDossier.EN_INSTRUCTION,
    StatutDossier.ATTENTE_COMPLEMENTS,
}
ETATS_TERMINAUX = {StatutDossier.REJETE, StatutDossier.INDEMNISE, StatutDossier.CLOTURE}
ETATS_EN_INSTRUCTION = {
    StatutDossier.A_INSTRUIRE,
    StatutDossier.EN_INSTRUCTION,
    StatutDossier.ATTENTE_COMPLEMENTS,
    StatutDossier.PROPOSITION_A_SIGNER,
    StatutDossier.REJET_A_SIGNER,
}


class OrigineDossier(models.TextChoices):
    DECLARATION = "declaration", "Déclaration des forces de l’ordre"
    USAGER = "usager", "Demande de l’usager"


class TypeEvenementDossier(models.TextChoices):
    CREATION = "creation", "Création du dossier"
    CHANGEMENT_STATUT = "changement_statut", "Changement de statut"
    CONSULTATION = "consultation", "Consultation"

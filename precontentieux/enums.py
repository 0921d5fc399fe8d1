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
    PIECE_AJOUTEE = "piece_ajoutee", "Pièce justificative ajoutée"
    RATTACHEMENT = "rattachement", "Rattachement au compte de l’usager"


# --- Demande de l'usager (issue 4) ---------------------------------------------------------------


class TypeRequerant(models.TextChoices):
    PERSONNE_PHYSIQUE = "physique", "Une personne physique (un particulier)"
    PERSONNE_MORALE = "morale", "Une personne morale (société, bailleur social, association…)"


class TypePersonneMorale(models.TextChoices):
    SCI = "sci", "Société civile immobilière (SCI)"
    BAILLEUR_SOCIAL = "bailleur_social", "Bailleur social"
    SYNDIC = "syndic", "Syndic de copropriété"
    ENTREPRISE = "entreprise", "Entreprise"
    ASSOCIATION = "association", "Association"
    COLLECTIVITE = "collectivite", "Collectivité territoriale"
    ASSUREUR = "assureur", "Assureur"
    AUTRE = "autre", "Autre personne morale"


class QualiteRequerant(models.TextChoices):
    PROPRIETAIRE_OCCUPANT = "proprietaire_occupant", "Propriétaire occupant"
    LOCATAIRE = "locataire", "Locataire"
    PROPRIETAIRE_BAILLEUR = "proprietaire_bailleur", "Propriétaire bailleur"
    AUTRE = "autre", "Autre situation"


class CiviliteRequerant(models.TextChoices):
    MADAME = "mme", "Madame"
    MONSIEUR = "m", "Monsieur"


class TypePiece(models.TextChoices):
    """Types de pièces justificatives ; lesquelles sont demandées : `precontentieux/pieces.py`."""

    PHOTO_PORTE = "photo_porte", "Photos de la porte endommagée"
    FACTURE = "facture", "Facture acquittée de la réparation"
    DEVIS = "devis", "Devis de réparation"
    PREUVE_PAIEMENT = "preuve_paiement", "Preuve de paiement"
    RIB = "rib", "Relevé d’identité bancaire (RIB)"
    PIECE_IDENTITE = "piece_identite", "Pièce d’identité"
    ATTESTATION_ASSURANCE = "attestation_assurance", "Attestation de non prise en charge par l’assurance"
    BAIL = "bail", "Bail (contrat de location)"
    ATTESTATION_BAILLEUR = "attestation_bailleur", "Attestation du bailleur"
    TITRE_PROPRIETE = "titre_propriete", "Titre de propriété"
    JUSTIFICATIF_OCCUPATION = "justificatif_occupation", "Justificatif de votre situation dans le logement"
    KBIS = "kbis", "Extrait Kbis de moins de 3 mois"
    STATUTS = "statuts", "Statuts de la personne morale"
    POUVOIR_SIGNATAIRE = "pouvoir_signataire", "Pouvoir ou délégation du signataire"
    ATTESTATION_FORCES_DE_L_ORDRE = "attestation_fdo", "Attestation remise par les forces de l’ordre"
    AUTRE = "autre", "Autre document utile"

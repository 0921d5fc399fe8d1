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


# --- Groupes d'états (les seuls : tout le code les importe d'ici) ------------------------------------

S = StatutDossier

# L'usager (ou le rédacteur, pour une pièce reçue par courrier) peut encore joindre des documents.
ETATS_AJOUT_PIECES = frozenset({S.A_COMPLETER, S.DEPOSE, S.A_INSTRUIRE, S.EN_INSTRUCTION, S.ATTENTE_COMPLEMENTS})
# Un dossier se clôture (avec un motif) tant qu'aucune décision n'est proposée.
ETATS_CLOTURABLES = ETATS_AJOUT_PIECES
ETATS_TERMINAUX = frozenset({S.REJETE, S.INDEMNISE, S.CLOTURE})
# Échanges simples entre le rédacteur en charge et l'usager (sans changer le statut) : de l'attribution à la fin.
ETATS_ECHANGES = frozenset(set(S) - ETATS_TERMINAUX - {S.A_COMPLETER, S.DEPOSE})
# Le ministère instruit : attribué, en cours, en attente de documents, décision à signer.
ETATS_EN_INSTRUCTION = frozenset(
    {S.A_INSTRUIRE, S.EN_INSTRUCTION, S.ATTENTE_COMPLEMENTS, S.PROPOSITION_A_SIGNER, S.REJET_A_SIGNER}
)
# Horloge légale : le délai de deux mois court du dépôt jusqu'à la décision signée (rejet implicite sinon).
ETATS_HORLOGE = frozenset({S.DEPOSE} | ETATS_EN_INSTRUCTION)
# Une décision a été rendue (proposition envoyée ou rejet) et ce qui suit, sauf la clôture.
ETATS_DECISION_RENDUE = frozenset(
    {
        S.PROPOSITION_ENVOYEE,
        S.REJETE,
        S.PROPOSITION_ACCEPTEE,
        S.PROPOSITION_REFUSEE,
        S.ARRETE_A_SIGNER,
        S.A_INDEMNISER,
        S.TRANSMIS_BUDGET,
        S.INDEMNISE,
    }
)
# Étapes internes au ministère (signatures) : jamais nommées à l'usager.
ETATS_INTERNES = frozenset({S.PROPOSITION_A_SIGNER, S.REJET_A_SIGNER, S.ARRETE_A_SIGNER})


class OrigineDossier(models.TextChoices):
    DECLARATION = "declaration", "Déclaration des forces de l’ordre"
    USAGER = "usager", "Demande de l’usager"


class TypeEvenementDossier(models.TextChoices):
    CREATION = "creation", "Création du dossier"
    CHANGEMENT_STATUT = "changement_statut", "Changement de statut"
    CONSULTATION = "consultation", "Consultation"
    PIECE_AJOUTEE = "piece_ajoutee", "Pièce justificative ajoutée"
    RATTACHEMENT = "rattachement", "Rattachement au compte de l’usager"
    ATTRIBUTION = "attribution", "Attribution à un rédacteur"
    CONTENTIEUX = "contentieux", "Contentieux"
    REINVITATION = "reinvitation", "Demande détachée et usager réinvité"
    MESSAGE = "message", "Message échangé avec l’usager"


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


class Civilite(models.TextChoices):
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


# --- Décision (issue 9) --------------------------------------------------------------------------


class MotifRejet(models.TextChoices):
    """Motifs de rejet du service ; chacun a son corps de courrier (templates/courriers/rejet.html) et ses
    fondements (docs/courriers.md)."""

    REQUERANT_MIS_EN_CAUSE = "requerant_mis_en_cause", "Le requérant est mis en cause"
    CHIEN_RENIFLEUR = "chien_renifleur", "Le requérant est mis en cause par un chien renifleur"
    LOCATAIRE_MIS_EN_CAUSE = "locataire_mis_en_cause", "Le locataire est mis en cause"
    LOCATAIRE_CHIEN = "locataire_chien", "Le locataire est mis en cause par un chien renifleur"
    LOCATION_COURTE_DUREE = (
        "location_courte_duree",
        "Le locataire, via une plateforme de location de courte durée, est mis en cause",
    )
    LOCATAIRE_HEBERGEANT = "locataire_hebergeant", "Le locataire hébergeait la personne mise en cause"
    PARTIES_COMMUNES = "parties_communes", "Dégradations dans les parties communes"
    AUTRE = "autre", "Autre motif"


class MotifCloture(models.TextChoices):
    DESISTEMENT = "desistement", "Désistement du requérant"
    DOUBLON = "doublon", "Demande en double"
    HORS_DELAI = "hors_delai", "Demande hors délai"
    SANS_SUITE = "sans_suite", "Classement sans suite"
    AUTRE = "autre", "Autre motif"

from django.db import models


class TypeUtilisateur(models.TextChoices):
    USAGER = "usager", "Usager"
    AGENT = "agent", "Agent"


class Fournisseur(models.TextChoices):
    PROCONNECT = "proconnect", "ProConnect"
    FRANCECONNECT = "franceconnect", "FranceConnect"


class CodeAdministration(models.TextChoices):
    MJ = "MJ", "Ministère de la Justice"
    PN = "PN", "Police nationale"
    GN = "GN", "Gendarmerie nationale"
    PP = "PP", "Préfecture de police"
    MI = "MI", "Ministère de l’Intérieur"


# Administrations dont les agents sont des forces de l'ordre.
ADMINISTRATIONS_FDO = {CodeAdministration.PN, CodeAdministration.GN, CodeAdministration.PP, CodeAdministration.MI}


class Role(models.TextChoices):
    """Rôles = groupes Django portant ces noms."""

    FORCES_DE_L_ORDRE = "forces_de_l_ordre", "Forces de l’ordre"
    ATTRIBUTEUR = "attributeur", "Attributeur"
    REDACTEUR = "redacteur", "Rédacteur"
    VALIDATEUR = "validateur", "Validateur"
    LIAISON_BUDGET = "liaison_budget", "Liaison budget"
    GESTIONNAIRE = "gestionnaire", "Gestionnaire"


ROLES_MJ = {Role.ATTRIBUTEUR, Role.REDACTEUR, Role.VALIDATEUR, Role.LIAISON_BUDGET, Role.GESTIONNAIRE}

# Ce que chaque rôle du ministère permet, en une ligne (cases à cocher de la gestion des agents).
DESCRIPTIONS_ROLES = {
    Role.ATTRIBUTEUR: "Attribue les dossiers déposés aux rédacteurs, les réattribue ou les clôture.",
    Role.REDACTEUR: "Instruit les dossiers qui lui sont attribués et prépare les décisions.",
    Role.VALIDATEUR: "Relit, renvoie ou signe les propositions et les rejets préparés par les rédacteurs.",
    Role.LIAISON_BUDGET: "Transmet les indemnisations au service budgétaire et en suit le paiement.",
    Role.GESTIONNAIRE: "Gère les agents : accorde et retire les rôles, désactive et réactive les comptes.",
}
# Ordre d'affichage des rôles du ministère.
ORDRE_ROLES_MJ = [Role.ATTRIBUTEUR, Role.REDACTEUR, Role.VALIDATEUR, Role.LIAISON_BUDGET, Role.GESTIONNAIRE]


class TypeEvenement(models.TextChoices):
    CONNEXION = "connexion", "Connexion"
    ECHEC_CONNEXION = "echec_connexion", "Échec de connexion"
    DECONNEXION = "deconnexion", "Déconnexion"
    INSCRIPTION = "inscription", "Inscription"
    ROLE_ACCORDE = "role_accorde", "Rôle accordé"
    ROLE_RETIRE = "role_retire", "Rôle retiré"
    ROLES_MODIFIES = "roles_modifies", "Rôles modifiés"
    ACCES_ACCORDE = "acces_accorde", "Accès accordé"
    ACCES_REFUSE = "acces_refuse", "Accès refusé"
    AGENT_DESACTIVE = "agent_desactive", "Agent désactivé"
    AGENT_REACTIVE = "agent_reactive", "Agent réactivé"
    CONNEXION_REFUSEE = "connexion_refusee", "Connexion refusée"
    EXPORT_RECHERCHE = "export_recherche", "Export CSV d’une recherche de dossiers"


class StatutEmail(models.TextChoices):
    A_ENVOYER = "a_envoyer", "À envoyer"
    EN_COURS = "en_cours", "Envoi en cours"
    SMTP_EN_COURS = "smtp_en_cours", "Transmission au serveur en cours"
    ENVOYE = "envoye", "Envoyé"
    A_VERIFIER = "a_verifier", "À vérifier (envoi interrompu)"
    ECHEC = "echec", "Échec définitif"


class EtatAnalyse(models.TextChoices):
    """Analyse antivirus d'une pièce déposée (docs/fichiers.md). Seule une pièce utilisable se télécharge."""

    EN_ANALYSE = "en_analyse", "En cours d’analyse"
    SAINE = "saine", "Analysée, aucun virus détecté"
    INFECTEE = "infectee", "Refusée : virus détecté"
    NON_ANALYSEE = "non_analysee", "Non analysée (antivirus désactivé)"


ETATS_ANALYSE_UTILISABLES = {EtatAnalyse.SAINE, EtatAnalyse.NON_ANALYSEE}

"""Calendrier de conservation des données personnelles : la seule source des durées.

Appliqué chaque nuit par `precontentieux.tasks.purger_donnees_personnelles` (règles : `precontentieux/rgpd.py`,
`declarations/rgpd.py`) et par `manage.py purger_donnees` (simulation par défaut) ; affiché sur la page
« Données personnelles » ; expliqué et justifié dans docs/rgpd.md.
"""

from dataclasses import dataclass

# Durées (en mois ou en jours) lues par les règles de purge.
MOIS_BROUILLON_DECLARATION = 6
JOURS_COMPTE_NON_VERIFIE = 30
JOURS_COMPTE_SANS_DEMANDE = 30
JOURS_AVERTISSEMENT_COMPTE = 30
MOIS_DOSSIER_TERMINE = 60  # 5 ans : à confirmer par le ministère (docs/rgpd.md)
MOIS_DOSSIER_JAMAIS_DEPOSE = 12
MOIS_CORPS_COURRIELS = 12
MOIS_JOURNAUX = 12  # recommandation CNIL : 6 mois à 1 an (docs/rgpd.md)
JOURS_DEMANDE_SANS_ACTIVITE = 90


@dataclass(frozen=True)
class Ligne:
    donnees: str
    duree: str


CALENDRIER = (
    Ligne(
        "Brouillons de déclaration des forces de l’ordre jamais envoyés",
        "6 mois après leur dernière modification, puis supprimés avec leurs documents",
    ),
    Ligne(
        "Demandes d’indemnisation commencées mais jamais déposées",
        "clôturées sans suite après 90 jours sans activité (l’usager est relancé à 7 et 30 jours), "
        "puis anonymisées 1 an après la clôture",
    ),
    Ligne(
        "Dossiers d’indemnisation terminés (clôturés, rejetés ou indemnisés) et pièces justificatives",
        "5 ans après la clôture, la décision de rejet ou le paiement ; le dossier est alors anonymisé (identité, "
        "coordonnées, adresse précise, coordonnées bancaires, textes libres et pièces supprimés) et seules des "
        "données statistiques sont gardées. Un dossier qui fait l’objet d’un contentieux est conservé jusqu’à "
        "l’issue de celui-ci",
    ),
    Ligne(
        "Comptes usagers dont l’adresse électronique n’a jamais été confirmée",
        "30 jours après leur création",
    ),
    Ligne(
        "Comptes usagers sans demande en cours",
        "supprimés après 30 jours sans connexion, 30 jours après un courriel d’avertissement (une connexion "
        "avant cette date garde le compte)",
    ),
    Ligne(
        "Comptes des agents",
        "désactivés par le gestionnaire du service quand l’agent quitte ses fonctions ; conservés tant que les "
        "dossiers qu’il a traités le sont, pour garder la trace de qui a fait quoi",
    ),
    Ligne(
        "Contenu des courriels envoyés par le service",
        "1 an après l’envoi (la trace de l’envoi, sans son contenu, suit le dossier)",
    ),
    Ligne(
        "Journaux de connexion, d’actions et des consultations de dossiers",
        "1 an (sauf pour un dossier en contentieux)",
    ),
)

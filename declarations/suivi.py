"""Avancement grossier d'une déclaration envoyée, vu par l'agent : sans détail de l'instruction."""

from precontentieux.enums import ETATS_DECISION_RENDUE, ETATS_EN_INSTRUCTION, StatutDossier

# Étapes affichées dans l'ordre ; chaque déclaration envoyée se situe sur l'une d'elles.
ETAPES_SUIVI = [
    "Invitation envoyée",
    "Demande déposée par l’usager",
    "En cours d’instruction",
    "Décision rendue",
]

# Dossier terminé : ce que l'agent en sait (rien de plus que l'issue).
ISSUES = {
    StatutDossier.INDEMNISE: {"libelle": "Usager indemnisé", "detail": "", "niveau": 4, "badge": "fr-badge--success"},
    StatutDossier.REJETE: {"libelle": "Demande rejetée", "detail": "", "niveau": 4, "badge": "fr-badge--error"},
    StatutDossier.CLOTURE: {"libelle": "Dossier clôturé", "detail": "", "niveau": 0, "badge": "fr-badge--info"},
}


def _invitations(declaration, invitations):
    if invitations is not None:
        return list(invitations)
    # Utilise le prefetch (Mes déclarations) : aucune requête par ligne.
    return list(declaration.dossier.invitations.all())


def avancement(declaration, invitations=None):
    """{"libelle", "detail", "niveau" (0..4), "badge"} ou None pour un brouillon."""
    if not declaration.est_envoyee or declaration.dossier_id is None:
        return None
    dossier = declaration.dossier
    statut = dossier.statut
    # Issue grossière d'un dossier terminé : ni montant, ni motif, ni date de paiement.
    if statut in ISSUES:
        return dict(ISSUES[statut])
    if statut in ETATS_DECISION_RENDUE:
        return {"libelle": ETAPES_SUIVI[3], "detail": "", "niveau": 4, "badge": "fr-badge--success"}
    if statut in ETATS_EN_INSTRUCTION:
        return {"libelle": ETAPES_SUIVI[2], "detail": "", "niveau": 3, "badge": "fr-badge--new"}
    if statut == StatutDossier.DEPOSE:
        return {"libelle": ETAPES_SUIVI[1], "detail": "", "niveau": 2, "badge": "fr-badge--new"}
    invitations = _invitations(declaration, invitations)
    if dossier.requerant_id:
        return {
            "libelle": "Demande en cours de complétion par l’usager",
            "detail": "",
            "niveau": 1,
            "badge": "fr-badge--info",
        }
    if not invitations:
        return {
            "libelle": "Usager non invité",
            "detail": "Coordonnées de l’usager à ajouter",
            "niveau": 0,
            "badge": "fr-badge--warning",
        }
    derniere = invitations[0]
    if not derniere.est_utilisee and derniere.est_expiree:
        return {
            "libelle": "Invitation expirée",
            "detail": "Invitation à renvoyer",
            "niveau": 0,
            "badge": "fr-badge--warning",
        }
    return {"libelle": ETAPES_SUIVI[0], "detail": "", "niveau": 1, "badge": "fr-badge--info"}


def invitation_possible(declaration, invitations=None):
    """L'agent peut (r)inviter l'usager : dossier encore à compléter, personne rattaché, pas d'invitation valide."""
    if not declaration.est_envoyee or declaration.dossier_id is None:
        return False
    dossier = declaration.dossier
    if dossier.statut != StatutDossier.A_COMPLETER or dossier.requerant_id:
        return False
    invitations = _invitations(declaration, invitations)
    return not any(not i.est_utilisee and not i.est_expiree for i in invitations)

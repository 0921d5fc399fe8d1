from .emails import EmailSortant
from .evenements import Evenement
from .fichiers import PieceAnalysee, Televersement
from .utilisateurs import Administration, IdentiteOIDC, RoleInterdit, SessionUtilisateur, Utilisateur

__all__ = [
    "Administration",
    "EmailSortant",
    "Evenement",
    "IdentiteOIDC",
    "PieceAnalysee",
    "RoleInterdit",
    "SessionUtilisateur",
    "Televersement",
    "Utilisateur",
]

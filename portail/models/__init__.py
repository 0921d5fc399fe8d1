from .codes import CodeVerification, ObjetCode
from .emails import EmailSortant
from .evenements import Evenement
from .fichiers import PieceAnalysee, Televersement
from .taches import ExecutionTache
from .utilisateurs import Administration, IdentiteOIDC, RoleInterdit, SessionUtilisateur, Utilisateur

__all__ = [
    "Administration",
    "CodeVerification",
    "EmailSortant",
    "Evenement",
    "ExecutionTache",
    "ObjetCode",
    "IdentiteOIDC",
    "PieceAnalysee",
    "RoleInterdit",
    "SessionUtilisateur",
    "Televersement",
    "Utilisateur",
]

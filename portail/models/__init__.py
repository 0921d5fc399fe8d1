from .emails import EmailSortant
from .evenements import Evenement
from .fichiers import PieceAnalysee, Televersement
from .taches import ExecutionTache
from .utilisateurs import Administration, IdentiteOIDC, Utilisateur

__all__ = [
    "Administration",
    "EmailSortant",
    "Evenement",
    "ExecutionTache",
    "IdentiteOIDC",
    "PieceAnalysee",
    "Televersement",
    "Utilisateur",
]

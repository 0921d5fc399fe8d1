from .codes import CodeVerification, ObjetCode
from .emails import EmailSortant
from .evenements import Evenement
from .fichiers import PieceAnalysee, Televersement
from .utilisateurs import Administration, IdentiteOIDC, Utilisateur

__all__ = [
    "Administration",
    "CodeVerification",
    "EmailSortant",
    "Evenement",
    "ObjetCode",
    "IdentiteOIDC",
    "PieceAnalysee",
    "Televersement",
    "Utilisateur",
]

from .emails import EmailSortant
from .evenements import Evenement
from .utilisateurs import Administration, IdentiteOIDC, Utilisateur

__all__ = ["Administration", "EmailSortant", "Evenement", "IdentiteOIDC", "Utilisateur"]

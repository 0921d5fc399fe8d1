"""Fournisseur OIDC local (ProConnect et FranceConnect simulés). Lancer : `python -m outils.oidc_local`."""

from .personas import PERSONAS, persona
from .serveur import ALTERATIONS, SAVEURS, FournisseurOIDCLocal

__all__ = ["ALTERATIONS", "PERSONAS", "SAVEURS", "FournisseurOIDCLocal", "persona"]

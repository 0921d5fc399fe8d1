"""Outils de développement (hors du portail déployé)."""

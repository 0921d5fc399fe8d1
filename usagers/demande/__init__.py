"""Assistant de demande d'indemnisation de l'usager : formulaires, brouillon, vues. Voir docs/demande.md."""

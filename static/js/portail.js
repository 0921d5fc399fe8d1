// Amélioration progressive ; aucun script en ligne.

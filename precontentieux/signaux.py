"""Signaux du domaine. `dossier_anonymise(dossier, fichiers)` : envoyé DANS la transaction qui anonymise un
dossier (fin de conservation) ; `declarations` y anonymise la déclaration liée (precontentieux n'importe jamais
declarations). `fichiers` : liste des noms de stockage à supprimer après le COMMIT, que le récepteur complète."""

from django.dispatch import Signal

dossier_anonymise = Signal()

from django.db import models
from django.utils import timezone


class ExecutionTache(models.Model):
    """Journal des tâches planifiées (relances, clôtures automatiques, purges) : une ligne par exécution.

    Écrite par `portail.planification.journaliser` ; consultable dans l'administration (lecture seule).
    """

    tache = models.CharField("tâche", max_length=100, db_index=True)
    debut = models.DateTimeField("début", default=timezone.now)
    fin = models.DateTimeField("fin", null=True, blank=True)
    simulation = models.BooleanField("simulation (rien n’est modifié)", default=False)
    resultat = models.JSONField("résultat", default=dict, blank=True)
    erreur = models.TextField("erreur", blank=True)

    class Meta:
        verbose_name = "exécution de tâche planifiée"
        verbose_name_plural = "exécutions de tâches planifiées"
        ordering = ["-debut", "-id"]

    def __str__(self):
        return f"{self.tache} — {self.debut:%d/%m/%Y %H:%M}"

import uuid

from django.db import models

from portail.enums import StatutEmail


class EmailSortant(models.Model):
    """Boîte d'envoi : une ligne écrite dans la même transaction que le changement métier.

    Le rendu et l'envoi sont faits par la tâche Celery `portail.tasks.envoyer_email`.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    gabarit = models.CharField("gabarit", max_length=100)
    destinataire = models.EmailField("destinataire")
    contexte = models.JSONField("contexte", default=dict, blank=True)
    statut = models.CharField(
        "statut", max_length=20, choices=StatutEmail.choices, default=StatutEmail.A_ENVOYER, db_index=True
    )
    tentatives = models.PositiveIntegerField("tentatives", default=0)
    derniere_erreur = models.TextField("dernière erreur", blank=True)
    sujet = models.CharField("sujet", max_length=255, blank=True)
    cree_le = models.DateTimeField("créé le", auto_now_add=True)
    verrou_jusqu_a = models.DateTimeField("verrou jusqu’à", null=True, blank=True)
    envoye_le = models.DateTimeField("envoyé le", null=True, blank=True)

    class Meta:
        verbose_name = "courriel sortant"
        verbose_name_plural = "courriels sortants"
        ordering = ["-cree_le"]

    def __str__(self):
        return f"{self.gabarit} → {self.destinataire} ({self.get_statut_display()})"

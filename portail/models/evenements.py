from django.conf import settings
from django.db import models

from portail.enums import TypeEvenement


class Evenement(models.Model):
    """Journal d'audit : qui a fait quoi, quand. Jamais modifié après écriture."""

    date = models.DateTimeField("date", auto_now_add=True, db_index=True)
    type = models.CharField("type", max_length=40, choices=TypeEvenement.choices)
    acteur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="acteur",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evenements_acteur",
    )
    cible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="utilisateur concerné",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evenements_cible",
    )
    adresse_ip = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    details = models.JSONField("détails", default=dict, blank=True)

    class Meta:
        verbose_name = "événement"
        verbose_name_plural = "événements"
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.date:%d/%m/%Y %H:%M} {self.get_type_display()}"

    @classmethod
    def journaliser(cls, type, *, acteur=None, cible=None, request=None, **details):
        from portail.reseau import ip_client

        ip = (ip_client(request) or None) if request is not None else None
        if acteur is not None and not getattr(acteur, "pk", None):
            acteur = None
        return cls.objects.create(type=type, acteur=acteur, cible=cible, adresse_ip=ip, details=details)

"""Pièces déposées : état de l'analyse antivirus (champs communs) et journal des envois (quota horaire)."""

from django.conf import settings
from django.db import models

from portail.enums import ETATS_ANALYSE_UTILISABLES, EtatAnalyse


class PieceAnalysee(models.Model):
    """Champs communs des pièces jointes analysées par l'antivirus (déclarations et demandes).

    Une pièce naît « en cours d'analyse » ; la tâche `portail.tasks.analyser_piece`, programmée à la
    création (signal `post_save`), la rend saine ou infectée. Voir `portail/antivirus.py`.
    """

    etat_analyse = models.CharField(
        "analyse antivirus", max_length=20, choices=EtatAnalyse.choices, default=EtatAnalyse.EN_ANALYSE
    )
    analysee_le = models.DateTimeField("analysée le", null=True, blank=True)
    signature_virus = models.CharField("virus détecté", max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def utilisable(self):
        """Téléchargeable et comptée comme fournie : analysée sans virus (ou antivirus désactivé)."""
        return self.etat_analyse in ETATS_ANALYSE_UTILISABLES

    @property
    def en_analyse(self):
        return self.etat_analyse == EtatAnalyse.EN_ANALYSE

    @property
    def infectee(self):
        return self.etat_analyse == EtatAnalyse.INFECTEE


class Televersement(models.Model):
    """Un fichier reçu (accepté ou refusé) : compte le quota horaire par compte. Purgé après un jour."""

    utilisateur = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="compte", on_delete=models.CASCADE)
    recu_le = models.DateTimeField("reçu le", auto_now_add=True)
    taille = models.PositiveBigIntegerField("taille (octets)", default=0)

    class Meta:
        verbose_name = "fichier reçu"
        verbose_name_plural = "fichiers reçus"
        indexes = [models.Index(fields=["utilisateur", "recu_le"], name="televersement_compte_date")]

    def __str__(self):
        return f"{self.utilisateur_id} — {self.recu_le:%d/%m/%Y %H:%M}"

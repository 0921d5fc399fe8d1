from django.db import models


class StatutDeclaration(models.TextChoices):
    BROUILLON = "brouillon", "Brouillon"
    ENVOYEE = "envoyee", "Envoyée"


class ErreurOperationnelle(models.TextChoices):
    OUI = "oui", "Oui"
    NON = "non", "Non"
    DOUTE = "doute", "J’ai un doute"

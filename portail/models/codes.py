from django.conf import settings
from django.db import models
from django.utils import timezone


class ObjetCode(models.TextChoices):
    INVITATION = "invitation", "Rattacher une demande reçue par invitation"
    CONTACT = "contact", "Vérifier une adresse de contact"


class CodeVerification(models.Model):
    """Code à usage unique envoyé par courriel pour prouver qu'on lit une adresse (portail/codes.py).

    Seule une empreinte (HMAC avec la clé secrète du portail et un sel propre à la ligne) est conservée : une
    fuite de la base ne donne aucun code. Une ligne utilisée prouve l'adresse pour ce compte (portail/adresses.py).
    """

    utilisateur = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="compte", on_delete=models.CASCADE, related_name="codes_verification"
    )
    objet = models.CharField("objet", max_length=20, choices=ObjetCode.choices)
    # Ce que le code autorise (identifiant de l'invitation, par exemple) ; vide pour une adresse de contact.
    cible = models.CharField("cible", max_length=64, blank=True)
    adresse = models.EmailField("adresse à prouver")
    sel = models.CharField("sel", max_length=32)
    empreinte = models.CharField("empreinte du code", max_length=64)
    cree_le = models.DateTimeField("envoyé le", default=timezone.now)
    expire_le = models.DateTimeField("expire le")
    essais = models.PositiveSmallIntegerField("essais", default=0)
    utilise_le = models.DateTimeField("utilisé le", null=True, blank=True)

    class Meta:
        verbose_name = "code de vérification"
        verbose_name_plural = "codes de vérification"
        ordering = ["-cree_le", "-id"]
        indexes = [models.Index(fields=["utilisateur", "objet", "cible"], name="code_utilisateur_objet")]

    def __str__(self):
        return f"Code {self.get_objet_display()} ({self.cree_le:%d/%m/%Y %H:%M})"

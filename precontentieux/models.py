import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from portail.enums import ROLES_MJ
from precontentieux.enums import OrigineDossier, StatutDossier, TypeEvenementDossier

# Alphabet sans caractères ambigus (0/O, 1/I/L) pour les références lues au téléphone.
ALPHABET_REFERENCE = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def generer_reference(prefixe, longueur=6):
    return f"{prefixe}-{timezone.now():%Y}-" + "".join(secrets.choice(ALPHABET_REFERENCE) for _ in range(longueur))


class DossierQuerySet(models.QuerySet):
    def visibles_par(self, user):
        """Dossiers qu'un utilisateur peut voir ; tout autre dossier est un 404 pour lui."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.est_usager:
            return self.filter(requerant=user)
        if user.est_forces_de_l_ordre:
            return self.filter(declaration__agent=user)
        if user.roles & {str(r) for r in ROLES_MJ}:
            return self.all()
        return self.none()


class Dossier(models.Model):
    """La demande d'indemnisation. Seules les transitions (méthodes) écrivent `statut`."""

    reference = models.CharField("référence", max_length=20, unique=True)
    statut = models.CharField("statut", max_length=30, choices=StatutDossier.choices, default=StatutDossier.A_COMPLETER)
    origine = models.CharField("origine", max_length=20, choices=OrigineDossier.choices)
    requerant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="requérant",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    date_operation = models.DateField("date de l’opération", null=True, blank=True)
    adresse_voie = models.CharField("numéro de voie, rue", max_length=255, blank=True)
    adresse_complement = models.CharField("complément d’adresse", max_length=255, blank=True)
    adresse_code_postal = models.CharField("code postal", max_length=5, blank=True)
    adresse_ville = models.CharField("ville", max_length=255, blank=True)
    cree_le = models.DateTimeField("créé le", auto_now_add=True)
    modifie_le = models.DateTimeField("modifié le", auto_now=True)
    depose_le = models.DateTimeField("déposé le", null=True, blank=True)

    objects = DossierQuerySet.as_manager()

    class Meta:
        verbose_name = "dossier"
        verbose_name_plural = "dossiers"
        ordering = ["-cree_le"]

    def __str__(self):
        return f"Dossier {self.reference}"

    @property
    def adresse(self):
        ligne = ", ".join(p for p in (self.adresse_voie, self.adresse_complement) if p)
        return f"{ligne}, {self.adresse_code_postal} {self.adresse_ville}".strip(", ")

    @classmethod
    def creer(cls, *, origine, acteur=None, **champs):
        """Crée un dossier à compléter et journalise sa création."""
        for _ in range(10):
            reference = generer_reference("MIJ")
            if not cls.objects.filter(reference=reference).exists():
                break
        dossier = cls.objects.create(reference=reference, origine=origine, statut=StatutDossier.A_COMPLETER, **champs)
        EvenementDossier.objects.create(
            dossier=dossier,
            acteur=acteur,
            type=TypeEvenementDossier.CREATION,
            statut_apres=dossier.statut,
        )
        return dossier


class EvenementDossier(models.Model):
    """Historique daté d'un dossier (qui a fait quoi, quand), jamais réécrit."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="evenements")
    date = models.DateTimeField("date", default=timezone.now)
    acteur = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="acteur", null=True, blank=True, on_delete=models.SET_NULL
    )
    type = models.CharField("type", max_length=30, choices=TypeEvenementDossier.choices)
    statut_avant = models.CharField("statut avant", max_length=30, choices=StatutDossier.choices, blank=True)
    statut_apres = models.CharField("statut après", max_length=30, choices=StatutDossier.choices, blank=True)
    details = models.JSONField("détails", default=dict, blank=True)

    class Meta:
        verbose_name = "événement du dossier"
        verbose_name_plural = "événements du dossier"
        ordering = ["date", "id"]

    def __str__(self):
        return f"{self.dossier.reference} — {self.get_type_display()} ({self.date:%d/%m/%Y %H:%M})"


def empreinte_jeton(jeton):
    return hashlib.sha256(jeton.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def valides(self):
        return self.filter(utilisee_le__isnull=True, expire_le__gt=timezone.now())


class Invitation(models.Model):
    """Lien à usage unique envoyé à l'usager pour rattacher son compte au dossier.

    Seule l'empreinte SHA-256 du jeton est conservée : une fuite de la base ne donne aucun lien valide.
    """

    DUREE_VALIDITE = datetime.timedelta(days=30)

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="invitations")
    empreinte = models.CharField("empreinte du jeton", max_length=64, unique=True)
    civilite = models.CharField("civilité", max_length=3, blank=True)
    nom = models.CharField("nom", max_length=150, blank=True)
    prenom = models.CharField("prénom", max_length=150, blank=True)
    telephone = models.CharField("téléphone", max_length=30, blank=True)
    courriel = models.EmailField("courriel")
    cree_le = models.DateTimeField("créée le", auto_now_add=True)
    expire_le = models.DateTimeField("expire le")
    utilisee_le = models.DateTimeField("utilisée le", null=True, blank=True)
    utilisee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="utilisée par", null=True, blank=True, on_delete=models.SET_NULL
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = "invitation"
        verbose_name_plural = "invitations"
        ordering = ["-cree_le"]

    def __str__(self):
        return f"Invitation {self.dossier.reference} → {self.courriel}"

    @property
    def est_expiree(self):
        return self.expire_le <= timezone.now()

    @property
    def est_utilisee(self):
        return self.utilisee_le is not None

    @classmethod
    def creer(cls, dossier, *, courriel, civilite="", nom="", prenom="", telephone=""):
        """Crée l'invitation ; renvoie (invitation, jeton en clair à mettre dans le lien)."""
        jeton = secrets.token_urlsafe(32)
        invitation = cls.objects.create(
            dossier=dossier,
            empreinte=empreinte_jeton(jeton),
            courriel=courriel,
            civilite=civilite,
            nom=nom,
            prenom=prenom,
            telephone=telephone,
            expire_le=timezone.now() + cls.DUREE_VALIDITE,
        )
        return invitation, jeton

    @classmethod
    def trouver(cls, jeton):
        """L'invitation correspondant au jeton, quel que soit son état (ou None)."""
        return cls.objects.select_related("dossier").filter(empreinte=empreinte_jeton(jeton)).first()

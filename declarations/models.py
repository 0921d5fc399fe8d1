import uuid

from django.conf import settings
from django.db import models

from declarations.enums import Civilite, ErreurOperationnelle, StatutDeclaration


class DeclarationVerrouillee(Exception):
    """Une déclaration envoyée ne peut plus être modifiée (garanti aussi par la base)."""

    message = "Cette déclaration a été envoyée : il n’est plus possible de la modifier."

    def __str__(self):
        return self.message


class DeclarationQuerySet(models.QuerySet):
    def de_l_agent(self, user):
        """Les déclarations d'un agent des forces de l'ordre ; celles des autres sont des 404."""
        if not (user.is_authenticated and user.est_forces_de_l_ordre):
            return self.none()
        return self.filter(agent=user)

    def brouillons(self):
        return self.filter(statut=StatutDeclaration.BROUILLON)

    def envoyees(self):
        return self.filter(statut=StatutDeclaration.ENVOYEE)


class Declaration(models.Model):
    """Déclaration d'un bris de porte par un agent des forces de l'ordre.

    Les champs de l'étape 2 (service enquêteur) sont strictement confidentiels : jamais
    visibles par l'usager. Une fois envoyée, la déclaration est immuable (modèle et base).
    """

    CHAMPS_CONFIDENTIELS = (
        "service_enqueteur",
        "telephone_service",
        "courriel_agent",
        "numero_procedure",
        "juridiction",
        "magistrat",
    )

    reference = models.CharField("référence", max_length=20, unique=True, null=True, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="agent", on_delete=models.PROTECT, related_name="declarations"
    )
    statut = models.CharField(
        "état", max_length=10, choices=StatutDeclaration.choices, default=StatutDeclaration.BROUILLON
    )
    # Brouillon : données saisies telles quelles (même partielles ou invalides) et étape courante.
    brouillon = models.JSONField("brouillon", default=dict, blank=True)
    version = models.PositiveIntegerField("version", default=1)

    # Étape 1 — Éléments relatifs au bris de porte
    erreur_operationnelle = models.CharField(
        "S’agissait-il d’une erreur opérationnelle ?", max_length=5, choices=ErreurOperationnelle.choices, blank=True
    )
    description_operation = models.TextField("Décrivez l’opération", blank=True)
    date_operation = models.DateField("Date de l’opération", null=True, blank=True)
    adresse_voie = models.CharField("Numéro de voie, rue", max_length=255, blank=True)
    adresse_complement = models.CharField("Complément d’adresse", max_length=255, blank=True)
    adresse_code_postal = models.CharField("Code postal", max_length=5, blank=True)
    adresse_ville = models.CharField("Ville", max_length=255, blank=True)

    # Étape 2 — Éléments relatifs au service enquêteur (confidentiel)
    service_enqueteur = models.CharField("Service enquêteur", max_length=255, blank=True)
    telephone_service = models.CharField("Téléphone du service ou de l’agent", max_length=30, blank=True)
    courriel_agent = models.EmailField("Courriel de l’agent", blank=True)
    numero_procedure = models.CharField("Numéro de procédure", max_length=100, blank=True)
    juridiction = models.CharField("Juridiction / parquet (le cas échéant)", max_length=255, blank=True)
    magistrat = models.CharField("Nom du magistrat (le cas échéant)", max_length=255, blank=True)

    # Étape 3 — Informations concernant l'usager
    coordonnees_usager = models.BooleanField("J’ai les coordonnées de l’usager", null=True, blank=True)
    usager_civilite = models.CharField("Civilité", max_length=3, choices=Civilite.choices, blank=True)
    usager_nom = models.CharField("Nom", max_length=150, blank=True)
    usager_prenom = models.CharField("Prénom", max_length=150, blank=True)
    usager_telephone = models.CharField("Téléphone", max_length=30, blank=True)
    usager_courriel = models.EmailField("Courriel", blank=True)
    usager_precisions = models.TextField("Précisions concernant l’usager", blank=True)

    dossier = models.OneToOneField(
        "precontentieux.Dossier",
        verbose_name="dossier",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="declaration",
    )
    cree_le = models.DateTimeField("créée le", auto_now_add=True)
    modifie_le = models.DateTimeField("modifiée le", auto_now=True)
    envoyee_le = models.DateTimeField("envoyée le", null=True, blank=True)

    objects = DeclarationQuerySet.as_manager()

    class Meta:
        verbose_name = "déclaration de bris de porte"
        verbose_name_plural = "déclarations de bris de porte"
        ordering = ["-modifie_le"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(statut="brouillon")
                | models.Q(reference__isnull=False, envoyee_le__isnull=False, dossier__isnull=False),
                name="declaration_envoyee_complete",
            )
        ]

    def __str__(self):
        return self.reference or f"Brouillon n° {self.pk}"

    def save(self, *args, **kwargs):
        if getattr(self, "_statut_en_base", None) == StatutDeclaration.ENVOYEE:
            raise DeclarationVerrouillee
        super().save(*args, **kwargs)
        self._statut_en_base = self.statut

    def delete(self, *args, **kwargs):
        if self.est_envoyee:
            raise DeclarationVerrouillee
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._statut_en_base = instance.__dict__.get("statut")
        return instance

    @property
    def est_envoyee(self):
        return getattr(self, "_statut_en_base", self.statut) == StatutDeclaration.ENVOYEE

    @property
    def adresse(self):
        ligne = ", ".join(p for p in (self.adresse_voie, self.adresse_complement) if p)
        return f"{ligne}, {self.adresse_code_postal} {self.adresse_ville}".strip(", ")


def chemin_piece(instance, nom):
    # Nom aléatoire : le nom d'origine n'apparaît jamais dans le chemin de stockage.
    return f"declarations/{uuid.uuid4().hex}"


class PieceJointeDeclaration(models.Model):
    """PV d'intervention, photos de la porte : confidentiel, comme toute l'étape 2."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="pieces")
    fichier = models.FileField("fichier", upload_to=chemin_piece)
    nom_original = models.CharField("nom du fichier", max_length=255)
    type_mime = models.CharField("type", max_length=100)
    taille = models.PositiveIntegerField("taille (octets)")
    cree_le = models.DateTimeField("ajoutée le", auto_now_add=True)

    class Meta:
        verbose_name = "pièce jointe de la déclaration"
        verbose_name_plural = "pièces jointes de la déclaration"
        ordering = ["cree_le", "id"]

    def __str__(self):
        return self.nom_original

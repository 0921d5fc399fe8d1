from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from portail.enums import ADMINISTRATIONS_FDO, ROLES_MJ, CodeAdministration, Fournisseur, Role, TypeUtilisateur


class UtilisateurManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, identifiant=None, email="", password=None, **extra):
        email = self.normalize_email(email)
        identifiant = identifiant or email.lower()
        if not identifiant:
            raise ValueError("Un identifiant ou une adresse électronique est requis.")
        user = self.model(identifiant=identifiant, email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, identifiant=None, email="", password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("type", TypeUtilisateur.AGENT)
        return self.create_user(identifiant, email, password, **extra)


class Utilisateur(AbstractBaseUser, PermissionsMixin):
    """Usager ou agent.

    `identifiant` est la clé de connexion unique : l'adresse (en minuscules) pour un compte par
    courriel, `fournisseur:sub` pour un compte créé par ProConnect ou FranceConnect. L'adresse
    électronique n'est donc pas unique : une identité FranceConnect portant la même adresse qu'un
    compte par courriel reste un compte distinct (on ne relie jamais sur l'adresse seule).
    """

    identifiant = models.CharField("identifiant", max_length=255, unique=True)
    email = models.EmailField("adresse électronique", blank=True)
    # Autre adresse où écrire à l'usager (compte FranceConnect) : écrite seulement après un code à usage unique
    # saisi (portail/codes.py, usagers/contact.py) ; `portail.adresses.adresse_prouvee` la préfère à `email`.
    courriel_contact = models.EmailField("adresse de contact", blank=True)
    type = models.CharField("type", max_length=10, choices=TypeUtilisateur.choices, default=TypeUtilisateur.USAGER)
    civilite = models.CharField("civilité", max_length=10, blank=True)
    prenom = models.CharField("prénom", max_length=150, blank=True)
    nom = models.CharField("nom", max_length=150, blank=True)
    telephone = models.CharField("téléphone", max_length=30, blank=True)
    administration = models.ForeignKey(
        "portail.Administration",
        verbose_name="administration",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agents",
    )
    is_active = models.BooleanField(
        "actif", default=True, help_text="Décocher pour désactiver le compte (l’agent ne peut plus se connecter)."
    )
    is_staff = models.BooleanField("accès à l’administration", default=False)
    date_joined = models.DateTimeField("date de création", default=timezone.now)

    objects = UtilisateurManager()

    USERNAME_FIELD = "identifiant"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"

    def __str__(self):
        nom = self.nom_complet
        return f"{nom} <{self.email}>" if nom else (self.email or self.identifiant)

    @property
    def nom_complet(self):
        return " ".join(p for p in (self.prenom, self.nom) if p)

    @property
    def est_agent(self):
        return self.type == TypeUtilisateur.AGENT

    @property
    def est_usager(self):
        return self.type == TypeUtilisateur.USAGER

    @property
    def roles(self):
        """Noms des rôles (groupes) de l'utilisateur, mis en cache pour la requête."""
        if not hasattr(self, "_roles_cache"):
            self._roles_cache = frozenset(self.groups.values_list("name", flat=True)) if self.pk else frozenset()
        return self._roles_cache

    def a_role(self, *roles):
        return bool(self.roles & {str(r) for r in roles})

    @property
    def est_forces_de_l_ordre(self):
        return self.est_agent and self.a_role(Role.FORCES_DE_L_ORDRE)

    @property
    def est_agent_mj(self):
        return (
            self.est_agent and self.administration_id is not None and self.administration.code == CodeAdministration.MJ
        )

    @property
    def roles_mj(self):
        return self.roles & {str(r) for r in ROLES_MJ}


class Administration(models.Model):
    """Table SIRET → administration, éditable dans l'admin."""

    siret = models.CharField("SIRET", max_length=14, unique=True)
    code = models.CharField("administration", max_length=2, choices=CodeAdministration.choices)
    libelle = models.CharField("libellé", max_length=200)
    active = models.BooleanField("active", default=True)

    class Meta:
        verbose_name = "administration"
        verbose_name_plural = "administrations"
        ordering = ["code", "siret"]

    def __str__(self):
        return f"{self.libelle} ({self.siret})"

    @property
    def est_forces_de_l_ordre(self):
        return self.code in ADMINISTRATIONS_FDO


class IdentiteOIDC(models.Model):
    """Identité ProConnect ou FranceConnect liée à un compte, sur le couple (fournisseur, sub)."""

    utilisateur = models.ForeignKey(Utilisateur, on_delete=models.CASCADE, related_name="identites_oidc")
    fournisseur = models.CharField("fournisseur", max_length=20, choices=Fournisseur.choices)
    sub = models.CharField("sub", max_length=255)
    claims = models.JSONField("données d’identité", default=dict, blank=True)
    cree_le = models.DateTimeField("créée le", auto_now_add=True)
    derniere_connexion = models.DateTimeField("dernière connexion", null=True, blank=True)

    class Meta:
        verbose_name = "identité OIDC"
        verbose_name_plural = "identités OIDC"
        constraints = [models.UniqueConstraint(fields=["fournisseur", "sub"], name="identite_oidc_unique")]

    def __str__(self):
        return f"{self.get_fournisseur_display()} {self.sub}"


class RoleInterdit(ValidationError):
    """Un rôle (groupe) ne peut être porté que par un compte d'agent (aussi imposé en base : migration 0005)."""

    def __init__(self):
        super().__init__(
            "Seul un compte d’agent (connecté avec ProConnect) peut recevoir un rôle : ce compte est un compte "
            "d’usager.",
            code="role_compte_usager",
        )


class SessionUtilisateur(models.Model):
    """Clé d'une session ouverte par un compte : désactiver un agent supprime vraiment ses sessions (base et cache).

    Écrite à chaque connexion, retirée à la déconnexion (portail/signals.py) ; les lignes plus vieilles que la
    durée d'une session sont retirées à la connexion suivante du même compte.
    """

    utilisateur = models.ForeignKey(Utilisateur, on_delete=models.CASCADE, related_name="sessions_ouvertes")
    cle_session = models.CharField("clé de session", max_length=40, unique=True)
    ouverte_le = models.DateTimeField("ouverte le", auto_now_add=True)

    class Meta:
        verbose_name = "session ouverte"
        verbose_name_plural = "sessions ouvertes"

    def __str__(self):
        return f"Session de {self.utilisateur} ouverte le {self.ouverte_le:%d/%m/%Y %H:%M}"

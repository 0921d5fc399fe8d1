import uuid

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from declarations.enums import ErreurOperationnelle, StatutDeclaration
from portail.models import PieceAnalysee
from portail.utils import generer_reference
from portail.validateurs import telephone_valide
from precontentieux.enums import Civilite, OrigineDossier
from precontentieux.models import (  # noqa: F401 (inviter_usager : réexporté pour les vues des agents)
    CHAMPS_AVANCEMENT,
    MESSAGE_TROP_D_INVITATIONS,
    Dossier,
    Invitation,
    inviter_usager,
)


class DeclarationVerrouillee(Exception):
    """Une déclaration envoyée ne peut plus être modifiée (garanti aussi par la base)."""

    message = "Cette déclaration a été envoyée : il n’est plus possible de la modifier."

    def __str__(self):
        return self.message


class DeclarationIncomplete(Exception):
    def __init__(self, champs):
        self.champs = champs
        super().__init__("Déclaration incomplète : " + ", ".join(champs))


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

    def avec_avancement(self, sans=()):
        """Avec le dossier réduit à ses champs d'avancement : jamais l'IBAN ni l'identité de l'usager."""
        champs = [f.name for f in self.model._meta.concrete_fields if f.name not in sans]
        return self.select_related("dossier").only(*champs, *(f"dossier__{c}" for c in CHAMPS_AVANCEMENT))


class Declaration(models.Model):
    """Déclaration d'un bris de porte par un agent des forces de l'ordre.

    Les champs de l'étape 2 (service enquêteur) sont strictement confidentiels : jamais
    visibles par l'usager. Une fois envoyée, la déclaration est immuable (modèle et base).
    """

    CHAMPS_REQUIS = (
        "erreur_operationnelle",
        "date_operation",
        "adresse_voie",
        "adresse_code_postal",
        "adresse_ville",
        "service_enqueteur",
        "telephone_service",
        "courriel_agent",
        "numero_procedure",
    )
    CHAMPS_REQUIS_USAGER = ("usager_nom", "usager_prenom", "usager_telephone", "usager_courriel")
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

    def recapitulatif(self):
        """[(étape, titre, [(libellé, valeur lisible)])] depuis les colonnes (données validées), avec les
        libellés du guide des forces de l'ordre ; lu par la page de l'agent et par le back-office."""
        from declarations.forms import ETAPES

        recapitulatif = []
        for etape, formulaire in ETAPES:
            lignes = []
            for nom, champ in formulaire.base_fields.items():
                valeur = getattr(self, nom)
                if nom == "coordonnees_usager":
                    valeur = {True: "Oui", False: "Non"}.get(valeur)
                elif nom in ("erreur_operationnelle", "usager_civilite"):
                    valeur = getattr(self, f"get_{nom}_display")()
                elif nom == "date_operation" and valeur:
                    valeur = valeur.strftime("%d/%m/%Y")
                if etape == "usager" and nom != "coordonnees_usager" and not self.coordonnees_usager:
                    continue
                lignes.append((champ.label, valeur or "Non renseigné"))
            recapitulatif.append((etape, formulaire.titre, lignes))
        return recapitulatif

    @property
    def adresse(self):
        ligne = ", ".join(p for p in (self.adresse_voie, self.adresse_complement) if p)
        return f"{ligne}, {self.adresse_code_postal} {self.adresse_ville}".strip(", ")


def chemin_piece(instance, nom):
    # Nom aléatoire : le nom d'origine n'apparaît jamais dans le chemin de stockage.
    return f"declarations/{uuid.uuid4().hex}"


class PieceJointeDeclaration(PieceAnalysee):
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


class AnonymisationEnCours(models.Model):
    """Porte étroite des déclencheurs d'immuabilité (migration 0005) : une ligne n'existe que dans la transaction
    qui anonymise une déclaration envoyée, à la fin de la conservation de son dossier (`declarations/rgpd.py`)."""

    transaction = models.BigIntegerField("transaction", null=True, blank=True)

    class Meta:
        verbose_name = "anonymisation en cours"
        verbose_name_plural = "anonymisations en cours"

    def __str__(self):
        return f"Anonymisation en cours (transaction {self.transaction})"


def _champs_manquants(declaration):
    manquants = [c for c in Declaration.CHAMPS_REQUIS if getattr(declaration, c) in (None, "")]
    if declaration.coordonnees_usager is None:
        manquants.append("coordonnees_usager")
    elif declaration.coordonnees_usager:
        manquants += [c for c in Declaration.CHAMPS_REQUIS_USAGER if not getattr(declaration, c)]
    libelles = [str(Declaration._meta.get_field(c).verbose_name) for c in manquants]
    # L'envoi attend la fin de l'analyse antivirus des documents ; un document infecté doit être retiré.
    for piece in declaration.pieces.all():
        if piece.en_analyse:
            libelles.append(f"document « {piece.nom_original} » : analyse antivirus en cours, patientez")
        elif piece.infectee:
            libelles.append(f"document « {piece.nom_original} » : refusé par l’antivirus, à retirer")
    return libelles


def envoyer_declaration(declaration_id, acteur, *, limiter_invitations=False):
    """Transition brouillon → envoyée, exactement une fois.

    Dans une seule transaction : la déclaration est gelée, le dossier créé (À compléter) et, si
    l'agent a donné les coordonnées de l'usager, l'invitation et son courriel sont écrits.
    Lève DeclarationVerrouillee si elle était déjà envoyée (double clic, rejeu, second onglet), et
    `DebitDepasse` si `limiter_invitations` et que l'agent a envoyé trop d'invitations (rien n'est envoyé).
    """
    with transaction.atomic():
        declaration = Declaration.objects.select_for_update().get(pk=declaration_id, agent=acteur)
        if declaration.est_envoyee:
            raise DeclarationVerrouillee
        manquants = _champs_manquants(declaration)
        if manquants:
            raise DeclarationIncomplete(manquants)
        dossier = Dossier.creer(
            origine=OrigineDossier.DECLARATION,
            acteur=acteur,
            date_operation=declaration.date_operation,
            adresse_voie=declaration.adresse_voie,
            adresse_complement=declaration.adresse_complement,
            adresse_code_postal=declaration.adresse_code_postal,
            adresse_ville=declaration.adresse_ville,
        )
        maintenant = timezone.now()
        # UPDATE conditionnel : si un autre envoi est passé entre-temps, rien n'est modifié et tout est annulé.
        for _ in range(10):
            reference = generer_reference("BP")
            if not Declaration.objects.filter(reference=reference).exists():
                break
        modifiees = Declaration.objects.filter(pk=declaration.pk, statut=StatutDeclaration.BROUILLON).update(
            statut=StatutDeclaration.ENVOYEE,
            reference=reference,
            envoyee_le=maintenant,
            modifie_le=maintenant,
            dossier=dossier,
            brouillon={},
        )
        if modifiees != 1:
            raise DeclarationVerrouillee
        if declaration.coordonnees_usager:
            inviter_usager(
                dossier,
                courriel=declaration.usager_courriel,
                civilite=declaration.usager_civilite,
                nom=declaration.usager_nom,
                prenom=declaration.usager_prenom,
                telephone=declaration.usager_telephone,
                # Envoi depuis l'écran de l'agent : son débit d'invitations est limité.
                agent=acteur if limiter_invitations else None,
            )
    return Declaration.objects.get(pk=declaration_id)


# --- Réquisition d'un serrurier -------------------------------------------------------------------

import re  # noqa: E402

from django.core.exceptions import ValidationError  # noqa: E402

from declarations.departements import CHOIX_DEPARTEMENTS, departement_du_code_postal  # noqa: E402

MARQUE_DEMONSTRATION = "[DÉMONSTRATION]"


def valider_code_postal_serrurier(valeur):
    if departement_du_code_postal(valeur) is None:
        raise ValidationError("Saisissez un code postal français valide (5 chiffres, par exemple 69003, 20000, 97400).")


def valider_telephone_serrurier(valeur):
    if not telephone_valide(valeur):
        raise ValidationError("Saisissez un numéro de téléphone valide, par exemple 01 99 00 00 01.")


class SerrurierQuerySet(models.QuerySet):
    def actifs(self):
        return self.filter(actif=True)

    def des_departements(self, codes, code_postal=""):
        """Serruriers actifs des départements donnés ; ceux du code postal saisi d'abord."""
        qs = self.actifs().filter(departement__in=codes)
        if code_postal:
            qs = qs.annotate(
                meme_code_postal=models.Case(
                    models.When(code_postal=code_postal, then=models.Value(0)),
                    default=models.Value(1),
                    output_field=models.IntegerField(),
                )
            ).order_by("meme_code_postal", "ville", "raison_sociale", "pk")
        return qs


class Serrurier(models.Model):
    """Serrurier pouvant être réquisitionné par les forces de l'ordre, géré dans l'administration."""

    raison_sociale = models.CharField("raison sociale", max_length=255)
    adresse = models.CharField("adresse", max_length=255)
    code_postal = models.CharField("code postal", max_length=5, validators=[valider_code_postal_serrurier])
    ville = models.CharField("ville", max_length=255)
    departement = models.CharField(
        "département",
        max_length=3,
        blank=True,
        db_index=True,
        choices=CHOIX_DEPARTEMENTS,
        help_text="Déduit du code postal s’il est laissé vide (à corriger pour une commune frontalière).",
    )
    telephone = models.CharField("téléphone", max_length=30, validators=[valider_telephone_serrurier])
    courriel = models.EmailField("courriel", blank=True)
    horaires = models.TextField(
        "horaires et disponibilité", blank=True, help_text="Par exemple : 24 h/24, 7 j/7 ; délai d’intervention."
    )
    demonstration = models.BooleanField(
        "donnée de démonstration",
        default=False,
        help_text=f"Fiche fictive : son nom porte la mention « {MARQUE_DEMONSTRATION} » et la page l’affiche "
        "comme démonstration.",
    )
    actif = models.BooleanField("actif", default=True, help_text="Décochez pour retirer le serrurier de l’annuaire.")
    cree_le = models.DateTimeField("créé le", auto_now_add=True)
    modifie_le = models.DateTimeField("modifié le", auto_now=True)

    objects = SerrurierQuerySet.as_manager()

    class Meta:
        verbose_name = "serrurier"
        verbose_name_plural = "serruriers"
        ordering = ["departement", "ville", "raison_sociale", "pk"]
        indexes = [models.Index(fields=["actif", "departement"], name="serrurier_actif_dept")]

    def __str__(self):
        return f"{self.raison_sociale} ({self.code_postal} {self.ville})"

    def save(self, *args, **kwargs):
        if not self.departement:
            self.departement = departement_du_code_postal(self.code_postal) or ""
        # Une fiche fictive est toujours visiblement marquée comme telle.
        if self.demonstration and MARQUE_DEMONSTRATION not in self.raison_sociale:
            self.raison_sociale = f"{MARQUE_DEMONSTRATION} {self.raison_sociale}"
        super().save(*args, **kwargs)

    @property
    def telephone_lien(self):
        """Numéro pour un lien tel: (chiffres et « + » seulement)."""
        return re.sub(r"[^\d+]", "", self.telephone)

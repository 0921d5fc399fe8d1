"""Courriers du précontentieux : un seul pipeline pour tous (proposition, rejet, acceptation, arrêté).

- `Courrier` garde ce qui a été décidé (`donnees`), qui l'a préparé, qui l'a signé, et le PDF rangé en privé.
- Un gabarit par type (`GABARITS`), qui étend `courriers/_base.html` (en-tête du ministère, adresse du Bureau
  du précontentieux, bloc de signature) ; contexte = `contexte_commun(dossier)` + la fonction enregistrée pour
  le type par `@contexte_pour(type)` + `courrier`, `signature`.
- Le même gabarit donne l'aperçu HTML (`rendre_html`, un fragment inséré dans la page) et le PDF
  (`rendre_pdf_courrier`, document A4 balisé) ; le PDF n'est JAMAIS rendu dans une requête : la tâche
  `precontentieux.tasks.generer_courrier` le produit après le COMMIT (aperçu non signé, puis PDF figé).
- Après signature (`signer_courrier`), le PDF figé est produit une fois, son SHA-256 écrit, et il n'est
  plus jamais réécrit.
Décrit dans `docs/courriers.md`.
"""

import hashlib
import logging
import uuid
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from num2words import num2words

from portail.utils import date_fr, montant_euros

logger = logging.getLogger(__name__)

FEUILLES = ("courriers/courrier.css",)


class TypeCourrier(models.TextChoices):
    PROPOSITION = "proposition", "Proposition d’indemnisation"
    REJET = "rejet", "Décision de rejet"
    ACCEPTATION = "acceptation", "Déclaration d’acceptation"
    ARRETE = "arrete", "Arrêté de paiement"


GABARITS = {str(t): f"courriers/{t.value}.html" for t in TypeCourrier}


def chemin_courrier(instance, nom):
    return f"courriers/{uuid.uuid4().hex}.pdf"


class CourrierQuerySet(models.QuerySet):
    def actifs(self):
        return self.filter(remplace=False)


class Courrier(models.Model):
    """Un courrier d'un dossier. `donnees` : ce qui a été décidé (montant en chaîne décimale, motif, paragraphe…)."""

    dossier = models.ForeignKey("precontentieux.Dossier", on_delete=models.PROTECT, related_name="courriers")
    type = models.CharField("type", max_length=20, choices=TypeCourrier.choices)
    cree_le = models.DateTimeField("créé le", default=timezone.now)
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="préparé par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="courriers_prepares",
    )
    donnees = models.JSONField("données", default=dict, blank=True)
    # PDF rangé en privé : vide tant que la tâche ne l'a pas produit (aperçu non signé, puis PDF figé signé).
    fichier = models.FileField("fichier", upload_to=chemin_courrier, max_length=255, blank=True)
    sha256 = models.CharField("empreinte SHA-256 du PDF signé", max_length=64, blank=True)
    signe_le = models.DateTimeField("signé le", null=True, blank=True)
    signe_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="signé par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="courriers_signes",
    )
    role_signataire = models.CharField("qualité du signataire", max_length=100, blank=True)
    # Renvoyé au rédacteur ou refait : n'est plus le courrier actif de son type.
    remplace = models.BooleanField("remplacé", default=False)

    objects = CourrierQuerySet.as_manager()

    class Meta:
        verbose_name = "courrier"
        verbose_name_plural = "courriers"
        ordering = ["cree_le", "id"]
        indexes = [models.Index(fields=["dossier", "type", "remplace"], name="courrier_dossier_type")]
        constraints = [
            # Un seul courrier actif par type et par dossier.
            models.UniqueConstraint(
                fields=["dossier", "type"], condition=models.Q(remplace=False), name="courrier_actif_unique"
            )
        ]

    def __str__(self):
        return f"{self.get_type_display()} — dossier {self.dossier_id}"

    @property
    def actif(self):
        return not self.remplace

    @property
    def est_signe(self):
        return self.signe_le is not None

    @property
    def pdf_pret(self):
        """Le PDF à servir existe : l'aperçu pour un courrier non signé, le PDF figé pour un courrier signé."""
        return bool(self.fichier) and (bool(self.sha256) or not self.est_signe)

    @property
    def montant(self):
        valeur = self.donnees.get("montant")
        return Decimal(valeur) if valeur not in (None, "") else None

    @property
    def nom_fichier(self):
        suffixe = "" if self.est_signe else "-apercu"
        return f"{self.type}-{self.dossier.reference}{suffixe}.pdf"


# --- Montants ---------------------------------------------------------------------------------------------

CENTIME = Decimal("0.01")


def _arrondi(montant):
    return Decimal(montant).quantize(CENTIME, rounding=ROUND_HALF_UP)


def montant_en_chiffres(montant):
    """Decimal("1000000.5") → « 1 000 000,50 € » (espaces fines insécables)."""
    return montant_euros(montant)


def montant_en_lettres(montant):
    """Decimal("1000000.50") → « un million d’euros et cinquante centimes » (num2words, français)."""
    if montant is None:
        return ""
    montant = _arrondi(montant)
    euros = int(montant)
    centimes = int((montant - euros) * 100)
    morceaux = []
    if euros or not centimes:
        mots = num2words(euros, lang="fr")
        if mots.endswith(("million", "millions", "milliard", "milliards")):
            unite = "d’euros"
        else:
            unite = "euros" if euros >= 2 else "euro"
        morceaux.append(f"{mots} {unite}")
    if centimes:
        morceaux.append(f"{num2words(centimes, lang='fr')} centime{'s' if centimes >= 2 else ''}")
    return " et ".join(morceaux)


# --- Contexte ----------------------------------------------------------------------------------------------

# Administration de l'agent déclarant → comment le courrier la nomme (code de portail.enums.CodeAdministration).
FORCES = {
    "PN": ("la police nationale", "de la police nationale", "les services de police"),
    "GN": ("la gendarmerie nationale", "de la gendarmerie nationale", "les militaires de la gendarmerie"),
    "PP": ("la préfecture de police", "de la préfecture de police", "les services de police"),
    "MI": ("les services du ministère de l’Intérieur", "des services du ministère de l’Intérieur", "les agents"),
}
FORCES_INCONNUES = ("les forces de l’ordre", "des forces de l’ordre", "les forces de l’ordre")


def _administration_declarante(dossier):
    """Code de l'administration de l'agent qui a déclaré le bris de porte ("" pour une demande de l'usager)."""
    try:
        declaration = dossier.declaration
    except models.ObjectDoesNotExist:
        return ""
    administration = getattr(declaration.agent, "administration", None)
    return administration.code if administration else ""


def contexte_commun(dossier):
    """Ce que tout courrier sait du dossier, sans alternative à choisir : civilité et accords, personne physique
    ou morale, forces de l'ordre, adresses, dates, montants en chiffres et en lettres."""
    morale = dossier.est_personne_morale
    madame = not morale and dossier.civilite == "mme"
    if morale:
        appel = "Madame, Monsieur"
    else:
        appel = {"mme": "Madame", "m": "Monsieur"}.get(dossier.civilite, "Madame, Monsieur")
    forces, forces_de, agents = FORCES.get(_administration_declarante(dossier), FORCES_INCONNUES)
    lignes_adresse = [
        ", ".join(p for p in (dossier.requerant_adresse_voie, dossier.requerant_adresse_complement) if p),
        " ".join(p for p in (dossier.requerant_adresse_code_postal, dossier.requerant_adresse_ville) if p),
    ]
    return {
        "reference": dossier.reference,
        "personne_morale": morale,
        "appel": appel,  # « Madame, » « Monsieur, » ou « Madame, Monsieur, »
        "e": "e" if madame else "",  # accord : « concerné{{ e }} »
        "destinataire": dossier.nom_requerant,
        "representant_legal": dossier.representant_legal if morale else "",
        "adresse_destinataire": [ligne for ligne in lignes_adresse if ligne],
        "adresse_logement": dossier.adresse,
        "forces": forces,  # « la police nationale »
        "forces_de": forces_de,  # « de la police nationale »
        "agents": agents,  # « les services de police »
        "date_operation": date_fr(dossier.date_operation),
        "date_depot": date_fr(dossier.date_depot),
        "date_courrier": date_fr(timezone.localdate()),
        "montant_demande": montant_en_chiffres(dossier.montant_demande),
        "montant_demande_lettres": montant_en_lettres(dossier.montant_demande),
        "bureau": BUREAU,
    }


# Expéditeur de tous les courriers.
BUREAU = {
    "ministere": "Ministère de la Justice",
    "service": "Bureau du précontentieux",
    "adresse": ["13 place Vendôme", "75042 Paris Cedex 01"],
}

CONTEXTES: dict[str, Callable[[Courrier], dict]] = {}


def contexte_pour(type_courrier):
    """Décorateur : enregistre la fonction de contexte propre à un type de courrier."""

    def enregistrer(fonction):
        CONTEXTES[str(type_courrier)] = fonction
        return fonction

    return enregistrer


def _signature(courrier):
    if not courrier.est_signe:
        return None
    signataire = courrier.signe_par
    moment = timezone.localtime(courrier.signe_le)
    return {
        "nom": (signataire.nom_complet or signataire.email) if signataire else "",
        "role": courrier.role_signataire,
        "date": date_fr(moment.date()),
        "heure": moment.strftime("%H:%M"),
    }


def contexte_courrier(courrier):
    contexte = contexte_commun(courrier.dossier)
    fonction = CONTEXTES.get(str(courrier.type))
    if fonction:
        contexte.update(fonction(courrier))
    contexte["courrier"] = courrier
    contexte["signature"] = _signature(courrier)
    if courrier.est_signe:  # le courrier signé est daté du jour de sa signature
        contexte["date_courrier"] = date_fr(timezone.localtime(courrier.signe_le).date())
    contexte.setdefault("titre", TypeCourrier(courrier.type).label)
    contexte["document"] = {"titre": contexte["titre"], "description": f"Dossier {courrier.dossier.reference}"}
    return contexte


# --- Préparer, rendre, signer ------------------------------------------------------------------------------


def preparer_courrier(dossier, type_courrier, *, auteur, **donnees):
    """Crée le courrier (non signé) et programme son aperçu PDF après le COMMIT.

    Le courrier actif précédent du même type, s'il n'est pas signé, est marqué remplacé. À appeler dans la
    transaction de l'action qui le décide."""
    with transaction.atomic():
        Courrier.objects.filter(dossier=dossier, type=type_courrier, remplace=False).update(remplace=True)
        courrier = Courrier.objects.create(dossier=dossier, type=type_courrier, cree_par=auteur, donnees=_json(donnees))
        identifiant = courrier.pk
        transaction.on_commit(lambda: _programmer(identifiant))
    return courrier


def _json(donnees):
    return {cle: (str(valeur) if isinstance(valeur, Decimal) else valeur) for cle, valeur in donnees.items()}


def _programmer(courrier_id):
    from precontentieux.tasks import generer_courrier

    try:
        generer_courrier.delay(courrier_id)
    except Exception:  # broker indisponible : la vue de service du PDF la reprogrammera
        logger.warning("Courrier %s : production du PDF non programmée.", courrier_id)


def rendre_html(courrier):
    """L'aperçu HTML (fragment `<article>`, à insérer dans une page) : même gabarit que le PDF."""
    contexte = {**contexte_courrier(courrier), "base_courrier": "courriers/_fragment.html"}
    return render_to_string(GABARITS[str(courrier.type)], contexte)


def rendre_pdf_courrier(courrier):
    """Les octets du PDF (A4, balisé) ; le bloc de signature est imprimé si le courrier est signé. Hors requête."""
    from portail.pdf import rendre_pdf

    return rendre_pdf(
        GABARITS[str(courrier.type)],
        {**contexte_courrier(courrier), "base_courrier": "courriers/_document.html"},
        feuilles_de_style=FEUILLES,
        balise=True,
    )


def signer_courrier(courrier, signataire, role):
    """Signe le courrier (dans la transaction de la transition de signature) ; le PDF figé est produit après le
    COMMIT par `generer_courrier`. Un courrier signé ne se signe pas deux fois."""
    with transaction.atomic():
        maintenant = timezone.now()
        modifies = Courrier.objects.filter(pk=courrier.pk, signe_le__isnull=True, remplace=False).update(
            signe_le=maintenant, signe_par=signataire, role_signataire=role
        )
        if modifies != 1:
            raise ValueError("Ce courrier est déjà signé ou a été remplacé.")
        courrier.signe_le, courrier.signe_par, courrier.role_signataire = maintenant, signataire, role
        identifiant = courrier.pk
        transaction.on_commit(lambda: _programmer(identifiant))
    return courrier


def courrier_actif(dossier, type_courrier):
    return (
        Courrier.objects.filter(dossier=dossier, type=type_courrier, remplace=False)
        .select_related("signe_par", "cree_par")
        .order_by("-cree_le", "-id")
        .first()
    )


def produire_pdf(courrier_id):
    """Produit et range le PDF du courrier s'il manque (idempotent) : aperçu non signé, ou PDF figé du courrier
    signé (une seule fois : son empreinte SHA-256 est alors écrite et le fichier n'est plus réécrit)."""
    courrier = Courrier.objects.select_related("dossier", "signe_par").get(pk=courrier_id)
    if courrier.est_signe:
        if courrier.sha256:
            return courrier.fichier.name
        condition = {"sha256": ""}
    else:
        if courrier.fichier or courrier.remplace:
            return courrier.fichier.name
        condition = {"fichier": "", "signe_le__isnull": True}
    contenu = rendre_pdf_courrier(courrier)
    nom = default_storage.save(chemin_courrier(courrier, ""), ContentFile(contenu))
    colonnes = {"fichier": nom}
    if courrier.est_signe:
        colonnes["sha256"] = hashlib.sha256(contenu).hexdigest()
    with transaction.atomic():
        modifies = Courrier.objects.filter(pk=courrier_id, **condition).update(**colonnes)
    if modifies != 1:  # un autre processus l'a rangé entre-temps : on garde le sien
        default_storage.delete(nom)
        return Courrier.objects.values_list("fichier", flat=True).get(pk=courrier_id)
    ancien = courrier.fichier.name
    if ancien and ancien != nom:  # l'aperçu non signé laisse la place au PDF figé
        default_storage.delete(ancien)
    return nom

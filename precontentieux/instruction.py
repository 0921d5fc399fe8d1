"""L'instruction d'un dossier au-delà de son statut : notes internes, fil d'échanges avec l'usager (demandes de
compléments et réponses), envois uniques des formulaires, journal des consultations.

Les changements de statut passent toujours par les verbes de `Dossier` (table `precontentieux/workflow.py`) ;
les fonctions de ce module les appellent dans la même transaction que l'écriture du message ou de la note.
Décrit dans `docs/instruction.md`.
"""

import datetime
import uuid

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from precontentieux.enums import StatutDossier, TypeEvenementDossier, TypePiece

# Relance automatique de l'usager sans réponse à une demande de compléments.
DELAI_RELANCE = datetime.timedelta(days=15)


class EcritureInterdite(Exception):
    """Une note ou un message déjà écrit ne se modifie ni ne se supprime."""


class EnAjoutSeul(models.Model):
    """Lignes en ajout seul : ni modification ni suppression depuis le code (l'admin est en lecture seule)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise EcritureInterdite(f"{self._meta.verbose_name} : une ligne écrite ne se modifie pas.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise EcritureInterdite(f"{self._meta.verbose_name} : une ligne écrite ne se supprime pas.")


class NoteDossier(EnAjoutSeul):
    """Note interne d'un agent du ministère : signée, datée, jamais réécrite, jamais montrée à l'usager ni à l'agent
    des forces de l'ordre."""

    dossier = models.ForeignKey("precontentieux.Dossier", on_delete=models.CASCADE, related_name="notes")
    auteur = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="auteur", on_delete=models.PROTECT)
    texte = models.TextField("note")
    cree_le = models.DateTimeField("écrite le", default=timezone.now)

    class Meta:
        verbose_name = "note interne"
        verbose_name_plural = "notes internes"
        ordering = ["cree_le", "id"]

    def __str__(self):
        return f"Note du {self.cree_le:%d/%m/%Y %H:%M} sur {self.dossier_id}"


class NatureMessage(models.TextChoices):
    DEMANDE_COMPLEMENTS = "demande_complements", "Demande de compléments"
    REPONSE_USAGER = "reponse_usager", "Réponse de l’usager"
    MESSAGE_AGENT = "message_agent", "Message du ministère"


class MessageDossier(EnAjoutSeul):
    """Un message du fil d'échanges entre le ministère et l'usager (visible des deux côtés)."""

    dossier = models.ForeignKey("precontentieux.Dossier", on_delete=models.CASCADE, related_name="messages")
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="auteur", null=True, blank=True, on_delete=models.SET_NULL
    )
    nature = models.CharField("nature", max_length=30, choices=NatureMessage.choices)
    texte = models.TextField("message", blank=True)
    pieces_demandees = models.JSONField("pièces demandées", default=list, blank=True)
    pieces = models.ManyToManyField(
        "precontentieux.PieceJointeDossier", verbose_name="pièces jointes", blank=True, related_name="messages"
    )
    cree_le = models.DateTimeField("envoyé le", default=timezone.now)
    # Demande de compléments : date de la relance automatique (une seule, posée par UPDATE conditionnel).
    relance_le = models.DateTimeField("relance envoyée le", null=True, blank=True)

    class Meta:
        verbose_name = "message"
        verbose_name_plural = "messages"
        ordering = ["cree_le", "id"]
        indexes = [models.Index(fields=["nature", "relance_le", "cree_le"], name="message_relance_idx")]

    def __str__(self):
        return f"{self.get_nature_display()} du {self.cree_le:%d/%m/%Y %H:%M}"

    @property
    def de_l_usager(self):
        return self.nature == NatureMessage.REPONSE_USAGER

    @property
    def libelles_pieces_demandees(self):
        valeurs = {v for v, _ in TypePiece.choices}
        return [TypePiece(t).label for t in self.pieces_demandees if t in valeurs]


class EnvoiUnique(models.Model):
    """Jeton à usage unique d'un formulaire du back-office : un double envoi (double clic, rejeu) n'a qu'un effet.

    Le jeton est inséré dans la transaction de l'action : si elle échoue, il redevient utilisable ; s'il existe
    déjà, l'action a déjà eu lieu.
    """

    jeton = models.UUIDField("jeton", primary_key=True)
    utilisateur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    cree_le = models.DateTimeField("utilisé le", default=timezone.now)

    class Meta:
        verbose_name = "envoi de formulaire"
        verbose_name_plural = "envois de formulaires"

    def __str__(self):
        return str(self.jeton)


class DejaEnvoye(Exception):
    """Ce formulaire a déjà été traité (double envoi)."""


def nouveau_jeton():
    return str(uuid.uuid4())


def consommer_jeton(jeton, utilisateur):
    """À appeler DANS la transaction de l'action. Lève DejaEnvoye si le jeton a servi, ValueError s'il est invalide."""
    try:
        valeur = uuid.UUID(str(jeton))
    except ValueError:
        raise ValueError("jeton invalide") from None
    try:
        with transaction.atomic():
            EnvoiUnique.objects.create(jeton=valeur, utilisateur=utilisateur)
    except IntegrityError:
        raise DejaEnvoye from None


# Espace des jetons dérivés (uuid5) des tâches planifiées : une clé métier (« relance:dossier:12:7 ») donne
# toujours le même jeton, donc le même EnvoiUnique.
ESPACE_TACHES = uuid.UUID("5b0f3c8e-6a4d-4c1e-9a57-2f0e8d6b9c31")


def jeton_de(cle):
    return uuid.uuid5(ESPACE_TACHES, cle)


def une_seule_fois(cle, utilisateur):
    """Tâches planifiées (relances, avertissements) : à appeler DANS la transaction qui écrit le courriel.

    Vrai la première fois pour cette clé ; faux ensuite (deuxième battement de beat, nouvel essai, deux workers
    en même temps : l'insertion concurrente attend le COMMIT de la première puis échoue). Même mécanisme que le
    double clic des formulaires (`EnvoiUnique`), avec un jeton dérivé de la clé."""
    try:
        consommer_jeton(jeton_de(cle), utilisateur)
    except DejaEnvoye:
        return False
    return True


def deja_fait(cle):
    """L'EnvoiUnique de cette clé (None s'il n'existe pas) : sa date `cree_le` dit quand l'envoi a eu lieu."""
    return EnvoiUnique.objects.filter(jeton=jeton_de(cle)).first()


# --- Journal des consultations ----------------------------------------------------------------------


def journaliser_consultation(dossier, agent, objet, **details):
    """Écrit une consultation (CNIL) : qui, quand, quoi (« fiche », « piece », « piece_declaration »)."""
    from precontentieux.models import EvenementDossier

    return EvenementDossier.objects.create(
        dossier=dossier,
        acteur=agent,
        type=TypeEvenementDossier.CONSULTATION,
        details={"objet": objet, **details},
    )


# --- Demande de compléments et réponse de l'usager -------------------------------------------------------


def derniere_demande(dossier):
    return dossier.messages.filter(nature=NatureMessage.DEMANDE_COMPLEMENTS).order_by("-cree_le", "-id").first()


def demander_complements(dossier, redacteur, texte, pieces_demandees=()):
    """Le rédacteur en charge demande des compléments : statut (verbe du dossier, courriel à l'usager) et message
    du fil, dans une seule transaction. Lève TransitionInterdite."""
    pieces_demandees = [str(t) for t in pieces_demandees]
    with transaction.atomic():
        dossier.demander_complements(redacteur, texte, pieces_demandees=pieces_demandees)
        return MessageDossier.objects.create(
            dossier=dossier,
            auteur=redacteur,
            nature=NatureMessage.DEMANDE_COMPLEMENTS,
            texte=texte,
            pieces_demandees=pieces_demandees,
        )


def repondre_aux_complements(dossier, usager, texte, fichiers):
    """L'usager répond : ses fichiers (déjà vérifiés : [(type, FichierVerifie)]) deviennent des pièces du dossier
    (verbe `ajouter_piece`), le message entre dans le fil et le dossier revient en instruction (verbe
    `recevoir_complements`, courriel au rédacteur). Tout ou rien. Lève TransitionInterdite."""
    return _reponse_usager(
        dossier, usager, texte, fichiers, lambda: dossier.recevoir_complements(usager, message=texte)
    )


# --- Message simple (hors demande de compléments) ----------------------------------------------------------


def ecrire_a_l_usager(dossier, redacteur, texte):
    """Le rédacteur en charge écrit à l'usager sans changer le statut (transition `ecrire_usager` : garde,
    événement, courriel à l'adresse prouvée de l'usager avec le lien de sa demande). Lève TransitionInterdite."""
    with transaction.atomic():
        dossier.transitionner("ecrire_usager", redacteur, motif=texte)
        return MessageDossier.objects.create(
            dossier=dossier, auteur=redacteur, nature=NatureMessage.MESSAGE_AGENT, texte=texte
        )


def message_en_attente_de_reponse(dossier):
    """Le dernier message du fil s'il vient du ministère et n'est pas une demande de compléments (à laquelle
    l'usager répond par `repondre_aux_complements`), sinon None."""
    dernier = dossier.messages.order_by("-cree_le", "-id").first()
    return dernier if dernier is not None and dernier.nature == NatureMessage.MESSAGE_AGENT else None


def repondre_au_message(dossier, usager, texte, fichiers):
    """L'usager répond à un message simple : message (et documents) dans le fil, courriel au rédacteur en charge,
    statut inchangé (transition `repondre_message`). Tout ou rien. Lève TransitionInterdite."""
    return _reponse_usager(
        dossier,
        usager,
        texte,
        fichiers,
        lambda: dossier.transitionner("repondre_message", usager, motif=texte),
    )


def _reponse_usager(dossier, usager, texte, fichiers, verbe):
    from portail.fichiers import enregistrer_prive, supprimer_prive

    ranges = [(type_piece, verifie, enregistrer_prive(verifie, "dossiers")) for type_piece, verifie in fichiers]
    try:
        with transaction.atomic():
            pieces = [
                dossier.ajouter_piece(
                    usager,
                    type=type_piece,
                    fichier=nom_stockage,
                    nom=verifie.nom,
                    type_mime=verifie.type_mime,
                    taille=verifie.taille,
                )
                for type_piece, verifie, nom_stockage in ranges
            ]
            verbe()
            message = MessageDossier.objects.create(
                dossier=dossier, auteur=usager, nature=NatureMessage.REPONSE_USAGER, texte=texte
            )
            message.pieces.add(*pieces)
    except Exception:
        for _, _, nom_stockage in ranges:
            supprimer_prive(nom_stockage)
        raise
    return message


def relancer_usagers(maintenant=None):
    """Relance (une seule fois) chaque usager sans réponse depuis DELAI_RELANCE à une demande de compléments.

    Idempotent : la relance est posée par un UPDATE conditionnel (`relance_le IS NULL`) dans la transaction qui
    écrit le courriel ; deux exécutions simultanées n'envoient qu'un courriel.
    """
    from portail.adresses import adresse_prouvee
    from portail.emails import programmer_email
    from precontentieux.models import date_fr

    maintenant = maintenant or timezone.now()
    candidates = (
        MessageDossier.objects.filter(
            nature=NatureMessage.DEMANDE_COMPLEMENTS,
            relance_le__isnull=True,
            cree_le__lte=maintenant - DELAI_RELANCE,
            dossier__statut=StatutDossier.ATTENTE_COMPLEMENTS,
        )
        .select_related("dossier", "dossier__requerant")
        .order_by("cree_le", "id")
    )
    relances = 0
    for message in candidates:
        dossier = message.dossier
        # Seule la demande la plus récente du dossier compte, et seulement si l'usager n'a pas répondu depuis.
        if derniere_demande(dossier).pk != message.pk:
            continue
        # Courriel automatique : seulement vers une adresse prouvée par le compte (jamais le `courriel` tapé).
        destinataire = adresse_prouvee(dossier.requerant)
        with transaction.atomic():
            if not MessageDossier.objects.filter(pk=message.pk, relance_le__isnull=True).update(relance_le=maintenant):
                continue
            if destinataire:
                programmer_email(
                    "relance_complements",
                    destinataire,
                    {
                        "reference": dossier.reference,
                        "nom_requerant": dossier.nom_requerant,
                        "date_demande": date_fr(timezone.localdate(message.cree_le)),
                        "pieces_demandees": message.libelles_pieces_demandees,
                        "date_rejet_implicite": date_fr(dossier.date_rejet_implicite),
                        "url_demande": settings.URL_PORTAIL + url_demande_usager(dossier.reference),
                    },
                )
            relances += 1
    return relances


def url_demande_usager(reference):
    from django.urls import reverse

    return reverse("usagers:demande", args=[reference])

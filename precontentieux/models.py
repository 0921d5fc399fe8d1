import datetime
import hashlib
import logging
import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from portail.enums import ROLES_MJ, Role
from portail.models import PieceAnalysee
from portail.utils import ajouter_mois, date_fr, generer_reference
from precontentieux import workflow
from precontentieux.enums import (
    ETATS_TERMINAUX,
    Civilite,
    OrigineDossier,
    QualiteRequerant,
    StatutDossier,
    TypeEvenementDossier,
    TypePersonneMorale,
    TypePiece,
    TypeRequerant,
)

logger = logging.getLogger(__name__)


class TransitionInterdite(Exception):
    """L'acteur ne peut pas faire passer le dossier à cet état (mauvais état ou mauvais acteur)."""

    def __init__(self, raison):
        self.raison = raison
        super().__init__(raison)


class DossierIncomplet(Exception):
    """Le dépôt est refusé : `manquants` liste, en français, chaque information ou pièce manquante."""

    def __init__(self, manquants):
        self.manquants = list(manquants)
        super().__init__("Votre demande est incomplète : " + " ; ".join(self.manquants) + ".")

    @property
    def message(self):
        return str(self)


# Un virement SEPA arrive en un à trois jours ouvrés : au-delà de ce délai, l'usager nous le signale.
DELAI_ARRIVEE_VIREMENT = datetime.timedelta(days=10)

# Ce que les forces de l'ordre lisent d'un dossier (projection) : son avancement, jamais l'identité,
# les coordonnées ni l'IBAN de l'usager.
CHAMPS_AVANCEMENT = (
    "reference",
    "statut",
    "origine",
    "requerant",
    "date_operation",
    "adresse_voie",
    "adresse_complement",
    "adresse_code_postal",
    "adresse_ville",
    "cree_le",
    "depose_le",
)


# Conservation (docs/rgpd.md) : ce que l'anonymisation efface (valeur « vide » de chaque colonne) et ce qu'elle
# garde. Toute colonne texte du dossier doit figurer dans l'un des deux (test_rgpd le vérifie).
CHAMPS_PERSONNELS = {
    "adresse_voie": "",
    "adresse_complement": "",
    "qualite_precision": "",
    "description": "",
    "civilite": "",
    "prenoms": "",
    "nom_naissance": "",
    "nom_usage": "",
    "date_naissance": None,
    "lieu_naissance": "",
    "raison_sociale": "",
    "siren_siret": "",
    "representant_legal": "",
    "requerant_adresse_voie": "",
    "requerant_adresse_complement": "",
    "requerant_adresse_code_postal": "",
    "requerant_adresse_ville": "",
    "telephone": "",
    "courriel": "",
    "iban": "",
    "titulaire_compte": "",
    "erreur_signalee": "",
    "reponses_eligibilite": {},
    "brouillon": {},
    "recepisse": "",
}
CHAMPS_CONSERVES = {
    "reference",
    "statut",
    "origine",
    "adresse_code_postal",
    "adresse_ville",
    "type_requerant",
    "type_personne_morale",
    "qualite",
}

# Ce que l'usager rattaché a saisi (hors date et adresse déclarées par les forces de l'ordre) : effacé quand
# l'usager est détaché (`Dossier.detacher_et_reinviter`), pour que la personne réinvitée n'en voie rien.
CHAMPS_USAGER = (
    "type_requerant",
    "type_personne_morale",
    "qualite",
    "qualite_precision",
    "description",
    "porte_blindee",
    "reparation_effectuee",
    "logement_assure",
    "civilite",
    "prenoms",
    "nom_naissance",
    "nom_usage",
    "date_naissance",
    "lieu_naissance",
    "raison_sociale",
    "siren_siret",
    "representant_legal",
    "requerant_adresse_voie",
    "requerant_adresse_complement",
    "requerant_adresse_code_postal",
    "requerant_adresse_ville",
    "telephone",
    "courriel",
    "iban",
    "titulaire_compte",
    "attestation_honneur",
    "erreur_signalee",
    "reponses_eligibilite",
)


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
    # Instruction (back-office) : rédacteur en charge et dates posées par les transitions (workflow.py).
    redacteur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="rédacteur",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers_instruits",
    )
    attribue_le = models.DateTimeField("attribué le", null=True, blank=True)
    instruction_demarree_le = models.DateTimeField("instruction démarrée le", null=True, blank=True)
    complements_demandes_le = models.DateTimeField("compléments demandés le", null=True, blank=True)
    complements_recus_le = models.DateTimeField("compléments reçus le", null=True, blank=True)
    decision_proposee_le = models.DateTimeField("décision proposée le", null=True, blank=True)
    decision_signee_le = models.DateTimeField("décision signée le", null=True, blank=True)
    reponse_usager_le = models.DateTimeField("réponse de l’usager le", null=True, blank=True)
    # Acceptation en ligne de la proposition (precontentieux/signature.py) : le compte et l'adresse IP, avec
    # `reponse_usager_le` ; la déclaration d'acceptation signée est un `Courrier`.
    acceptation_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="acceptation par (compte)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="acceptations",
    )
    acceptation_ip = models.GenericIPAddressField("adresse IP de l’acceptation", null=True, blank=True)
    arrete_prepare_le = models.DateTimeField("arrêté préparé le", null=True, blank=True)
    arrete_signe_le = models.DateTimeField("arrêté signé le", null=True, blank=True)
    transmis_budget_le = models.DateTimeField("transmis au budget le", null=True, blank=True)
    indemnise_le = models.DateTimeField("indemnisé le", null=True, blank=True)
    # Date du virement, saisie par la liaison budget en marquant le dossier indemnisé (transition marquer_indemnise).
    date_virement = models.DateField("date du virement", null=True, blank=True)
    cloture_le = models.DateTimeField("clôturé le", null=True, blank=True)

    # Demande de l'usager (vides tant que le dossier est à compléter ; exigées au dépôt, voir `manquants`).
    # Le bris de porte
    type_requerant = models.CharField(
        "vous faites la demande en tant que", max_length=10, choices=TypeRequerant.choices, blank=True
    )
    type_personne_morale = models.CharField(
        "type de personne morale", max_length=20, choices=TypePersonneMorale.choices, blank=True
    )
    qualite = models.CharField("qualité", max_length=30, choices=QualiteRequerant.choices, blank=True)
    qualite_precision = models.CharField("précision sur la qualité", max_length=255, blank=True)
    description = models.TextField("description des dommages", blank=True)
    porte_blindee = models.BooleanField("porte blindée", null=True, blank=True)
    reparation_effectuee = models.BooleanField("réparation déjà effectuée et payée", null=True, blank=True)
    # Non assuré : aucune attestation d'assurance n'est exigée (table des pièces), l'attestation sur l'honneur
    # du dépôt couvre cette déclaration.
    logement_assure = models.BooleanField("logement assuré", null=True, blank=True)
    # Personne physique
    civilite = models.CharField("civilité", max_length=3, choices=Civilite.choices, blank=True)
    prenoms = models.CharField("prénoms", max_length=255, blank=True)
    nom_naissance = models.CharField("nom de naissance", max_length=150, blank=True)
    nom_usage = models.CharField("nom d’usage", max_length=150, blank=True)
    date_naissance = models.DateField("date de naissance", null=True, blank=True)
    lieu_naissance = models.CharField("lieu de naissance", max_length=255, blank=True)
    # Personne morale
    raison_sociale = models.CharField("raison sociale", max_length=255, blank=True)
    siren_siret = models.CharField("SIREN ou SIRET", max_length=14, blank=True)
    representant_legal = models.CharField("représentant légal", max_length=255, blank=True)
    # Coordonnées du requérant (domicile ou siège)
    requerant_adresse_voie = models.CharField("adresse (numéro, voie)", max_length=255, blank=True)
    requerant_adresse_complement = models.CharField("complément d’adresse du requérant", max_length=255, blank=True)
    requerant_adresse_code_postal = models.CharField("code postal du requérant", max_length=10, blank=True)
    requerant_adresse_ville = models.CharField("ville du requérant", max_length=255, blank=True)
    telephone = models.CharField("téléphone", max_length=30, blank=True)
    courriel = models.EmailField("courriel", blank=True)
    # Coordonnées bancaires
    iban = models.CharField("IBAN", max_length=34, blank=True)
    titulaire_compte = models.CharField("titulaire du compte", max_length=255, blank=True)
    attestation_honneur = models.BooleanField("attestation sur l’honneur", default=False)
    # Montants (issue 9) : demandé par l'usager (facture ou devis), proposé par le rédacteur (transition
    # proposer_indemnisation). Vides pour les dossiers antérieurs : ils restent valides.
    montant_demande = models.DecimalField(
        "montant demandé (euros)", max_digits=10, decimal_places=2, null=True, blank=True
    )
    montant_propose = models.DecimalField(
        "montant proposé (euros)", max_digits=10, decimal_places=2, null=True, blank=True
    )
    # Date et adresse déclarées par les forces de l'ordre : l'usager ne les modifie pas, il peut signaler une erreur.
    erreur_signalee = models.TextField(
        "erreur signalée par l’usager (date, adresse)", blank=True, help_text="Commentaire libre, lu par les agents."
    )
    # Réponses au test d'éligibilité fait avant de créer la demande ({question: réponse}, usagers/eligibilite.py) ;
    # vide si la demande vient d'une invitation ou si le test n'a pas été fait. Montrées sur la fiche du dossier.
    reponses_eligibilite = models.JSONField("réponses au test d’éligibilité", default=dict, blank=True)
    # Brouillon de l'assistant (stockage django-formtools) et version (concurrence optimiste entre onglets).
    brouillon = models.JSONField("brouillon", default=dict, blank=True)
    version = models.PositiveIntegerField("version", default=1)
    # Récépissé de dépôt (PDF figé, rangé en privé) : nom de stockage.
    recepisse = models.CharField("récépissé (stockage)", max_length=255, blank=True)
    # Recherche plein texte (PostgreSQL) : tenu à jour par un déclencheur SQL (migration 0008), jamais par
    # le code ; reste vide sur SQLite, où la recherche se replie sur `icontains` (precontentieux/recherche.py).
    vecteur_recherche = SearchVectorField("vecteur de recherche", null=True, editable=False)
    # Contentieux (recours devant le tribunal) signalé par un agent : le dossier n'est jamais purgé (docs/rgpd.md).
    en_contentieux = models.BooleanField("en contentieux", default=False)
    contentieux_depuis = models.DateTimeField("en contentieux depuis le", null=True, blank=True)
    # Fin de la durée de conservation : données personnelles effacées, statistiques gardées (`anonymiser`).
    anonymise_le = models.DateTimeField("anonymisé le", null=True, blank=True)

    objects = DossierQuerySet.as_manager()

    class Meta:
        verbose_name = "dossier"
        verbose_name_plural = "dossiers"
        ordering = ["-cree_le"]
        indexes = [
            models.Index(fields=["statut", "depose_le"], name="dossier_statut_depot"),
            models.Index(fields=["redacteur", "statut"], name="dossier_redacteur_statut"),
            # Files et recherche : ORDER BY depose_le, id LIMIT … OFFSET … lus sur ces index, sans tri
            # (l'identifiant départage les dépôts simultanés ; sans lui dans l'index, PostgreSQL trie).
            models.Index(fields=["statut", "depose_le", "id"], name="dossier_statut_depot_id"),
            models.Index(fields=["depose_le", "id"], name="dossier_depot_id"),
        ]

    def __str__(self):
        return f"Dossier {self.reference}"

    @property
    def adresse(self):
        ligne = ", ".join(p for p in (self.adresse_voie, self.adresse_complement) if p)
        return f"{ligne}, {self.adresse_code_postal} {self.adresse_ville}".strip(", ")

    @property
    def adresse_requerant(self):
        ligne = ", ".join(p for p in (self.requerant_adresse_voie, self.requerant_adresse_complement) if p)
        return f"{ligne}, {self.requerant_adresse_code_postal} {self.requerant_adresse_ville}".strip(", ")

    @property
    def est_personne_morale(self):
        return self.type_requerant == TypeRequerant.PERSONNE_MORALE

    @property
    def nom_requerant(self):
        """Nom tel qu'il figure sur les courriers : raison sociale, ou civilité, prénoms et nom(s)."""
        if self.est_personne_morale:
            return self.raison_sociale
        nom = self.nom_naissance
        if self.nom_usage and self.nom_usage != self.nom_naissance:
            nom = f"{self.nom_usage} (née ou né {self.nom_naissance})" if nom else self.nom_usage
        civilite = self.get_civilite_display() if self.civilite else ""
        return " ".join(p for p in (civilite, self.prenoms, nom) if p)

    @property
    def est_a_completer(self):
        return self.statut == StatutDossier.A_COMPLETER

    @property
    def date_depot(self):
        return timezone.localdate(self.depose_le) if self.depose_le else None

    @property
    def date_rejet_implicite(self):
        """Sans réponse de l'administration à cette date (dépôt + 2 mois), la demande est implicitement rejetée."""
        return ajouter_mois(self.date_depot, 2) if self.depose_le else None

    @property
    def date_limite_recours(self):
        """Dernier jour pour saisir le tribunal administratif après un rejet implicite (+ 2 mois)."""
        return ajouter_mois(self.date_rejet_implicite, 2) if self.depose_le else None

    @property
    def situation(self):
        from precontentieux.pieces import Situation

        return Situation.du_dossier(self)

    def pieces_attendues(self):
        """Types de pièces requis et facultatifs pour la situation déclarée (table `precontentieux/pieces.py`)."""
        from precontentieux.pieces import pieces_attendues

        return pieces_attendues(self.situation)

    def manquants(self, pieces=None):
        """Libellés français de tout ce qui empêche le dépôt (informations puis pièces) ; [] si complet."""
        from precontentieux.pieces import elements_manquants

        return elements_manquants(self, pieces=pieces)

    # --- Transitions (table : precontentieux/workflow.py) -------------------------------------------

    def transitionner(self, nom, acteur, *, motif="", details=None, invitation=None, **champs):
        """Seul écrivain de `statut` : applique la transition `nom` de `workflow.TRANSITIONS`.

        Dans une transaction : verrou de la ligne, garde (acteur, état, séparation des fonctions, motif,
        champs requis, garde propre à la transition), UPDATE conditionnel à l'état (exactement une fois
        sous concurrence), date horodatée, un `EvenementDossier`, courriel dans la boîte d'envoi ; la
        tâche éventuelle est programmée après le COMMIT. `champs` : colonnes écrites dans le même UPDATE.
        Lève TransitionInterdite (ou DossierIncomplet pour le dépôt).
        """
        transition = workflow.TRANSITIONS[nom]
        motif = (motif or "").strip()
        with transaction.atomic():
            dossier = type(self).objects.select_for_update().get(pk=self.pk)
            avant = dossier.statut
            raison = workflow.raison_refus(transition, dossier, acteur)
            if not raison and transition.motif_requis and not motif:
                raison = "Un motif est obligatoire pour cette action."
            if not raison and any(champs.get(c) is None for c in transition.champs_requis):
                raison = "Information manquante pour cette action."
            if raison:
                raise TransitionInterdite(raison)
            anciens = {champ: dossier.serializable_value(champ) for champ in champs}
            for champ, valeur in champs.items():
                setattr(dossier, champ, valeur)
            garde = GARDES.get(nom)
            raison = garde(dossier, acteur, anciens=anciens, invitation=invitation) if garde else ""
            if raison:
                raise TransitionInterdite(raison)
            maintenant = timezone.now()
            colonnes = {**champs, "modifie_le": maintenant}
            if transition.cible:
                colonnes["statut"] = transition.cible
            if transition.date:
                colonnes[transition.date] = maintenant
            modifies = type(self).objects.filter(pk=self.pk, statut__in=transition.sources).update(**colonnes)
            if modifies != 1:
                raise TransitionInterdite(transition.refus_etat or "Le dossier a changé d’état entre-temps.")
            dossier.refresh_from_db()
            if avant not in transition.sans_evenement:
                EvenementDossier.objects.create(
                    dossier=dossier,
                    acteur=acteur,
                    date=maintenant,
                    type=transition.evenement,
                    statut_avant=avant,
                    statut_apres=dossier.statut,
                    details={"transition": nom, **({"motif": motif} if motif else {}), **(details or {})},
                )
            destinataire = dossier.adresse_destinataire(transition.destinataire)
            if transition.email and destinataire:
                from portail.emails import programmer_email

                programmer_email(
                    transition.email, destinataire, dossier.contexte_courriel(motif, systeme=acteur is None)
                )
            if transition.tache:
                dossier_id = dossier.pk
                transaction.on_commit(lambda: _programmer_tache(transition.tache, dossier_id))
        self.__dict__.update({k: v for k, v in dossier.__dict__.items() if not k.startswith("_")})
        self._state.fields_cache.clear()
        return self

    def transitions_possibles(self, user):
        """Ce que `user` peut faire maintenant (pour les boutons) : une `Possibilite` par transition
        dont il est un acteur possible (rôle ou requérant), avec la raison quand ce n'est pas possible."""
        return [
            workflow.Possibilite(t, not raison, raison)
            for t in workflow.TRANSITIONS.values()
            if workflow.acteur_potentiel(t, self, user)
            for raison in [workflow.raison_refus(t, self, user)]
        ]

    def refus(self, nom, user):
        """(possible, raison) pour la transition `nom` (acteur, état ; ni motif ni complétude)."""
        raison = workflow.raison_refus(workflow.TRANSITIONS[nom], self, user)
        return not raison, raison

    def peut_deposer(self, user):
        """Garde du dépôt : (possible, raison). Ne regarde pas la complétude (voir `manquants`)."""
        return self.refus("deposer", user)

    def peut_modifier(self, user):
        """La demande ne se modifie que tant qu'elle est à compléter, et par son requérant."""
        return self.peut_deposer(user)

    def peut_ajouter_piece(self, user):
        """Ajouter un document reste possible après le dépôt, tant que l'instruction n'est pas terminée."""
        return self.refus("ajouter_piece", user)

    # Verbes métier : chacun est une transition de la table.

    def deposer(self, acteur, attestation=False):
        """À compléter → Déposé, par le requérant, si la demande est complète (sinon DossierIncomplet).

        `attestation` : l'attestation sur l'honneur est cochée au moment du dépôt (écrite dans le même
        UPDATE). Accusé de réception dans la boîte d'envoi ; récépissé PDF produit après le COMMIT.
        """
        champs = {"attestation_honneur": True} if attestation else {}
        return self.transitionner("deposer", acteur, brouillon={}, **champs)

    def rattacher(self, usager, invitation):
        """Rattache le dossier au compte de l'usager qui présente une invitation valide, et la consomme."""
        with transaction.atomic():
            self.transitionner(
                "rattacher", usager, invitation=invitation, details={"invitation": invitation.pk}, requerant=usager
            )
            if not Invitation.objects.filter(pk=invitation.pk, utilisee_le__isnull=True).update(
                utilisee_le=timezone.now(), utilisee_par=usager
            ):
                raise TransitionInterdite("Ce lien d’invitation a déjà été utilisé.")
        return self

    def detacher_et_reinviter(self, acteur, *, courriel, motif):
        """Tant que la demande n'est pas déposée : détache le requérant (et efface ce qu'il a saisi et joint, que
        la personne réinvitée ne doit pas voir), invalide les invitations en cours et en envoie une nouvelle à
        `courriel`. Journalisé (acteur, motif). Lève TransitionInterdite, ou DebitDepasse (invitations par agent)."""
        from portail.fichiers import supprimer_prive

        with transaction.atomic():
            pieces = PieceJointeDossier.objects.filter(dossier=self)
            fichiers = list(pieces.values_list("fichier", flat=True))
            vides = {champ.name: champ.get_default() for champ in self._meta.fields if champ.name in CHAMPS_USAGER}
            self.transitionner(
                "detacher_et_reinviter",
                acteur,
                motif=motif,
                details={
                    "requerant_detache": self.requerant_id,
                    "courriel": courriel,
                    "pieces_retirees": len(fichiers),
                },
                requerant=None,
                brouillon={},
                version=models.F("version") + 1,
                **vides,
            )
            maintenant = timezone.now()
            self.invitations.filter(utilisee_le__isnull=True, expire_le__gt=maintenant).update(expire_le=maintenant)
            pieces.delete()
            derniere = self.invitations.order_by("-cree_le", "-pk").first()
            identite = {c: getattr(derniere, c) for c in ("civilite", "nom", "prenom", "telephone")} if derniere else {}
            invitation = inviter_usager(self, courriel=courriel, agent=acteur, **identite)
            for nom in fichiers:
                transaction.on_commit(lambda nom=nom: supprimer_prive(nom))
        return invitation

    def ajouter_piece(self, acteur, *, type, fichier, nom, type_mime, taille):
        """Joint une pièce (déjà vérifiée et rangée en privé) ; journalisée après le dépôt."""
        with transaction.atomic():
            self.transitionner("ajouter_piece", acteur, details={"type": str(type), "nom": nom})
            return PieceJointeDossier.objects.create(
                dossier=self,
                type=type,
                fichier=fichier,
                nom=nom,
                type_mime=type_mime,
                taille=taille,
                ajoutee_par=acteur,
            )

    def attribuer(self, acteur, redacteur):
        return self.transitionner("attribuer", acteur, redacteur=redacteur)

    def reattribuer(self, acteur, redacteur, motif):
        return self.transitionner("reattribuer", acteur, motif=motif, redacteur=redacteur)

    def demarrer_instruction(self, acteur):
        return self.transitionner("demarrer_instruction", acteur)

    def demander_complements(self, acteur, message, pieces_demandees=()):
        details = {"pieces_demandees": [str(p) for p in pieces_demandees]} if pieces_demandees else None
        return self.transitionner("demander_complements", acteur, motif=message, details=details)

    def recevoir_complements(self, acteur, message=""):
        return self.transitionner("recevoir_complements", acteur, motif=message)

    def cloturer(self, acteur, motif):
        return self.transitionner("cloturer", acteur, motif=motif)

    # --- Courriels -----------------------------------------------------------------------------------

    def adresse_destinataire(self, destinataire):
        """Adresse du destinataire d'un courriel de transition ("requerant" | "redacteur")."""
        if destinataire == workflow.REQUERANT:
            # Jamais l'adresse tapée dans la demande (`courriel`) : seulement une adresse prouvée par le
            # compte du requérant (portail/adresses.py) ; sans elle, aucun courriel automatique.
            from portail.adresses import adresse_prouvee

            return adresse_prouvee(self.requerant) if self.requerant_id else ""
        if destinataire == "redacteur" and self.redacteur_id:
            return self.redacteur.email
        return ""

    def contexte_courriel(self, motif="", systeme=False):
        """Contexte (JSON) des courriels de transition : rien de la déclaration des forces de l'ordre.
        `systeme` : transition faite par une tâche planifiée (clôture sans suite : le courriel dit comment
        recommencer)."""
        return {
            "par_le_systeme": systeme,
            "rattache": bool(self.requerant_id),
            "url_nouvelle_demande": settings.URL_PORTAIL + reverse("usagers:nouvelle_demande"),
            "reference": self.reference,
            "nom_requerant": self.nom_requerant,
            "date_depot": date_fr(self.date_depot),
            "date_rejet_implicite": date_fr(self.date_rejet_implicite),
            "date_limite_recours": date_fr(self.date_limite_recours),
            "adresse": self.adresse,
            "motif": motif,
            # Indemnisation : date du virement, date à partir de laquelle le signaler s'il n'est pas arrivé
            # (délai interbancaire largement dépassé) et fin de l'IBAN (jamais l'IBAN entier dans un courriel).
            "date_virement": date_fr(self.date_virement),
            "date_signaler_virement": date_fr(self.date_virement + DELAI_ARRIVEE_VIREMENT)
            if self.date_virement
            else "",
            "fin_iban": self.iban.replace(" ", "")[-4:] if self.date_virement else "",
            "courriel_contact": settings.COURRIEL_CONTACT_USAGERS,
            "url_demande": settings.URL_PORTAIL + reverse("usagers:demande", args=[self.reference]),
            # La fiche du dossier dans le back-office (courriels aux rédacteurs).
            "url_dossier": settings.URL_PORTAIL + reverse("precontentieux:dossier", args=[self.reference]),
        }

    # --- Contentieux et conservation (docs/rgpd.md) ------------------------------------------------

    def signaler_contentieux(self, agent, motif, en_contentieux=True):
        """Pose (ou lève) le drapeau « contentieux », une seule fois (UPDATE conditionnel), journalisé.
        Renvoie False si le drapeau était déjà dans cet état (double envoi, autre onglet)."""
        motif = (motif or "").strip()
        if not motif:
            raise ValueError("Un motif est obligatoire.")
        maintenant = timezone.now()
        with transaction.atomic():
            modifies = (
                type(self)
                .objects.filter(pk=self.pk, en_contentieux=not en_contentieux)
                .update(
                    en_contentieux=en_contentieux,
                    contentieux_depuis=maintenant if en_contentieux else None,
                    modifie_le=maintenant,
                )
            )
            if not modifies:
                return False
            EvenementDossier.objects.create(
                dossier=self,
                acteur=agent,
                date=maintenant,
                type=TypeEvenementDossier.CONTENTIEUX,
                details={"contentieux": en_contentieux, "motif": motif},
            )
        self.refresh_from_db()
        return True

    def anonymiser(self):
        """Fin de la durée de conservation : efface les données personnelles, garde les statistiques.

        Partent : identité, coordonnées, adresse précise, IBAN, textes libres (description, notes, messages,
        motifs), invitations, consultations, pièces, courriers et récépissé (fichiers supprimés du stockage après le
        COMMIT) ; la déclaration liée est anonymisée par `declarations` (signal `dossier_anonymise`). Restent :
        référence, statut, origine, dates, montants, catégories (qualité, type de requérant…), code postal et
        ville, l'historique des états. Jamais un dossier en contentieux ni un dossier non terminé.
        Renvoie False si le dossier n'est pas (ou plus) à anonymiser.
        """
        from portail.fichiers import supprimer_prive
        from precontentieux.signaux import dossier_anonymise

        with transaction.atomic():
            dossier = type(self).objects.select_for_update().get(pk=self.pk)
            if dossier.en_contentieux or dossier.anonymise_le or dossier.statut not in ETATS_TERMINAUX:
                return False
            fichiers = [nom for nom in dossier.pieces.values_list("fichier", flat=True) if nom]
            if dossier.recepisse:
                fichiers.append(dossier.recepisse)
            # Courriers (nom, adresse, paragraphe libre…) : lignes et PDF ; le montant proposé reste au dossier.
            fichiers += [nom for nom in dossier.courriers.values_list("fichier", flat=True) if nom]
            dossier.courriers.all().delete()
            # QuerySet.delete : les notes et messages (en ajout seul côté code) partent avec le dossier.
            dossier.messages.all().delete()
            dossier.notes.all().delete()
            dossier.pieces.all().delete()
            dossier.invitations.all().delete()
            dossier.evenements.filter(type=TypeEvenementDossier.CONSULTATION).delete()
            for evenement in dossier.evenements.select_related("acteur"):
                details = {"transition": evenement.details["transition"]} if "transition" in evenement.details else {}
                acteur = evenement.acteur_id if evenement.acteur_id and not evenement.acteur.est_usager else None
                EvenementDossier.objects.filter(pk=evenement.pk).update(details=details, acteur=acteur)
            type(self).objects.filter(pk=self.pk).update(
                **CHAMPS_PERSONNELS, requerant=None, anonymise_le=timezone.now()
            )
            dossier_anonymise.send(sender=type(self), dossier=dossier, fichiers=fichiers)
            transaction.on_commit(lambda: [supprimer_prive(nom) for nom in fichiers])
        self.refresh_from_db()
        return True

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

    @classmethod
    def refus_quota_demandes(cls, usager):
        """Message français si l'usager a atteint le nombre de demandes ouvertes qu'il peut créer seul, "" sinon.

        Sont comptées les demandes créées sans déclaration des forces de l'ordre, pas encore terminées
        (`QUOTA_DEMANDES_OUVERTES`) ; une demande reçue par invitation ne compte pas.
        """
        maximum = settings.QUOTA_DEMANDES_OUVERTES
        ouvertes = cls.objects.filter(requerant=usager, origine=OrigineDossier.USAGER).exclude(
            statut__in=ETATS_TERMINAUX
        )
        if ouvertes.count() < maximum:
            return ""
        return (
            f"Vous avez déjà {maximum} demandes en cours, le maximum pour un même compte : terminez ou "
            "complétez-les depuis « Mes demandes » avant d’en commencer une autre. Si vous avez besoin "
            "d’en déposer davantage, contactez le Bureau du précontentieux."
        )


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


def _garde_depot(dossier, acteur, **_):
    manquants = dossier.manquants()
    if manquants:
        raise DossierIncomplet(manquants)
    return ""


def _garde_redacteur(dossier, acteur, **_):
    redacteur = dossier.redacteur
    if not (redacteur.is_active and redacteur.est_agent and redacteur.a_role(Role.REDACTEUR)):
        return "Le dossier ne peut être attribué qu’à un agent qui a le rôle de rédacteur."
    return ""


def _garde_reattribution(dossier, acteur, *, anciens, **_):
    if dossier.redacteur_id == anciens["redacteur"]:
        return "Le dossier est déjà attribué à ce rédacteur."
    return _garde_redacteur(dossier, acteur)


def _garde_reinvitation(dossier, acteur, **_):
    if dossier.origine != OrigineDossier.DECLARATION:
        return "Cette demande a été commencée par l’usager lui-même : il n’y a pas d’invitation à renvoyer."
    return ""


def _garde_reponse_message(dossier, acteur, **_):
    from precontentieux.instruction import message_en_attente_de_reponse

    if message_en_attente_de_reponse(dossier) is None:
        return "Aucun message du ministère n’attend de réponse."
    return ""


def _garde_rattachement(dossier, acteur, *, invitation, **_):
    if invitation is None or invitation.dossier_id != dossier.pk or invitation.est_utilisee or invitation.est_expiree:
        return "Ce lien d’invitation n’est pas valable."
    return ""


def _garde_date_virement(dossier, acteur, **_):
    """Le virement a eu lieu : jamais dans le futur, ni avant la transmission du dossier au budget."""
    date = dossier.date_virement
    if date > timezone.localdate():
        return "La date du virement ne peut pas être dans le futur."
    if dossier.transmis_budget_le and date < timezone.localdate(dossier.transmis_budget_le):
        transmis = date_fr(timezone.localdate(dossier.transmis_budget_le))
        return f"La date du virement ne peut pas précéder la transmission au budget, le {transmis}."
    return ""


# Gardes propres à une transition, après la garde commune (acteur, état, motif, champs requis) : le
# dossier verrouillé porte déjà les champs demandés, `anciens` leurs valeurs d'avant. "" ou la raison.
GARDES = {
    "deposer": _garde_depot,
    "attribuer": _garde_redacteur,
    "reattribuer": _garde_reattribution,
    "rattacher": _garde_rattachement,
    "marquer_indemnise": _garde_date_virement,
    "detacher_et_reinviter": _garde_reinvitation,
    "repondre_message": _garde_reponse_message,
}


def _programmer_tache(chemin, dossier_id):
    try:
        import_string(chemin).delay(dossier_id)
    except Exception:  # broker indisponible : le balayage ou la première demande rattrapera
        logger.warning("Dossier %s : tâche %s non programmée.", dossier_id, chemin)


def chemin_piece_dossier(instance, nom):
    # Nom aléatoire : le nom d'origine n'apparaît jamais dans le chemin de stockage.
    return f"dossiers/{uuid.uuid4().hex}"


class PieceJointeDossier(PieceAnalysee):
    """Pièce justificative déposée par l'usager, rangée en privé, servie par une vue qui vérifie les droits."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="pieces")
    type = models.CharField("type de pièce", max_length=30, choices=TypePiece.choices)
    fichier = models.FileField("fichier", upload_to=chemin_piece_dossier, max_length=255)
    nom = models.CharField("nom du fichier", max_length=255)
    type_mime = models.CharField("format", max_length=100)
    taille = models.PositiveIntegerField("taille (octets)")
    # Montant d'une facture ou d'un devis (euros), saisi par l'usager ; vide pour les autres pièces.
    montant = models.DecimalField("montant (euros)", max_digits=10, decimal_places=2, null=True, blank=True)
    ajoutee_le = models.DateTimeField("ajoutée le", default=timezone.now)
    ajoutee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="ajoutée par", null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = "pièce justificative"
        verbose_name_plural = "pièces justificatives"
        ordering = ["ajoutee_le", "id"]

    def __str__(self):
        return f"{self.get_type_display()} — {self.nom}"

    @property
    def ajoutee_apres_depot(self):
        return bool(self.dossier.depose_le and self.ajoutee_le > self.dossier.depose_le)


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


# --- Invitation de l'usager (par l'agent qui déclare, ou lien renvoyé en libre-service) -------------------


MESSAGE_TROP_D_INVITATIONS = (
    "Vous avez envoyé beaucoup d’invitations en peu de temps : par sécurité, l’envoi de nouvelles invitations "
    "est suspendu pour votre compte. Réessayez dans une heure ; votre saisie est conservée."
)


def inviter_usager(dossier, *, courriel, civilite="", nom="", prenom="", telephone="", agent=None):
    """Crée l'invitation et met son courriel dans la boîte d'envoi (dans la transaction courante).

    Le nombre d'invitations par agent est limité (`LIMITES_DE_DEBIT["invitation_agent"]`) : au-delà, lève
    `DebitDepasse` (la transaction de l'appelant est annulée, rien n'est envoyé)."""
    from portail.emails import programmer_email
    from portail.limiteurs import DebitDepasse, consommer

    if agent is not None and not consommer(None, "invitation_agent", user=agent):
        raise DebitDepasse(MESSAGE_TROP_D_INVITATIONS)
    invitation, jeton = Invitation.creer(
        dossier, courriel=courriel, civilite=civilite, nom=nom, prenom=prenom, telephone=telephone
    )
    programmer_email(
        "invitation_usager",
        courriel,
        {
            # Aucune donnée saisie en tête du courriel : la salutation est fixe (portail/adresses.py).
            "reference": dossier.reference,
            "date_operation": date_fr(dossier.date_operation),
            "adresse": dossier.adresse,
            "url_invitation": settings.URL_PORTAIL + reverse("usagers:invitation", args=[jeton]),
            "expire_le": date_fr(timezone.localdate(invitation.expire_le)),
            "url_nouveau_lien": settings.URL_PORTAIL + reverse("usagers:nouveau_lien"),
            "courriel_contact": settings.COURRIEL_CONTACT_USAGERS,
        },
    )
    return invitation


from precontentieux.courriers import Courrier  # noqa: E402, F401
from precontentieux.instruction import EnvoiUnique, MessageDossier, NoteDossier  # noqa: E402, F401

"""LA table des pièces justificatives : quels types sont requis ou facultatifs selon la situation.

Une seule source, utilisée pour afficher la page « Pièces justificatives » de l'usager et pour valider
le dépôt (`Dossier.deposer`). La table et ses raisons sont décrites dans `docs/demande.md`.

Chaque règle : (type de pièce, niveau, condition sur la situation, aide affichée). Pour un type, le niveau
le plus fort parmi les règles dont la condition est vraie l'emporte (REQUIS > FACULTATIF) ; un type
qu'aucune règle ne retient n'est pas proposé.
"""

from dataclasses import dataclass

from precontentieux.enums import OrigineDossier, QualiteRequerant, TypePersonneMorale, TypePiece, TypeRequerant

REQUIS = "requis"
FACULTATIF = "facultatif"

PM = TypePersonneMorale
Q = QualiteRequerant

# Personnes morales immatriculées au registre du commerce et des sociétés (extrait Kbis).
PM_AVEC_KBIS = {PM.SCI, PM.BAILLEUR_SOCIAL, PM.SYNDIC, PM.ENTREPRISE, PM.ASSUREUR}
PM_AVEC_STATUTS = {PM.SCI, PM.ASSOCIATION}
PROPRIETAIRES = {Q.PROPRIETAIRE_OCCUPANT, Q.PROPRIETAIRE_BAILLEUR}


@dataclass(frozen=True)
class Situation:
    """Les réponses de l'usager qui déterminent les pièces à fournir (valeurs vides tant que non répondu)."""

    origine: str = ""
    type_requerant: str = ""
    type_personne_morale: str = ""
    qualite: str = ""
    reparation_effectuee: bool | None = None
    logement_assure: bool | None = None

    @classmethod
    def du_dossier(cls, dossier):
        return cls(
            origine=dossier.origine or "",
            type_requerant=dossier.type_requerant or "",
            type_personne_morale=dossier.type_personne_morale or "",
            qualite=dossier.qualite or "",
            reparation_effectuee=dossier.reparation_effectuee,
            logement_assure=dossier.logement_assure,
        )

    @property
    def personne_morale(self):
        return self.type_requerant == TypeRequerant.PERSONNE_MORALE

    @property
    def personne_physique(self):
        return self.type_requerant == TypeRequerant.PERSONNE_PHYSIQUE

    @property
    def sans_declaration(self):
        return self.origine != OrigineDossier.DECLARATION

    @property
    def complete(self):
        """Toutes les réponses utiles à la table sont données (sinon la liste est provisoire)."""
        return bool(
            self.type_requerant
            and self.qualite
            and self.reparation_effectuee is not None
            and self.logement_assure is not None
            and (self.personne_physique or self.type_personne_morale)
        )


# Le document des forces de l'ordre exigé sans déclaration d'un agent : aide de la table, reprise telle quelle par
# le test d'éligibilité et la page « Commencer une demande » (une seule formulation).
AIDE_DOCUMENT_FORCES_DE_L_ORDRE = (
    "Un document remis par les policiers ou les gendarmes lors de l’intervention ou après : attestation, "
    "procès-verbal, récépissé, avis de passage… Si vous n’en avez reçu aucun, demandez-le au service de police "
    "ou de gendarmerie qui est intervenu."
)


def _toujours(s):
    return True


REGLES = [
    # Le dommage et son coût
    (TypePiece.PHOTO_PORTE, REQUIS, _toujours, "Une ou plusieurs photos montrant les dégâts sur la porte."),
    # Une facture acquittée (« acquittée » ou « payée », à votre nom) prouve à la fois le coût et le paiement :
    # la preuve de paiement n'est pas redemandée, elle ne sert que si la facture ne porte pas cette mention.
    (
        TypePiece.FACTURE,
        REQUIS,
        lambda s: s.reparation_effectuee is True,
        "La facture de la réparation à votre nom, portant la mention « acquittée » ou « payée » : elle prouve "
        "aussi le paiement.",
    ),
    (
        TypePiece.PREUVE_PAIEMENT,
        FACULTATIF,
        lambda s: s.reparation_effectuee is True,
        "Seulement si votre facture ne porte pas la mention « acquittée » ou « payée » : relevé bancaire, "
        "ticket de carte bancaire ou reçu montrant le paiement.",
    ),
    (
        TypePiece.DEVIS,
        REQUIS,
        lambda s: s.reparation_effectuee is not True,
        "Le devis d’un professionnel pour la réparation ou le remplacement de la porte.",
    ),
    (
        TypePiece.PREUVE_PAIEMENT,
        FACULTATIF,
        lambda s: s.reparation_effectuee is not True,
        "Si vous avez versé un acompte au professionnel, la preuve de ce versement.",
    ),
    # Le paiement de l'indemnisation
    (TypePiece.RIB, REQUIS, _toujours, "Le RIB du compte indiqué à l’étape « Vos informations »."),
    # L'identité du requérant
    (
        TypePiece.PIECE_IDENTITE,
        REQUIS,
        lambda s: not s.personne_morale,
        "Carte d’identité, passeport ou titre de séjour en cours de validité (recto et verso).",
    ),
    (
        TypePiece.PIECE_IDENTITE,
        REQUIS,
        lambda s: s.personne_morale,
        "La pièce d’identité du représentant légal ou de la personne qui signe la demande.",
    ),
    # L'assurance : sauf si le requérant est lui-même l'assureur, ou si le logement n'était pas assuré (réponse
    # explicite « Non » ; tant que la question est sans réponse, l'attestation reste demandée). Sans assurance,
    # aucune pièce ne la remplace : l'attestation sur l'honneur cochée au dépôt couvre cette déclaration.
    (
        TypePiece.ATTESTATION_ASSURANCE,
        REQUIS,
        lambda s: s.type_personne_morale != PM.ASSUREUR and s.logement_assure is not False,
        "Le courrier de votre assureur indiquant qu’il ne prend pas en charge ce sinistre (ou seulement en partie).",
    ),
    # La situation dans le logement
    (TypePiece.BAIL, REQUIS, lambda s: s.qualite == Q.LOCATAIRE, "Votre contrat de location."),
    (
        TypePiece.ATTESTATION_BAILLEUR,
        REQUIS,
        lambda s: s.qualite == Q.LOCATAIRE,
        "Attestation de votre bailleur indiquant qu’il ne demande pas lui-même l’indemnisation de cette porte.",
    ),
    (
        TypePiece.TITRE_PROPRIETE,
        REQUIS,
        lambda s: s.qualite in PROPRIETAIRES,
        "Acte de propriété, attestation notariée ou dernier avis de taxe foncière.",
    ),
    (
        TypePiece.BAIL,
        FACULTATIF,
        lambda s: s.qualite == Q.PROPRIETAIRE_BAILLEUR,
        "Le bail du locataire qui occupait le logement.",
    ),
    (
        TypePiece.JUSTIFICATIF_OCCUPATION,
        REQUIS,
        lambda s: s.qualite == Q.AUTRE,
        "Tout document montrant votre lien avec le logement (hébergement, usufruit, mandat de gestion…).",
    ),
    # Les personnes morales
    (
        TypePiece.KBIS,
        REQUIS,
        lambda s: s.personne_morale and s.type_personne_morale in PM_AVEC_KBIS,
        "Extrait d’immatriculation au registre du commerce et des sociétés de moins de 3 mois.",
    ),
    (
        TypePiece.STATUTS,
        REQUIS,
        lambda s: s.personne_morale and s.type_personne_morale in PM_AVEC_STATUTS,
        "Les statuts à jour, signés.",
    ),
    (
        TypePiece.STATUTS,
        FACULTATIF,
        lambda s: s.personne_morale and s.type_personne_morale not in PM_AVEC_STATUTS,
        "Les statuts à jour, si vous les avez.",
    ),
    (
        TypePiece.POUVOIR_SIGNATAIRE,
        REQUIS,
        lambda s: s.personne_morale,
        "Le document qui autorise la personne qui dépose la demande à agir au nom de la personne morale "
        "(pouvoir, délégation de signature, délibération).",
    ),
    # Sans déclaration des forces de l'ordre, rien ne relie la demande à une opération.
    (
        TypePiece.ATTESTATION_FORCES_DE_L_ORDRE,
        REQUIS,
        lambda s: s.sans_declaration,
        AIDE_DOCUMENT_FORCES_DE_L_ORDRE,
    ),
    (TypePiece.AUTRE, FACULTATIF, _toujours, "Tout autre document utile à l’examen de votre demande."),
]


@dataclass(frozen=True)
class PieceAttendue:
    type: str
    niveau: str
    aide: str

    @property
    def libelle(self):
        return TypePiece(self.type).label

    @property
    def requise(self):
        return self.niveau == REQUIS


def pieces_attendues(situation):
    """[PieceAttendue] pour la situation : requises d'abord, puis facultatives, dans l'ordre de la table."""
    retenues = {}
    for type_piece, niveau, condition, aide in REGLES:
        if not condition(situation):
            continue
        actuelle = retenues.get(type_piece)
        if actuelle is None or (actuelle.niveau == FACULTATIF and niveau == REQUIS):
            retenues[type_piece] = PieceAttendue(type_piece, niveau, aide)
    liste = list(retenues.values())
    return [p for p in liste if p.requise] + [p for p in liste if not p.requise]


@dataclass(frozen=True)
class Compteur:
    """Avancement des pièces obligatoires : « 3 pièces obligatoires sur 7 »."""

    fournies: int
    requises: int

    @property
    def complet(self):
        return self.fournies >= self.requises

    @property
    def texte(self):
        pluriel = "s" if self.fournies > 1 else ""
        return f"{self.fournies} pièce{pluriel} obligatoire{pluriel} fournie{pluriel} sur {self.requises}"


def compter(attendues, pieces):
    """Types obligatoires ayant au moins un fichier utilisable (sain, ou antivirus désactivé) / types obligatoires."""
    fournis = {p.type for p in pieces if getattr(p, "utilisable", True)}
    requis = [a.type for a in attendues if a.requise]
    return Compteur(fournies=sum(1 for t in requis if t in fournis), requises=len(requis))


def types_requis(situation):
    return {p.type for p in pieces_attendues(situation) if p.requise}


def types_proposes(situation):
    return {p.type for p in pieces_attendues(situation)}


# --- Informations exigées au dépôt ---------------------------------------------------------------

CHAMPS_COMMUNS = (
    "type_requerant",
    "qualite",
    "date_operation",
    "adresse_voie",
    "adresse_code_postal",
    "adresse_ville",
    "description",
    "porte_blindee",
    "reparation_effectuee",
    "logement_assure",
    "montant_demande",
    "requerant_adresse_voie",
    "requerant_adresse_code_postal",
    "requerant_adresse_ville",
    "telephone",
    "courriel",
    "iban",
    "titulaire_compte",
)
# Champs de l'état civil (personne physique) et de la personne morale, tels que l'usager les saisit.
CHAMPS_PERSONNE_PHYSIQUE = ("civilite", "prenoms", "nom_naissance", "nom_usage", "date_naissance", "lieu_naissance")
CHAMPS_PERSONNE_MORALE = ("raison_sociale", "siren_siret", "representant_legal")
CHAMPS_FACULTATIFS = {"nom_usage"}
# Pièces dont l'usager indique le montant (facultatif), affiché au rédacteur qui propose une indemnisation.
TYPES_AVEC_MONTANT = (TypePiece.FACTURE, TypePiece.DEVIS)
MANQUE_ATTESTATION = "attestation sur l’honneur non cochée"


def champs_requis(dossier):
    champs = list(CHAMPS_COMMUNS)
    if dossier.type_requerant == TypeRequerant.PERSONNE_MORALE:
        champs += ["type_personne_morale", *CHAMPS_PERSONNE_MORALE]
    elif dossier.type_requerant == TypeRequerant.PERSONNE_PHYSIQUE:
        champs += [c for c in CHAMPS_PERSONNE_PHYSIQUE if c not in CHAMPS_FACULTATIFS]
    if dossier.qualite == QualiteRequerant.AUTRE:
        champs.append("qualite_precision")
    return champs


def _libelle(champ):
    from precontentieux.models import Dossier

    return str(Dossier._meta.get_field(champ).verbose_name)


def elements_manquants(dossier, pieces=None):
    """Tout ce qui manque pour déposer, en français : informations, numéros invalides, pièces requises."""
    from django.core.exceptions import ValidationError

    from portail.validateurs import valider_iban, valider_siren_ou_siret

    manquants = []
    for champ in champs_requis(dossier):
        if getattr(dossier, champ) in (None, ""):
            manquants.append(f"information manquante : {_libelle(champ)}")
    # Défense en profondeur : les colonnes ne reçoivent que des valeurs validées, on revérifie les clés.
    for champ, validateur in (("iban", valider_iban), ("siren_siret", valider_siren_ou_siret)):
        valeur = getattr(dossier, champ)
        if valeur and champ in champs_requis(dossier):
            try:
                validateur(valeur)
            except ValidationError:
                manquants.append(f"{_libelle(champ)} invalide")
    if not dossier.attestation_honneur:
        manquants.append(MANQUE_ATTESTATION)
    if pieces is None:
        pieces = dossier.pieces.all()
    # Le dépôt attend la fin de l'analyse antivirus ; une pièce infectée doit être retirée.
    for piece in pieces:
        if piece.en_analyse:
            manquants.append(f"document en cours d’analyse antivirus, patientez quelques instants : {piece.nom}")
        elif piece.infectee:
            manquants.append(f"document refusé par l’antivirus, à retirer : {piece.nom}")
    fournis = {p.type for p in pieces if p.utilisable}
    for attendue in pieces_attendues(Situation.du_dossier(dossier)):
        if attendue.requise and attendue.type not in fournis:
            manquants.append(f"pièce manquante : {attendue.libelle}")
    return manquants

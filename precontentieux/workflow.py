"""La vie d'un dossier, en données : qui peut le faire passer d'où à où.

C'est la seule source : `Dossier.transitionner` (precontentieux/models.py) applique une entrée de
`TRANSITIONS` (verrou, garde, UPDATE conditionnel, date, événement, courriel) ; les boutons lisent
`Dossier.transitions_possibles` ; `docs/workflow.md` est vérifié contre cette table par un test.

Acteurs : les rôles des agents du ministère (`portail.enums.Role`) et cinq acteurs liés au dossier :
le requérant, le rédacteur en charge (rôle rédacteur ET `dossier.redacteur`), le porteur d'une
invitation valide (rattachement), l'agent des forces de l'ordre auteur de la déclaration et le système
(tâche planifiée, acteur `None`).
"""

from dataclasses import dataclass

from portail.enums import Role
from precontentieux.enums import (
    ETATS_AJOUT_PIECES,
    ETATS_CLOTURABLES,
    ETATS_ECHANGES,
    StatutDossier,
    TypeEvenementDossier,
)

S = StatutDossier

REQUERANT = "requerant"
REDACTEUR_EN_CHARGE = "redacteur_en_charge"
SYSTEME = "systeme"
USAGER_INVITE = "usager_invite"
DECLARANT = "agent_declarant"

ATTRIBUTEUR = str(Role.ATTRIBUTEUR)
VALIDATEUR = str(Role.VALIDATEUR)
LIAISON_BUDGET = str(Role.LIAISON_BUDGET)

LIBELLES_ACTEURS = {
    REQUERANT: "le requérant",
    REDACTEUR_EN_CHARGE: "le rédacteur en charge",
    SYSTEME: "le système (tâche planifiée)",
    USAGER_INVITE: "l’usager invité (lien d’invitation)",
    DECLARANT: "l’agent des forces de l’ordre auteur de la déclaration",
    ATTRIBUTEUR: "un attributeur",
    VALIDATEUR: "un validateur",
    LIAISON_BUDGET: "la liaison budget",
}


@dataclass(frozen=True)
class Transition:
    nom: str
    libelle: str  # libellé du bouton
    sources: frozenset
    cible: str | None  # None : l'état ne change pas
    acteurs: frozenset
    date: str | None = None  # champ horodaté
    email: str | None = None  # gabarit templates/emails/<email>/ ; "" tant qu'il n'est pas écrit
    destinataire: str | None = None  # "requerant" | "redacteur"
    motif_requis: bool = False
    evenement: str = TypeEvenementDossier.CHANGEMENT_STATUT
    # Champs (colonnes du dossier) à fournir à `transitionner`.
    champs_requis: tuple = ()
    # Séparation des fonctions : l'auteur de la dernière de ces transitions ne peut pas faire celle-ci.
    separation: tuple = ()
    # États sources où la transition n'est pas journalisée (pièces ajoutées pendant la complétion).
    sans_evenement: frozenset = frozenset()
    # Tâche Celery (chemin pointé) programmée après le COMMIT avec l'identifiant du dossier.
    tache: str | None = None
    # Refus lisibles par la personne (sinon, messages génériques).
    refus_acteur: str = ""
    refus_etat: str = ""


def _t(nom, libelle, sources, cible, acteurs, **options):
    return Transition(nom, libelle, frozenset(sources), cible, frozenset(acteurs), **options)


_TABLE = [
    # --- Usager ------------------------------------------------------------------------------------
    _t(
        "rattacher",
        "Rattacher la demande à mon compte",
        ETATS_AJOUT_PIECES,
        None,
        {USAGER_INVITE},
        evenement=TypeEvenementDossier.RATTACHEMENT,
        champs_requis=("requerant",),
    ),
    _t(
        "deposer",
        "Déposer ma demande",
        {S.A_COMPLETER},
        S.DEPOSE,
        {REQUERANT},
        date="depose_le",
        email="accuse_reception",
        destinataire=REQUERANT,
        tache="precontentieux.tasks.generer_recepisse",
        refus_acteur="Seul le requérant peut déposer cette demande.",
        refus_etat="Cette demande a déjà été déposée.",
    ),
    _t(
        "ajouter_piece",
        "Ajouter un document",
        ETATS_AJOUT_PIECES,
        None,
        {REQUERANT, REDACTEUR_EN_CHARGE},
        evenement=TypeEvenementDossier.PIECE_AJOUTEE,
        sans_evenement=frozenset({S.A_COMPLETER}),
        refus_acteur="Seul le requérant peut ajouter des documents à cette demande.",
        refus_etat="Il n’est plus possible d’ajouter des documents à cette demande.",
    ),
    # Mauvaise personne rattachée, ou adresse invitée erronée : tant que la demande n'est pas déposée. Après le
    # dépôt (acte sur l'honneur du requérant, avec son identité et son IBAN), jamais : voir docs/usagers.md. Le
    # rédacteur en charge n'existe qu'après le dépôt : côté Justice, c'est donc l'attributeur qui réinvite.
    _t(
        "detacher_et_reinviter",
        "Détacher et réinviter l’usager",
        {S.A_COMPLETER},
        None,
        {DECLARANT, ATTRIBUTEUR},
        motif_requis=True,
        evenement=TypeEvenementDossier.REINVITATION,
        refus_acteur="Seuls l’agent auteur de la déclaration et les attributeurs peuvent réinviter l’usager.",
        refus_etat="La demande a été déposée : elle ne peut plus être détachée de la personne qui l’a déposée. "
        "Si ce n’est pas la bonne personne, le dossier se clôture avec un motif et l’occupant fait sa propre demande.",
    ),
    # --- Attribution et instruction ------------------------------------------------------------------
    _t(
        "attribuer",
        "Attribuer",
        {S.DEPOSE},
        S.A_INSTRUIRE,
        {ATTRIBUTEUR},
        date="attribue_le",
        email="attribution",
        destinataire="redacteur",
        champs_requis=("redacteur",),
    ),
    _t(
        "reattribuer",
        "Réattribuer",
        {S.A_INSTRUIRE, S.EN_INSTRUCTION, S.ATTENTE_COMPLEMENTS},
        None,
        {ATTRIBUTEUR},
        date="attribue_le",
        email="attribution",
        destinataire="redacteur",
        motif_requis=True,
        evenement=TypeEvenementDossier.ATTRIBUTION,
        champs_requis=("redacteur",),
    ),
    _t(
        "demarrer_instruction",
        "Démarrer l’instruction",
        {S.A_INSTRUIRE},
        S.EN_INSTRUCTION,
        {REDACTEUR_EN_CHARGE},
        date="instruction_demarree_le",
    ),
    _t(
        "demander_complements",
        "Demander des compléments",
        {S.EN_INSTRUCTION},
        S.ATTENTE_COMPLEMENTS,
        {REDACTEUR_EN_CHARGE},
        date="complements_demandes_le",
        email="demande_complements",
        destinataire=REQUERANT,
        motif_requis=True,
    ),
    _t(
        "recevoir_complements",
        "Compléments reçus",
        {S.ATTENTE_COMPLEMENTS},
        S.EN_INSTRUCTION,
        {REQUERANT, REDACTEUR_EN_CHARGE},
        date="complements_recus_le",
        email="complements_recus",
        destinataire="redacteur",
    ),
    # Message simple dans le fil « Échanges », hors demande de compléments : le statut ne change pas.
    _t(
        "ecrire_usager",
        "Écrire à l’usager",
        ETATS_ECHANGES,
        None,
        {REDACTEUR_EN_CHARGE},
        email="message_agent",
        destinataire=REQUERANT,
        motif_requis=True,
        evenement=TypeEvenementDossier.MESSAGE,
        refus_etat="Un message ne peut être écrit à l’usager qu’une fois le dossier attribué, jusqu’à sa fin.",
    ),
    _t(
        "repondre_message",
        "Répondre au message",
        ETATS_ECHANGES,
        None,
        {REQUERANT},
        email="message_usager",
        destinataire="redacteur",
        evenement=TypeEvenementDossier.MESSAGE,
    ),
    # --- Décision ----------------------------------------------------------------------------------
    _t(
        "proposer_indemnisation",
        "Proposer une indemnisation",
        {S.EN_INSTRUCTION},
        S.PROPOSITION_A_SIGNER,
        {REDACTEUR_EN_CHARGE},
        date="decision_proposee_le",
        champs_requis=("montant_propose",),
    ),
    _t(
        "proposer_rejet",
        "Proposer un rejet",
        {S.EN_INSTRUCTION},
        S.REJET_A_SIGNER,
        {REDACTEUR_EN_CHARGE},
        date="decision_proposee_le",
        motif_requis=True,
    ),
    _t(
        "renvoyer_au_redacteur",
        "Renvoyer au rédacteur",
        {S.PROPOSITION_A_SIGNER, S.REJET_A_SIGNER},
        S.EN_INSTRUCTION,
        {VALIDATEUR},
        email="renvoyer_au_redacteur",
        destinataire="redacteur",
        motif_requis=True,
    ),
    _t(
        "signer_proposition",
        "Signer et envoyer la proposition",
        {S.PROPOSITION_A_SIGNER},
        S.PROPOSITION_ENVOYEE,
        {VALIDATEUR},
        date="decision_signee_le",
        email="signer_proposition",
        destinataire=REQUERANT,
        separation=("proposer_indemnisation",),
    ),
    _t(
        "signer_rejet",
        "Signer et envoyer le rejet",
        {S.REJET_A_SIGNER},
        S.REJETE,
        {VALIDATEUR},
        date="decision_signee_le",
        email="signer_rejet",
        destinataire=REQUERANT,
        separation=("proposer_rejet",),
    ),
    _t(
        "accepter_proposition",
        "Accepter la proposition",
        {S.PROPOSITION_ENVOYEE},
        S.PROPOSITION_ACCEPTEE,
        {REQUERANT},
        date="reponse_usager_le",
        email="accepter_proposition",
        destinataire="redacteur",
    ),
    _t(
        "refuser_proposition",
        "Refuser la proposition",
        {S.PROPOSITION_ENVOYEE},
        S.PROPOSITION_REFUSEE,
        {REQUERANT},
        date="reponse_usager_le",
        email="refuser_proposition",
        destinataire="redacteur",
    ),
    # --- Paiement ----------------------------------------------------------------------------------
    _t(
        "preparer_arrete",
        "Préparer l’arrêté de paiement",
        {S.PROPOSITION_ACCEPTEE},
        S.ARRETE_A_SIGNER,
        {REDACTEUR_EN_CHARGE},
        date="arrete_prepare_le",
    ),
    _t(
        "signer_arrete",
        "Signer l’arrêté de paiement",
        {S.ARRETE_A_SIGNER},
        S.A_INDEMNISER,
        {VALIDATEUR},
        date="arrete_signe_le",
        separation=("preparer_arrete",),
    ),
    _t(
        "transmettre_budget",
        "Transmettre au budget",
        {S.A_INDEMNISER},
        S.TRANSMIS_BUDGET,
        {LIAISON_BUDGET},
        date="transmis_budget_le",
    ),
    _t(
        "marquer_indemnise",
        "Marquer indemnisé",
        {S.TRANSMIS_BUDGET},
        S.INDEMNISE,
        {LIAISON_BUDGET},
        date="indemnise_le",
        email="indemnisation",
        destinataire=REQUERANT,
        champs_requis=("date_virement",),
    ),
    # --- Clôture -----------------------------------------------------------------------------------
    _t(
        "cloturer",
        "Clôturer",
        ETATS_CLOTURABLES,
        S.CLOTURE,
        {REDACTEUR_EN_CHARGE, ATTRIBUTEUR, SYSTEME},
        date="cloture_le",
        email="cloture",
        destinataire=REQUERANT,
        motif_requis=True,
    ),
]

TRANSITIONS: dict[str, Transition] = {t.nom: t for t in _TABLE}


def est_acteur(transition, dossier, acteur):
    """L'acteur fait-il partie de ceux qui peuvent déclencher cette transition sur ce dossier ?"""
    if acteur is None:
        return SYSTEME in transition.acteurs
    if not (acteur.is_authenticated and acteur.is_active):
        return False
    if REQUERANT in transition.acteurs and acteur.est_usager and acteur.pk == dossier.requerant_id:
        return True
    if USAGER_INVITE in transition.acteurs and acteur.est_usager:
        return dossier.requerant_id in (None, acteur.pk)
    if DECLARANT in transition.acteurs and est_declarant(dossier, acteur):
        return True
    if REDACTEUR_EN_CHARGE in transition.acteurs and acteur.est_agent and acteur.a_role(Role.REDACTEUR):
        if dossier.redacteur_id == acteur.pk:
            return True
    roles = transition.acteurs - ACTEURS_LIES
    return bool(roles) and acteur.est_agent and acteur.a_role(*roles)


ACTEURS_LIES = frozenset({REQUERANT, REDACTEUR_EN_CHARGE, SYSTEME, USAGER_INVITE, DECLARANT})


def est_declarant(dossier, user):
    """L'agent des forces de l'ordre qui a envoyé la déclaration d'où vient ce dossier (relation ORM, sans
    importer `declarations`)."""
    from django.core.exceptions import ObjectDoesNotExist

    if not (user.est_agent and user.a_role(Role.FORCES_DE_L_ORDRE)):
        return False
    try:
        return dossier.declaration.agent_id == user.pk
    except ObjectDoesNotExist:
        return False


def acteur_potentiel(transition, dossier, user):
    """Pour les boutons : l'utilisateur pourrait-il être acteur de cette transition (rôle ou requérant) ?"""
    if user is None or not user.is_authenticated:
        return False
    if REQUERANT in transition.acteurs and user.est_usager and user.pk == dossier.requerant_id:
        return True
    if REDACTEUR_EN_CHARGE in transition.acteurs and user.est_agent and user.a_role(Role.REDACTEUR):
        return True
    if DECLARANT in transition.acteurs and est_declarant(dossier, user):
        return True
    roles = transition.acteurs - ACTEURS_LIES
    return bool(roles) and user.est_agent and user.a_role(*roles)


def auteur_separe(transition, dossier, acteur):
    """Vrai si l'acteur est l'auteur de la dernière transition dont celle-ci doit être séparée."""
    if not transition.separation or acteur is None:
        return False
    derniere = (
        dossier.evenements.filter(details__transition__in=list(transition.separation))
        .order_by("-date", "-id")
        .values_list("acteur_id", flat=True)
        .first()
    )
    return derniere == acteur.pk


def raison_refus(transition, dossier, acteur):
    """ "" si l'acteur peut faire la transition maintenant (acteur, état, séparation), sinon la raison."""
    if not est_acteur(transition, dossier, acteur):
        if REDACTEUR_EN_CHARGE in transition.acteurs and acteur is not None and dossier.redacteur_id:
            if getattr(acteur, "is_authenticated", False) and acteur.a_role(Role.REDACTEUR):
                return transition.refus_acteur or "Ce dossier est attribué à un autre rédacteur."
        return transition.refus_acteur or f"Vous ne pouvez pas faire cette action : « {transition.libelle} »."
    if dossier.statut not in transition.sources:
        return transition.refus_etat or (
            f"Action « {transition.libelle} » impossible : le dossier est « {S(dossier.statut).label} »."
        )
    if auteur_separe(transition, dossier, acteur):
        return "Vous ne pouvez pas signer une décision que vous avez vous-même préparée."
    return ""


@dataclass(frozen=True)
class Possibilite:
    transition: Transition
    possible: bool
    raison: str = ""


def tableau_markdown():
    """La table en Markdown, telle que `docs/workflow.md` la reproduit (vérifié par un test)."""
    from portail.enums import Role

    def acteurs(transition):
        noms = [LIBELLES_ACTEURS.get(a) or f"un {Role(a).label.lower()}" for a in transition.acteurs]
        return ", ".join(sorted(noms))

    def etats(sources):
        return ", ".join(S(s).label for s in StatutDossier if s in sources)

    lignes = [
        "| Transition | Bouton | Depuis | Vers | Qui | Date posée | Courriel (destinataire) | Motif |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for t in TRANSITIONS.values():
        cible = S(t.cible).label if t.cible else "(inchangé)"
        courriel = "—"
        if t.email is not None:
            courriel = f"`{t.email}` ({t.destinataire})" if t.email else f"à écrire ({t.destinataire})"
        lignes.append(
            f"| `{t.nom}` | {t.libelle} | {etats(t.sources)} | {cible} | {acteurs(t)} | "
            f"{f'`{t.date}`' if t.date else '—'} | {courriel} | {'obligatoire' if t.motif_requis else '—'} |"
        )
    return "\n".join(lignes) + "\n"

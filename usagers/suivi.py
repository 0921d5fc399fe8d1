"""Suivi des demandes par l'usager : statuts et historique en mots simples.

Aucun nom d'agent, aucune étape interne (signature, consultation) : l'usager lit ce que « le
ministère de la Justice » ou « les forces de l'ordre » ont fait, et ce qu'on attend de lui.
"""

from dataclasses import dataclass

from django.urls import reverse

from precontentieux.enums import (
    ETATS_DECISION_RENDUE,
    ETATS_INTERNES,
    OrigineDossier,
    StatutDossier,
    TypeEvenementDossier,
)

S = StatutDossier


@dataclass(frozen=True)
class StatutUsager:
    libelle: str
    badge: str  # suffixe de classe DSFR : fr-badge--<badge>


# Chaque statut du dossier, tel que l'usager le lit (les étapes de signature restent « en cours »).
STATUTS_USAGER = {
    S.A_COMPLETER: StatutUsager("À compléter", "warning"),
    S.DEPOSE: StatutUsager("Déposée", "info"),
    S.A_INSTRUIRE: StatutUsager("En cours d’instruction", "info"),
    S.EN_INSTRUCTION: StatutUsager("En cours d’instruction", "info"),
    S.ATTENTE_COMPLEMENTS: StatutUsager("Documents demandés", "warning"),
    S.PROPOSITION_A_SIGNER: StatutUsager("En cours d’instruction", "info"),
    S.REJET_A_SIGNER: StatutUsager("En cours d’instruction", "info"),
    S.PROPOSITION_ENVOYEE: StatutUsager("Décision rendue : proposition d’indemnisation", "new"),
    S.REJETE: StatutUsager("Décision rendue : demande rejetée", "error"),
    S.PROPOSITION_ACCEPTEE: StatutUsager("Proposition acceptée", "success"),
    S.PROPOSITION_REFUSEE: StatutUsager("Proposition refusée", "error"),
    S.ARRETE_A_SIGNER: StatutUsager("Paiement en préparation", "success"),
    S.A_INDEMNISER: StatutUsager("Paiement en préparation", "success"),
    S.TRANSMIS_BUDGET: StatutUsager("Paiement en cours", "success"),
    S.INDEMNISE: StatutUsager("Indemnisée", "success"),
    S.CLOTURE: StatutUsager("Clôturée", "no-icon"),
}

# Ce qu'on attend de l'usager (texte) ; l'URL vient de `action_attendue`.
ACTIONS_ATTENDUES = {
    S.A_COMPLETER: "Complétez votre demande puis déposez-la.",
    S.DEPOSE: "Aucune action de votre part : le ministère de la Justice va examiner votre demande.",
    S.A_INSTRUIRE: "Aucune action de votre part : votre demande est en cours d’examen.",
    S.EN_INSTRUCTION: "Aucune action de votre part : votre demande est en cours d’examen.",
    S.ATTENTE_COMPLEMENTS: "Répondez au message du ministère de la Justice et envoyez les documents demandés.",
    S.PROPOSITION_A_SIGNER: "Aucune action de votre part : votre demande est en cours d’examen.",
    S.REJET_A_SIGNER: "Aucune action de votre part : votre demande est en cours d’examen.",
    S.PROPOSITION_ENVOYEE: "Répondez à la proposition d’indemnisation : acceptez-la ou refusez-la.",
    S.REJETE: "Lisez la décision : elle indique les voies de recours.",
    S.PROPOSITION_ACCEPTEE: "Aucune action de votre part : le paiement est en préparation.",
    S.PROPOSITION_REFUSEE: "Aucune action de votre part : votre refus a été transmis au ministère de la Justice.",
    S.ARRETE_A_SIGNER: "Aucune action de votre part : le paiement est en préparation.",
    S.A_INDEMNISER: "Aucune action de votre part : le paiement est en préparation.",
    S.TRANSMIS_BUDGET: "Aucune action de votre part : le virement est en cours.",
    S.INDEMNISE: "Aucune action : l’indemnisation a été versée.",
    S.CLOTURE: "Aucune action : votre demande est close.",
}


def statut_usager(statut):
    return STATUTS_USAGER.get(statut, StatutUsager("En cours", "info"))


@dataclass(frozen=True)
class Action:
    texte: str
    libelle_lien: str = ""
    url: str = ""


def action_attendue(dossier):
    texte = ACTIONS_ATTENDUES.get(dossier.statut, "")
    if dossier.statut == S.A_COMPLETER:
        return Action(texte, "Compléter ma demande", reverse("usagers:completer", args=[dossier.reference]))
    if dossier.statut == S.ATTENTE_COMPLEMENTS:
        # La réponse (message et documents) se fait sur la page de la demande, sous la demande du ministère.
        url = reverse("usagers:demande", args=[dossier.reference]) + "#repondre"
        return Action(texte, "Répondre à la demande de documents", url)
    if dossier.statut == S.PROPOSITION_ENVOYEE:
        return Action(texte, "Lire la proposition et y répondre", reverse("usagers:decision", args=[dossier.reference]))
    if dossier.statut in ETATS_DECISION_RENDUE:
        return Action(texte, "Lire la décision", reverse("usagers:decision", args=[dossier.reference]))
    return Action(texte)


def url_recepisse(dossier):
    """Lien du récépissé de dépôt, s'il est déposé."""
    if dossier.depose_le is None:
        return ""
    return reverse("usagers:recepisse", args=[dossier.reference])


# --- Historique -----------------------------------------------------------------------------------

MJ = "le ministère de la Justice"
LE_MJ = "Le ministère de la Justice"
AU_MJ = "au ministère de la Justice"  # « à » + « le » : jamais « à le ministère »

# Statut atteint → phrase. Les états internes (signatures, retour du validateur) ne sont pas montrés.
PHRASES_STATUT = {
    S.DEPOSE: "Vous avez déposé votre demande.",
    S.A_INSTRUIRE: f"Votre demande a été enregistrée par {MJ}.",
    S.EN_INSTRUCTION: f"{LE_MJ} examine votre demande.",
    S.ATTENTE_COMPLEMENTS: f"{LE_MJ} vous demande des documents complémentaires.",
    S.PROPOSITION_ENVOYEE: f"{LE_MJ} vous a adressé une proposition d’indemnisation.",
    S.REJETE: f"{LE_MJ} a rejeté votre demande.",
    S.PROPOSITION_ACCEPTEE: "Vous avez accepté la proposition d’indemnisation.",
    S.PROPOSITION_REFUSEE: "Vous avez refusé la proposition d’indemnisation.",
    S.A_INDEMNISER: "L’arrêté de paiement a été signé.",
    S.TRANSMIS_BUDGET: "Le paiement a été transmis au service chargé du virement.",
    S.INDEMNISE: "L’indemnisation a été versée.",
    S.CLOTURE: "Votre demande a été clôturée.",
}


@dataclass(frozen=True)
class EtapeHistorique:
    date: object
    texte: str


def phrase_evenement(evenement, dossier):
    """Phrase de l'historique pour un événement, ou "" s'il ne concerne pas l'usager."""
    if evenement.type == TypeEvenementDossier.CREATION:
        if dossier.origine == OrigineDossier.DECLARATION:
            return f"Les forces de l’ordre ont signalé le bris de porte {AU_MJ} ; votre demande a été préparée."
        return "Vous avez commencé votre demande."
    if evenement.type == TypeEvenementDossier.RATTACHEMENT:
        return "La demande a été rattachée à votre compte."
    if evenement.type == TypeEvenementDossier.PIECE_AJOUTEE:
        return "Un document a été ajouté à votre demande."
    if evenement.type == TypeEvenementDossier.MESSAGE:
        if (evenement.details or {}).get("transition") == "repondre_message":
            return "Vous avez répondu au message du ministère de la Justice."
        return f"{LE_MJ} vous a écrit (voir les échanges)."
    if evenement.type == TypeEvenementDossier.CHANGEMENT_STATUT:
        if evenement.statut_apres in ETATS_INTERNES or evenement.statut_avant in ETATS_INTERNES:
            # Retour du validateur vers le rédacteur, signatures : cuisine interne.
            if evenement.statut_apres not in PHRASES_STATUT or evenement.statut_apres == S.EN_INSTRUCTION:
                return ""
        if evenement.statut_avant == S.ATTENTE_COMPLEMENTS and evenement.statut_apres == S.EN_INSTRUCTION:
            return f"{LE_MJ} a repris l’examen de votre demande."
        return PHRASES_STATUT.get(evenement.statut_apres, "")
    return ""  # consultations et tout autre événement interne


def historique(dossier, evenements):
    etapes = []
    for evenement in evenements:
        texte = phrase_evenement(evenement, dossier)
        if texte:
            etapes.append(EtapeHistorique(evenement.date, texte))
    return etapes

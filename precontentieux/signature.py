"""Signature des décisions par le validateur, et réponse de l'usager à une proposition.

Chaque verbe est une transition de la table (`precontentieux/workflow.py`) appliquée par `Dossier.transitionner`,
et, dans la MÊME transaction, l'opération sur le courrier (socle : `precontentieux/courriers.py`) :

- `signer_decision` : signer_proposition, signer_rejet ou signer_arrete selon l'état du dossier ; le courrier actif
  du type est signé (`signer_courrier`) : la tâche produit après le COMMIT le PDF figé, rangé en privé avec son
  SHA-256, le nom, le rôle et l'horodatage du signataire imprimés dessus ;
- `renvoyer_au_redacteur` : retour en instruction avec un commentaire obligatoire ; le courrier non signé est
  « remplacé » (le rédacteur en refera un) ;
- `accepter_proposition` : IBAN confirmé ou corrigé, adresse IP et compte enregistrés, déclaration d'acceptation
  préparée et signée par l'usager (`preparer_courrier` + `signer_courrier`) ;
- `refuser_proposition` : raison facultative.

Tout refus lève `TransitionInterdite` et n'écrit rien (la transaction est annulée).
"""

from dataclasses import dataclass

from django.db import transaction

from precontentieux.enums import StatutDossier
from precontentieux.models import TransitionInterdite

S = StatutDossier

ROLE_VALIDATEUR = "validateur"


def role_requerant(dossier):
    """Qualité imprimée sous la signature de l'usager, accordée (« requérante » pour Madame)."""
    return "requérante" if not dossier.est_personne_morale and dossier.civilite == "mme" else "requérant"


@dataclass(frozen=True)
class Signature:
    """Ce qui se signe dans un état : la transition et le type du courrier signé."""

    transition: str
    type_courrier: str
    libelle: str  # « la proposition d’indemnisation »…
    message: str  # message de réussite


def _type(nom):
    from precontentieux.courriers import TypeCourrier

    return getattr(TypeCourrier, nom)


def signatures():
    """{état à signer: Signature} (lu à l'appel : le type de courrier vient du socle)."""
    return {
        S.PROPOSITION_A_SIGNER: Signature(
            "signer_proposition",
            _type("PROPOSITION"),
            "la proposition d’indemnisation",
            "La proposition est signée et envoyée : l’usager est averti par courriel et peut y répondre en ligne.",
        ),
        S.REJET_A_SIGNER: Signature(
            "signer_rejet",
            _type("REJET"),
            "la décision de rejet",
            "Le rejet est signé et envoyé : l’usager est averti par courriel.",
        ),
        S.ARRETE_A_SIGNER: Signature(
            "signer_arrete",
            _type("ARRETE"),
            "l’arrêté de paiement",
            "L’arrêté de paiement est signé : le dossier passe à la liaison budget.",
        ),
    }


TRANSITIONS_SIGNATURE = ("signer_proposition", "signer_rejet", "signer_arrete")


def signature_du_dossier(dossier):
    """La signature attendue dans l'état du dossier ; hors état de signature, celle de la proposition (la garde
    de la transition dira pourquoi elle est impossible)."""
    table = signatures()
    return table.get(dossier.statut, table[S.PROPOSITION_A_SIGNER])


def nom_signataire(user):
    return user.nom_complet or user.email


def signer_decision(dossier, validateur):
    """Signe et envoie la décision (ou l'arrêté) à signer ; renvoie le courrier signé."""
    from precontentieux.courriers import courrier_actif, signer_courrier

    signature = signature_du_dossier(dossier)
    with transaction.atomic():
        courrier = courrier_actif(dossier, signature.type_courrier)
        if courrier is None or courrier.signe_le is not None:
            raise TransitionInterdite(
                f"Aucun courrier à signer pour {signature.libelle} : le rédacteur doit le refaire."
            )
        dossier.transitionner(
            signature.transition,
            validateur,
            details={
                "courrier": courrier.pk,
                "signataire": nom_signataire(validateur),
                "role_signataire": ROLE_VALIDATEUR,
            },
        )
        signer_courrier(courrier, validateur, ROLE_VALIDATEUR)
    return courrier


def renvoyer_au_redacteur(dossier, validateur, commentaire):
    """Retour en instruction avec le commentaire du validateur (obligatoire) ; le courrier non signé est remplacé."""
    from precontentieux.courriers import Courrier

    with transaction.atomic():
        dossier.transitionner("renvoyer_au_redacteur", validateur, motif=commentaire)
        Courrier.objects.filter(
            dossier=dossier,
            type__in=[_type("PROPOSITION"), _type("REJET")],
            remplace=False,
            signe_le__isnull=True,
        ).update(remplace=True)
    return dossier


def accepter_proposition(dossier, usager, *, iban, ip):
    """L'usager accepte la proposition : IBAN (déjà vérifié) écrit dans le même UPDATE que l'état, adresse IP et
    compte enregistrés, déclaration d'acceptation préparée puis signée par lui. Renvoie le courrier."""
    from precontentieux.courriers import preparer_courrier, signer_courrier

    with transaction.atomic():
        iban_corrige = iban != dossier.iban
        dossier.transitionner(
            "accepter_proposition",
            usager,
            details={"adresse_ip": ip, "iban_corrige": iban_corrige},
            iban=iban,
            acceptation_ip=ip or None,
            acceptation_par=usager,
        )
        courrier = preparer_courrier(
            dossier,
            _type("ACCEPTATION"),
            auteur=usager,
            montant=str(dossier.montant_propose),
            iban=iban,
            adresse_ip=ip,
        )
        signer_courrier(courrier, usager, role_requerant(dossier))
    return courrier


def refuser_proposition(dossier, usager, raison=""):
    return dossier.transitionner("refuser_proposition", usager, motif=raison)


def dernier_renvoi(dossier, evenements):
    """Le renvoi du validateur encore d'actualité (le dossier est revenu en instruction sans nouvelle décision),
    lu dans les événements déjà chargés : (événement) ou None."""
    if dossier.statut != S.EN_INSTRUCTION:
        return None
    decisifs = ("renvoyer_au_redacteur", "proposer_indemnisation", "proposer_rejet")
    for evenement in reversed(evenements):
        transition = (evenement.details or {}).get("transition")
        if transition in decisifs:
            return evenement if transition == "renvoyer_au_redacteur" else None
    return None

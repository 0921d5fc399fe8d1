"""Purges RGPD de l'espace des forces de l'ordre (calendrier : `portail/conservation.py`, docs/rgpd.md).

- Règle « brouillons » : une déclaration jamais envoyée, non modifiée depuis 6 mois, est supprimée avec ses
  documents (fichiers retirés du stockage après le COMMIT).
- Anonymisation du dossier (signal `dossier_anonymise`, dans la même transaction) : la déclaration envoyée liée
  perd ses données personnelles (description, adresse précise, service enquêteur et procédure, coordonnées de
  l'occupant) et ses pièces ; restent la référence, l'agent (donc l'administration), les dates, l'erreur
  opérationnelle, le code postal et la ville. Les déclencheurs d'immuabilité ne le permettent que pendant
  l'anonymisation (migration 0005).

Enregistré au démarrage par `DeclarationsConfig.ready`.
"""

from django.db import connection, transaction
from django.dispatch import receiver
from django.utils import timezone

from declarations.enums import StatutDeclaration
from declarations.models import AnonymisationEnCours, Declaration, PieceJointeDeclaration
from portail import conservation as c
from portail.fichiers import supprimer_prive
from precontentieux.rgpd import Regle, enregistrer, il_y_a
from precontentieux.signaux import dossier_anonymise

CHAMPS_PERSONNELS = {
    "description_operation": "",
    "adresse_voie": "",
    "adresse_complement": "",
    "service_enqueteur": "",
    "telephone_service": "",
    "courriel_agent": "",
    "numero_procedure": "",
    "juridiction": "",
    "magistrat": "",
    "usager_civilite": "",
    "usager_nom": "",
    "usager_prenom": "",
    "usager_telephone": "",
    "usager_courriel": "",
    "usager_precisions": "",
    "brouillon": {},
}


def brouillons_echus(maintenant):
    limite = il_y_a(maintenant, mois=c.MOIS_BROUILLON_DECLARATION)
    return (
        Declaration.objects.filter(statut=StatutDeclaration.BROUILLON, modifie_le__lt=limite)
        .select_related("agent")
        .order_by("pk")
    )


def supprimer_brouillon(declaration, maintenant):
    with transaction.atomic():
        fichiers = list(declaration.pieces.values_list("fichier", flat=True))
        # Conditionnel : un brouillon repris (ou envoyé) entre-temps n'est pas supprimé.
        supprimes, _ = brouillons_echus(maintenant).filter(pk=declaration.pk).delete()
        if not supprimes:
            return 0
        transaction.on_commit(lambda: [supprimer_prive(nom) for nom in fichiers if nom])
    return 1


enregistrer(
    Regle(
        "brouillons_declarations",
        "Brouillons de déclarations jamais envoyés (6 mois sans modification)",
        10,
        brouillons_echus,
        supprimer_brouillon,
        lambda d: (
            f"Brouillon n° {d.pk} de {d.agent.email or d.agent.identifiant} — modifié le "
            f"{timezone.localdate(d.modifie_le):%d/%m/%Y}"
        ),
    )
)


@receiver(dossier_anonymise)
def anonymiser_declaration(sender, dossier, fichiers, **kwargs):
    """Dans la transaction de l'anonymisation du dossier : la porte des déclencheurs s'ouvre le temps de vider
    les champs personnels et de retirer les pièces, puis se referme."""
    declaration = Declaration.objects.filter(dossier=dossier).first()
    if declaration is None:
        return
    fichiers += [nom for nom in declaration.pieces.values_list("fichier", flat=True) if nom]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as curseur:
                curseur.execute("SELECT txid_current()")
                (identifiant,) = curseur.fetchone()
        else:
            identifiant = None
        # En cas d'erreur, l'annulation de la transaction retire aussi la ligne : la porte ne reste jamais ouverte.
        porte = AnonymisationEnCours.objects.create(transaction=identifiant)
        PieceJointeDeclaration.objects.filter(declaration=declaration).delete()
        Declaration.objects.filter(pk=declaration.pk).update(**CHAMPS_PERSONNELS)
        AnonymisationEnCours.objects.filter(pk=porte.pk).delete()

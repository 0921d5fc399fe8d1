"""Récépissé de dépôt d'une demande : PDF (WeasyPrint) figé au moment du dépôt et rangé en privé.

Produit après le COMMIT du dépôt par la tâche `precontentieux.tasks.generer_recepisse` (2 à 4 s au
premier rendu d’un processus, ~0,5 s ensuite : hors de la requête). Si la tâche n'a pas encore tourné
(broker arrêté), la vue de téléchargement le produit à la demande, une fois : le fichier rangé sert ensuite.
Aucune donnée de la déclaration des forces de l'ordre n'entre dans le contexte (rien n'est lu de `declarations`).
"""

import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from portail.pdf import rendre_pdf
from portail.utils import date_fr, montant_euros
from precontentieux.models import Dossier

logger = logging.getLogger(__name__)

GABARIT = "documents_pdf/recepisse.html"
FEUILLES = ("documents_pdf/documents.css", "documents_pdf/recepisse.css")


def contexte_recepisse(dossier):
    pieces = [
        {
            "type": p.get_type_display(),
            "nom": p.nom,
            "date": date_fr(p.ajoutee_le.date()),
            "montant": montant_euros(p.montant),
        }
        for p in dossier.pieces.filter(ajoutee_le__lte=dossier.depose_le)
    ]
    return {
        "document": {
            "titre": "Récépissé de dépôt de demande d’indemnisation",
            "description": f"Demande {dossier.reference}",
        },
        "reference": dossier.reference,
        "nom_requerant": dossier.nom_requerant,
        "personne_morale": dossier.est_personne_morale,
        "representant_legal": dossier.representant_legal,
        "siren_siret": dossier.siren_siret,
        "adresse_requerant": dossier.adresse_requerant,
        "adresse": dossier.adresse,
        "date_operation": date_fr(dossier.date_operation),
        "qualite": dossier.get_qualite_display(),
        "logement_assure": {True: "Oui", False: "Non (déclaré sur l’honneur)"}.get(
            dossier.logement_assure, "Non précisé"
        ),
        # Absent des demandes déposées avant sa saisie (issue 9) : « Non précisé ».
        "montant_demande": montant_euros(dossier.montant_demande) or "Non précisé",
        "date_depot": date_fr(dossier.date_depot),
        "heure_depot": timezone.localtime(dossier.depose_le).strftime("%H:%M") if dossier.depose_le else "",
        "date_rejet_implicite": date_fr(dossier.date_rejet_implicite),
        "date_limite_recours": date_fr(dossier.date_limite_recours),
        "pieces": pieces,
    }


def rendre_recepisse(dossier):
    return rendre_pdf(GABARIT, contexte_recepisse(dossier), feuilles_de_style=FEUILLES)


def nom_fichier(dossier):
    return f"recepisse-{dossier.reference}.pdf"


def obtenir_recepisse(dossier_id):
    """Nom de stockage du récépissé, produit et rangé s'il n'existe pas encore (idempotent)."""
    dossier = Dossier.objects.get(pk=dossier_id)
    if dossier.recepisse:
        return dossier.recepisse
    if dossier.depose_le is None:
        raise ValueError("Un récépissé n'existe que pour une demande déposée.")
    contenu = rendre_recepisse(dossier)
    nom = default_storage.save(f"recepisses/{dossier.reference}.pdf", ContentFile(contenu))
    with transaction.atomic():
        # Un seul récépissé : si un autre processus l'a rangé entre-temps, on garde le sien.
        modifies = Dossier.objects.filter(pk=dossier_id, recepisse="").update(recepisse=nom)
    if modifies != 1:
        default_storage.delete(nom)
        return Dossier.objects.values_list("recepisse", flat=True).get(pk=dossier_id)
    return nom

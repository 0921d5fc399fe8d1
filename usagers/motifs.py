"""Le motif d'un rejet en mots simples, pour la page de décision de l'usager (le courrier signé fait foi).

Une entrée par motif de `precontentieux.enums.MotifRejet` (un test vérifie qu'aucun ne manque). Le courrier
donne les fondements juridiques ; ici, ce que cela veut dire pour la personne et vers qui se tourner.
"""

from dataclasses import dataclass

from precontentieux.enums import MotifRejet

M = MotifRejet

EXPLICATIONS = {
    M.REQUERANT_MIS_EN_CAUSE: (
        "D’après les forces de l’ordre, l’intervention vous visait : l’enquête vous concernait directement. "
        "L’État n’indemnise que les personnes étrangères à l’enquête."
    ),
    M.CHIEN_RENIFLEUR: (
        "D’après les forces de l’ordre, un chien spécialisé dans la recherche de stupéfiants a signalé votre "
        "logement : l’intervention était donc justifiée par un indice qui vous concernait. L’État n’indemnise que les "
        "personnes étrangères à l’enquête."
    ),
    M.LOCATAIRE_MIS_EN_CAUSE: (
        "D’après les forces de l’ordre, l’intervention visait votre locataire. C’est à lui de réparer les "
        "dégradations du logement qu’il loue : demandez-lui réparation, par exemple sur le dépôt de garantie ou "
        "par son assurance."
    ),
    M.LOCATAIRE_CHIEN: (
        "D’après les forces de l’ordre, un chien spécialisé dans la recherche de stupéfiants a signalé le logement "
        "de votre locataire. C’est à lui de réparer les dégradations du logement qu’il loue : demandez-lui "
        "réparation, par exemple sur le dépôt de garantie ou par son assurance."
    ),
    M.LOCATION_COURTE_DUREE: (
        "D’après les forces de l’ordre, l’intervention visait la personne à qui vous aviez loué le logement pour "
        "une courte durée par une plateforme en ligne. C’est à elle de réparer les dégradations : demandez-lui "
        "réparation, ainsi qu’à la plateforme si elle propose une garantie aux hôtes."
    ),
    M.LOCATAIRE_HEBERGEANT: (
        "D’après les forces de l’ordre, l’intervention visait une personne hébergée par votre locataire. Le "
        "locataire répond des dégradations causées par les personnes qu’il accueille : demandez-lui réparation, par "
        "exemple sur le dépôt de garantie ou par son assurance."
    ),
    M.PARTIES_COMMUNES: (
        "Les dégradations touchent les parties communes de l’immeuble, pas votre logement. Seul le syndic de "
        "copropriété, au nom de tous les copropriétaires, peut en demander la réparation : adressez-vous à lui."
    ),
    M.AUTRE: "Le ministère de la Justice explique le motif de sa décision ci-dessous et dans le courrier.",
}


@dataclass(frozen=True)
class Explication:
    libelle: str
    texte: str
    precision: str = ""  # « autre motif » : le texte du ministère, affiché échappé


def explication(motif, texte=""):
    """L'explication du motif (valeur de `MotifRejet`), ou celle d'un « autre motif » avec son texte."""
    try:
        motif = MotifRejet(motif)
    except ValueError:
        motif = MotifRejet.AUTRE
    return Explication(motif.label, EXPLICATIONS[motif], texte if motif == MotifRejet.AUTRE else "")

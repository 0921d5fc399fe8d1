"""Ancien module d'aides, gardé le temps que les branches en cours fusionnent : utiliser `tests/fabriques.py`."""

from tests.fabriques import (  # noqa: F401
    DEMANDE_PERSONNE_PHYSIQUE,
    IBAN_VALIDE,
    SENTINELLES,
    SIRET_VALIDE,
    TEXTES_SENTINELLES,
    ajouter_piece,
    completer,
    dossier_declare,
    dossier_usager,
)

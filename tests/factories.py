"""Ancien nom de `tests/fabriques.py`, gardé le temps que les branches en cours fusionnent : à supprimer."""

from tests.fabriques import DeclarationFactory, SerrurierFactory, UtilisateurFactory  # noqa: F401

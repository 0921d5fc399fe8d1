"""Analyse antivirus des pièces déposées par ClamAV (`clamd`, paquet Debian clamav-daemon).

- `analyser_octets(contenu)` → `Verdict` (protocole INSTREAM de clamd, bibliothèque `clamdpy`) ;
  lève `AntivirusIndisponible` si clamd ne répond pas ou répond une erreur ;
- `programmer_analyse(piece)` : à la création d'une pièce (signal `post_save`), la tâche
  `portail.tasks.analyser_piece` est envoyée après le COMMIT ;
- `analyser_piece(piece)` : la pièce « en cours d'analyse » devient saine, ou infectée (fichier supprimé).

Sans `CLAMAV_SOCKET` (mode embarqué), les pièces deviennent « non analysées » et restent utilisables :
le démarrage le signale (`portail.checks`) et la production le refuse (`check --deploy`).
Voir docs/fichiers.md.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from portail.enums import EtatAnalyse

logger = logging.getLogger(__name__)


class AntivirusIndisponible(Exception):
    """clamd injoignable ou en erreur : la pièce reste en cours d'analyse, le balayage la reprendra."""


@dataclass(frozen=True)
class Verdict:
    sain: bool
    signature: str = ""


def analyse_active() -> bool:
    return bool(getattr(settings, "CLAMAV_SOCKET", ""))


def _client():
    import socket

    from clamdpy import ClamdUnixSocket
    from clamdpy.exceptions import ConnectionError as ErreurConnexion

    class Client(ClamdUnixSocket):
        def _acquire_socket(self):
            # clamdpy 0.2.0 laisse la socket ouverte quand la connexion échoue : on la ferme.
            connexion = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                connexion.settimeout(self.timeout)
                connexion.connect(str(self.socket_path))
            except OSError as erreur:
                connexion.close()
                raise ErreurConnexion(f"connexion à {self.socket_path} impossible : {erreur}") from erreur
            return connexion

    # Morceaux de 64 Ko (la bibliothèque envoie 1 Ko par défaut) ; clamd accepte jusqu'à StreamMaxLength (25 Mo).
    return Client(path=settings.CLAMAV_SOCKET, timeout=settings.CLAMAV_DELAI, max_chunk_size=64 * 1024)


def analyser_octets(contenu: bytes) -> Verdict:
    from clamdpy.exceptions import ClamdException

    try:
        resultat = _client().instream(io.BytesIO(contenu))
    except (ClamdException, OSError) as erreur:
        raise AntivirusIndisponible(str(erreur)) from erreur
    if resultat.status == "OK":
        return Verdict(sain=True)
    if resultat.status == "FOUND":
        return Verdict(sain=False, signature=(resultat.reason or "inconnu")[:200])
    raise AntivirusIndisponible(resultat.reason or "réponse inattendue de clamd")


def programmer_analyse(piece) -> None:
    """Après le COMMIT de la création : analyse en tâche (dans le processus en mode embarqué)."""
    label, pk = piece._meta.label, piece.pk
    transaction.on_commit(lambda: declencher_analyse(label, pk))


def declencher_analyse(label: str, pk: int) -> bool:
    """Confie l'analyse à Celery. Ne lève jamais : le balayage périodique rattrape les échecs."""
    from portail.tasks import analyser_piece

    try:
        analyser_piece.delay(label, pk)
    except Exception:
        logger.exception("Analyse antivirus de %s %s non déclenchée ; le balayage la rattrapera.", label, pk)
        return False
    return True


def analyser_piece(piece) -> str:
    """Analyse une pièce en cours d'analyse ; renvoie son nouvel état. Idempotent (UPDATE conditionnel)."""
    modele = type(piece)
    en_attente = modele.objects.filter(pk=piece.pk, etat_analyse=EtatAnalyse.EN_ANALYSE)
    if not analyse_active():
        en_attente.update(etat_analyse=EtatAnalyse.NON_ANALYSEE, analysee_le=timezone.now())
        return EtatAnalyse.NON_ANALYSEE
    try:
        with default_storage.open(piece.fichier.name, "rb") as flux:
            contenu = flux.read()
    except FileNotFoundError:
        logger.warning("Pièce %s %s : fichier introuvable, analyse impossible.", modele._meta.label, piece.pk)
        return piece.etat_analyse
    verdict = analyser_octets(contenu)
    if verdict.sain:
        en_attente.update(etat_analyse=EtatAnalyse.SAINE, analysee_le=timezone.now())
        return EtatAnalyse.SAINE
    if en_attente.update(
        etat_analyse=EtatAnalyse.INFECTEE, analysee_le=timezone.now(), signature_virus=verdict.signature
    ):
        logger.warning("Virus détecté (%s) dans la pièce %s %s.", verdict.signature, modele._meta.label, piece.pk)
        # Le fichier infecté n'est jamais gardé : seule la ligne reste, pour dire à la personne ce qui s'est passé.
        default_storage.delete(piece.fichier.name)
    return EtatAnalyse.INFECTEE

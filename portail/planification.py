"""Tâches planifiées (Celery beat) : chaque exécution est journalisée (`ExecutionTache`).

    @shared_task
    @journaliser("precontentieux.relances")
    def relancer():
        return {"relances": 3}          # le résultat (dict JSON) est gardé dans le journal

Une erreur est journalisée puis relancée (Celery la voit). Les tâches elles-mêmes sont idempotentes : le
journal dit ce qui a été fait, il ne sert pas à éviter un double envoi (voir `precontentieux/relances.py`).
"""

import functools
import logging
import traceback

from django.utils import timezone

logger = logging.getLogger(__name__)


def journaliser(nom, *, simulation=False):
    def decorateur(fonction):
        @functools.wraps(fonction)
        def enveloppe(*args, **kwargs):
            from portail.models import ExecutionTache

            execution = ExecutionTache.objects.create(tache=nom, simulation=simulation)
            try:
                resultat = fonction(*args, **kwargs)
            except Exception:
                ExecutionTache.objects.filter(pk=execution.pk).update(
                    fin=timezone.now(), erreur=traceback.format_exc()[-4000:]
                )
                logger.exception("Tâche planifiée %s en erreur.", nom)
                raise
            ExecutionTache.objects.filter(pk=execution.pk).update(
                fin=timezone.now(), resultat=resultat if isinstance(resultat, dict) else {"resultat": resultat}
            )
            logger.info("Tâche planifiée %s : %s", nom, resultat)
            return resultat

        return enveloppe

    return decorateur

"""Tâches Celery de l'espace des forces de l'ordre (identifiants seulement, idempotentes)."""

from celery import shared_task

from portail.planification import journaliser


@shared_task(bind=True, max_retries=5, default_retry_delay=30)
def preparer_document(self, slug):
    """Rend et range le PDF d'un guide de « Mes documents » (rien à faire s'il est déjà rangé)."""
    from declarations.documents import preparer

    try:
        return preparer(slug)
    except OSError as erreur:  # stockage momentanément indisponible
        raise self.retry(exc=erreur) from erreur


@shared_task
@journaliser("declarations.relance_agents")
def relancer_agents():
    """Tâche horaire (Celery beat) : déclarations complètes non envoyées depuis 24 h, invitations expirées
    (voir `declarations.relances`). Idempotente."""
    from declarations.relances import relancer

    return relancer()

"""Tâches Celery du précontentieux (identifiants seulement, idempotentes)."""

from celery import shared_task


@shared_task(bind=True, max_retries=5, default_retry_delay=30)
def generer_recepisse(self, dossier_id):
    """Produit et range le récépissé de dépôt (rien à faire s'il existe déjà)."""
    from precontentieux.recepisse import obtenir_recepisse

    try:
        return obtenir_recepisse(dossier_id)
    except OSError as erreur:  # stockage momentanément indisponible
        raise self.retry(exc=erreur) from erreur


@shared_task
def envoyer_recapitulatifs_echeances():
    """Tâche quotidienne (Celery beat) : récapitulatif des échéances à chaque rédacteur concerné."""
    from precontentieux.echeances import envoyer_recapitulatifs

    return envoyer_recapitulatifs()


@shared_task
def relancer_complements():
    """Tâche quotidienne (Celery beat) : relance une fois l'usager sans réponse à une demande de compléments
    depuis 15 jours. Idempotente (voir `precontentieux.instruction.relancer_usagers`)."""
    from precontentieux.instruction import relancer_usagers

    return relancer_usagers()


@shared_task(bind=True, max_retries=5, default_retry_delay=30)
def generer_courrier(self, courrier_id):
    """Produit et range le PDF d'un courrier (aperçu, ou PDF figé après signature) ; idempotente."""
    from precontentieux.courriers import produire_pdf

    try:
        return produire_pdf(courrier_id)
    except OSError as erreur:  # stockage momentanément indisponible
        raise self.retry(exc=erreur) from erreur

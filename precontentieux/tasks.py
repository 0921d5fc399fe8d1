"""Tâches Celery du précontentieux (identifiants seulement, idempotentes)."""

from celery import shared_task

from portail.planification import journaliser


@shared_task(bind=True, max_retries=5, default_retry_delay=30)
def generer_recepisse(self, dossier_id):
    """Produit et range le récépissé de dépôt (rien à faire s'il existe déjà)."""
    from precontentieux.recepisse import obtenir_recepisse

    try:
        return obtenir_recepisse(dossier_id)
    except OSError as erreur:  # stockage momentanément indisponible
        raise self.retry(exc=erreur) from erreur


@shared_task
@journaliser("precontentieux.recapitulatifs_echeances")
def envoyer_recapitulatifs_echeances():
    """Tâche quotidienne (Celery beat) : récapitulatif des échéances à chaque rédacteur concerné."""
    from precontentieux.echeances import envoyer_recapitulatifs

    return envoyer_recapitulatifs()


@shared_task
@journaliser("precontentieux.relance_complements")
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


@shared_task
@journaliser("precontentieux.relance_demandes")
def relancer_demandes_a_completer():
    """Tâche quotidienne (Celery beat) : relances de l'usager à 7 et 30 jours, clôture sans suite à 90 jours sans
    activité (voir `precontentieux.relances`). Idempotente."""
    from precontentieux.relances import relancer_demandes_a_completer as relancer

    return relancer()


@shared_task
@journaliser("precontentieux.purge_rgpd")
def purger_donnees_personnelles():
    """Tâche quotidienne (Celery beat) : calendrier de conservation (docs/rgpd.md), pour de vrai."""
    from precontentieux.rgpd import purger

    return purger(simulation=False).compteurs()

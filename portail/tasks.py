"""Tâches Celery du portail : envoi des courriels de la boîte d'envoi et balayage périodique.

Les tâches ne reçoivent que des identifiants, relisent la ligne et sont idempotentes : une ligne
n'est transmise au serveur SMTP que par la tâche qui l'a réservée (UPDATE conditionnel).
Voir docs/courriels.md.
"""

import logging
import random
import smtplib
from datetime import timedelta

from celery import shared_task
from django.core.mail import mailers
from django.core.management import call_command
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from portail.emails import (
    MAX_TENTATIVES,
    bail_secondes,
    bail_smtp_secondes,
    construire_message,
    declencher_lot,
    delai_balayage_secondes,
    rendre,
)
from portail.enums import StatutEmail
from portail.models import EmailSortant

logger = logging.getLogger(__name__)

# Nombre maximal de lignes relancées par passage du balayage.
LIMITE_BALAYAGE = 500


class ErreurAmbigue(Exception):
    """La transmission SMTP a été interrompue : le serveur a peut-être accepté le message."""


def delai_avant_nouvel_essai(tentatives: int) -> int:
    """Attente exponentielle : 30 s, 1 min, 2 min… plafonnée à 1 h, avec un peu d'aléa."""
    base = min(30 * 2 ** max(tentatives - 1, 0), 3600)
    return base + random.randint(0, base // 10)  # noqa: S311 (aléa non cryptographique)


def reserver(email_id: int) -> EmailSortant | None:
    """Réserve la ligne de façon atomique ; `None` si une autre tâche l'a déjà prise ou envoyée."""
    maintenant = timezone.now()
    reservees = (
        EmailSortant.objects.filter(pk=email_id)
        .filter(Q(statut=StatutEmail.A_ENVOYER) | Q(statut=StatutEmail.EN_COURS, verrou_jusqu_a__lt=maintenant))
        .update(
            statut=StatutEmail.EN_COURS,
            tentatives=F("tentatives") + 1,
            verrou_jusqu_a=maintenant + timedelta(seconds=bail_secondes()),
        )
    )
    if not reservees:
        return None
    return EmailSortant.objects.get(pk=email_id)


def _mettre_a_jour(email: EmailSortant, depuis: str, **champs) -> bool:
    """Change l'état seulement si la ligne est toujours à nous (même statut, même tentative)."""
    return bool(EmailSortant.objects.filter(pk=email.pk, statut=depuis, tentatives=email.tentatives).update(**champs))


def _refus_definitif(erreur: Exception) -> bool:
    """Vrai si le serveur a refusé le message avec un code permanent (5xx)."""
    if isinstance(erreur, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in erreur.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    code = getattr(erreur, "smtp_code", None)
    return isinstance(code, int) and code >= 500


def _decrire(erreur: Exception) -> str:
    return f"{type(erreur).__name__} : {erreur}"[:2000]


@shared_task(bind=True, name="portail.tasks.envoyer_email", acks_late=True, max_retries=None)
def envoyer_email(self, email_id: int):
    """Rend et envoie un courriel de la boîte d'envoi. Idempotente."""
    email = reserver(email_id)
    if email is None:
        logger.info("Courriel %s déjà pris en charge ou envoyé : rien à faire.", email_id)
        return "ignore"
    if email.tentatives > MAX_TENTATIVES:
        _mettre_a_jour(
            email,
            StatutEmail.EN_COURS,
            statut=StatutEmail.ECHEC,
            verrou_jusqu_a=None,
            derniere_erreur=f"Abandon après {MAX_TENTATIVES} tentatives. {email.derniere_erreur}".strip(),
        )
        return "echec"

    try:
        rendu = rendre(email)
        message = construire_message(email, rendu)
    except Exception as erreur:
        # Erreur de gabarit ou de contexte : réessayer ne changerait rien.
        logger.exception("Rendu du courriel %s (%s) impossible.", email.pk, email.gabarit)
        _mettre_a_jour(
            email, StatutEmail.EN_COURS, statut=StatutEmail.ECHEC, verrou_jusqu_a=None, derniere_erreur=_decrire(erreur)
        )
        return "echec"

    mailer = mailers.default
    try:
        # Connexion d'abord : une erreur ici garantit que rien n'a été transmis.
        mailer.open()
    except OSError as erreur:  # smtplib.SMTPException hérite d'OSError
        return _reessayer(self, email, erreur)

    try:
        # Point de non-retour, enregistré (COMMIT) avant de parler au serveur SMTP.
        if not _mettre_a_jour(
            email,
            StatutEmail.EN_COURS,
            statut=StatutEmail.SMTP_EN_COURS,
            sujet=rendu.sujet[:255],
            verrou_jusqu_a=timezone.now() + timedelta(seconds=bail_smtp_secondes()),
        ):
            logger.warning("Bail du courriel %s perdu avant l'envoi : abandon de cette tentative.", email.pk)
            return "ignore"
        try:
            mailer.send_messages([message])
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException, smtplib.SMTPNotSupportedError) as erreur:
            # Le serveur a répondu par un refus : le message n'a pas été accepté.
            return _reessayer(self, email, erreur, depuis=StatutEmail.SMTP_EN_COURS)
        except ValueError as erreur:
            # Adresse invalide, détectée avant toute transmission.
            _mettre_a_jour(
                email,
                StatutEmail.SMTP_EN_COURS,
                statut=StatutEmail.ECHEC,
                verrou_jusqu_a=None,
                derniere_erreur=_decrire(erreur),
            )
            return "echec"
        except Exception as erreur:
            # Coupure ou délai dépassé pendant la transmission : le serveur a pu accepter le
            # message. Le renvoyer risquerait un doublon : un opérateur décide.
            logger.exception("Transmission du courriel %s interrompue : à vérifier.", email.pk)
            _mettre_a_jour(
                email,
                StatutEmail.SMTP_EN_COURS,
                statut=StatutEmail.A_VERIFIER,
                verrou_jusqu_a=None,
                derniere_erreur=_decrire(ErreurAmbigue(_decrire(erreur))),
            )
            return "a_verifier"
    finally:
        try:
            mailer.close()
        except Exception:  # noqa: S110 (le sort du message est déjà connu)
            logger.warning("Fermeture de la connexion SMTP en erreur (courriel %s).", email.pk)

    _mettre_a_jour(
        email,
        StatutEmail.SMTP_EN_COURS,
        statut=StatutEmail.ENVOYE,
        envoye_le=timezone.now(),
        verrou_jusqu_a=None,
        derniere_erreur="",
    )
    logger.info("Courriel %s (%s) envoyé.", email.pk, email.gabarit)
    return "envoye"


def _reessayer(tache, email: EmailSortant, erreur: Exception, depuis=StatutEmail.EN_COURS):
    """Erreur réseau ou refus temporaire : la ligne redevient « à envoyer » et Celery réessaie plus tard."""
    description = _decrire(erreur)
    if email.tentatives >= MAX_TENTATIVES or _refus_definitif(erreur):
        logger.error("Échec définitif du courriel %s : %s", email.pk, description)
        _mettre_a_jour(email, depuis, statut=StatutEmail.ECHEC, verrou_jusqu_a=None, derniere_erreur=description)
        return "echec"
    delai = delai_avant_nouvel_essai(email.tentatives)
    logger.warning("Envoi du courriel %s en erreur (%s) ; nouvel essai dans %s s.", email.pk, description, delai)
    # Le verrou protège le nouvel essai programmé contre une relance prématurée par le balayage.
    _mettre_a_jour(
        email,
        depuis,
        statut=StatutEmail.A_ENVOYER,
        verrou_jusqu_a=timezone.now() + timedelta(seconds=delai + delai_balayage_secondes()),
        derniere_erreur=description,
    )
    raise tache.retry(exc=erreur, countdown=delai)


@shared_task(name="portail.tasks.balayer_courriels")
def balayer_courriels():
    """Relance les courriels restés en attente et signale les transmissions interrompues."""
    maintenant = timezone.now()
    interrompus = EmailSortant.objects.filter(statut=StatutEmail.SMTP_EN_COURS, verrou_jusqu_a__lt=maintenant).update(
        statut=StatutEmail.A_VERIFIER,
        verrou_jusqu_a=None,
        derniere_erreur="Transmission SMTP interrompue (processus arrêté) : le message a peut-être été envoyé.",
    )
    if interrompus:
        logger.error("%s courriel(s) à vérifier : transmission SMTP interrompue.", interrompus)

    en_attente = Q(statut=StatutEmail.A_ENVOYER, cree_le__lt=maintenant - timedelta(seconds=delai_balayage_secondes()))
    en_attente &= Q(verrou_jusqu_a__isnull=True) | Q(verrou_jusqu_a__lt=maintenant)
    abandonnes = Q(statut=StatutEmail.EN_COURS, verrou_jusqu_a__lt=maintenant)
    ids = list(
        EmailSortant.objects.filter(en_attente | abandonnes)
        .order_by("cree_le")
        .values_list("pk", flat=True)[:LIMITE_BALAYAGE]
    )
    # Les lignes « à envoyer » relancées ne le seront plus pendant un bail (file Celery chargée).
    EmailSortant.objects.filter(pk__in=ids, statut=StatutEmail.A_ENVOYER).update(
        verrou_jusqu_a=maintenant + timedelta(seconds=bail_secondes())
    )
    relances = declencher_lot(ids) if ids else 0
    if ids:
        logger.info("Balayage : %s courriel(s) relancé(s) sur %s.", relances, len(ids))
    return {"relances": relances, "a_verifier": interrompus}


@shared_task(name="portail.tasks.purger_sessions")
def purger_sessions():
    """Sessions expirées retirées de la base (`clearsessions`), chaque nuit (CELERY_BEAT_SCHEDULE)."""
    call_command("clearsessions")


# --- Envoi par lots -------------------------------------------------------------------------------------
# Une connexion SMTP pour tout le lot et une seule transaction par courriel : l'état « envoyé » du courriel
# précédent et le point de non-retour du suivant sont écrits ensemble. Les garanties restent celles de
# `envoyer_email` : réservation conditionnelle, point de non-retour enregistré avant la transmission, au
# plus un courriel « à vérifier » (jamais renvoyé automatiquement) si le processus meurt pendant un envoi.


def reserver_lot(ids) -> list[EmailSortant]:
    """Réserve en une transaction les lignes libres parmi `ids` ; renvoie celles qui sont à nous."""
    maintenant = timezone.now()
    verrou = maintenant + timedelta(seconds=bail_secondes())
    libres = Q(statut=StatutEmail.A_ENVOYER) | Q(statut=StatutEmail.EN_COURS, verrou_jusqu_a__lt=maintenant)
    with transaction.atomic():
        candidates = list(
            EmailSortant.objects.filter(pk__in=ids)
            .filter(libres)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        if not candidates:
            return []
        EmailSortant.objects.filter(pk__in=candidates).filter(libres).update(
            statut=StatutEmail.EN_COURS, tentatives=F("tentatives") + 1, verrou_jusqu_a=verrou
        )
        # Le verrou posé (à la microseconde près) désigne les lignes réservées par cet appel.
        return list(
            EmailSortant.objects.filter(pk__in=candidates, statut=StatutEmail.EN_COURS, verrou_jusqu_a=verrou).order_by(
                "pk"
            )
        )


def _marquer_envoye(email: EmailSortant):
    EmailSortant.objects.filter(pk=email.pk, statut=StatutEmail.SMTP_EN_COURS, tentatives=email.tentatives).update(
        statut=StatutEmail.ENVOYE, envoye_le=timezone.now(), verrou_jusqu_a=None, derniere_erreur=""
    )


def _reporter(email: EmailSortant, erreur: Exception, depuis=StatutEmail.EN_COURS) -> str:
    """Comme `_reessayer`, sans relancer la tâche du lot : la ligne redevient « à envoyer » avec un verrou
    (attente exponentielle) et le balayage la relancera à son expiration."""
    description = _decrire(erreur)
    if email.tentatives >= MAX_TENTATIVES or _refus_definitif(erreur):
        logger.error("Échec définitif du courriel %s : %s", email.pk, description)
        _mettre_a_jour(email, depuis, statut=StatutEmail.ECHEC, verrou_jusqu_a=None, derniere_erreur=description)
        return "echec"
    delai = delai_avant_nouvel_essai(email.tentatives)
    logger.warning("Envoi du courriel %s en erreur (%s) ; nouvel essai dans %s s.", email.pk, description, delai)
    _mettre_a_jour(
        email,
        depuis,
        statut=StatutEmail.A_ENVOYER,
        verrou_jusqu_a=timezone.now() + timedelta(seconds=delai),
        derniere_erreur=description,
    )
    return "reporte"


@shared_task(name="portail.tasks.envoyer_lot", acks_late=True)
def envoyer_lot(ids):
    """Rend et envoie un lot de courriels de la boîte d'envoi sur une seule connexion SMTP. Idempotente."""
    resultats = {}
    prets = []
    for email in reserver_lot(ids):
        if email.tentatives > MAX_TENTATIVES:
            _mettre_a_jour(
                email,
                StatutEmail.EN_COURS,
                statut=StatutEmail.ECHEC,
                verrou_jusqu_a=None,
                derniere_erreur=f"Abandon après {MAX_TENTATIVES} tentatives. {email.derniere_erreur}".strip(),
            )
            resultats[email.pk] = "echec"
            continue
        try:
            rendu = rendre(email)
            prets.append((email, rendu, construire_message(email, rendu)))
        except Exception as erreur:
            logger.exception("Rendu du courriel %s (%s) impossible.", email.pk, email.gabarit)
            _mettre_a_jour(
                email,
                StatutEmail.EN_COURS,
                statut=StatutEmail.ECHEC,
                verrou_jusqu_a=None,
                derniere_erreur=_decrire(erreur),
            )
            resultats[email.pk] = "echec"
    if not prets:
        return resultats

    mailer = mailers.default
    try:
        mailer.open()
    except OSError as erreur:
        for email, _, _ in prets:
            resultats[email.pk] = _reporter(email, erreur)
        return resultats

    envoye = None  # dernier courriel transmis dont l'état « envoyé » reste à écrire
    try:
        for indice, (email, rendu, message) in enumerate(prets):
            with transaction.atomic():
                if envoye is not None:
                    _marquer_envoye(envoye)
                    envoye = None
                a_nous = _mettre_a_jour(
                    email,
                    StatutEmail.EN_COURS,
                    statut=StatutEmail.SMTP_EN_COURS,
                    sujet=rendu.sujet[:255],
                    verrou_jusqu_a=timezone.now() + timedelta(seconds=bail_smtp_secondes()),
                )
            if not a_nous:
                logger.warning("Bail du courriel %s perdu avant l'envoi : abandon de cette tentative.", email.pk)
                resultats[email.pk] = "ignore"
                continue
            try:
                mailer.send_messages([message])
            except (
                smtplib.SMTPRecipientsRefused,
                smtplib.SMTPResponseException,
                smtplib.SMTPNotSupportedError,
            ) as erreur:
                resultats[email.pk] = _reporter(email, erreur, depuis=StatutEmail.SMTP_EN_COURS)
                continue
            except ValueError as erreur:
                _mettre_a_jour(
                    email,
                    StatutEmail.SMTP_EN_COURS,
                    statut=StatutEmail.ECHEC,
                    verrou_jusqu_a=None,
                    derniere_erreur=_decrire(erreur),
                )
                resultats[email.pk] = "echec"
                continue
            except Exception as erreur:
                logger.exception("Transmission du courriel %s interrompue : à vérifier.", email.pk)
                _mettre_a_jour(
                    email,
                    StatutEmail.SMTP_EN_COURS,
                    statut=StatutEmail.A_VERIFIER,
                    verrou_jusqu_a=None,
                    derniere_erreur=_decrire(ErreurAmbigue(_decrire(erreur))),
                )
                resultats[email.pk] = "a_verifier"
                # La connexion est perdue : les courriels restants attendent le balayage.
                for suivant, _, _ in prets[indice + 1 :]:
                    resultats[suivant.pk] = _reporter(suivant, erreur)
                break
            envoye = email
            resultats[email.pk] = "envoye"
    finally:
        if envoye is not None:
            _marquer_envoye(envoye)
        try:
            mailer.close()
        except Exception:  # noqa: S110 (le sort des messages est déjà connu)
            logger.warning("Fermeture de la connexion SMTP en erreur (lot %s).", ids)
    logger.info("Lot de %s courriel(s) traité : %s", len(ids), resultats)
    return resultats

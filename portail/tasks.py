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
from portail.smtp import transmettre

logger = logging.getLogger(__name__)

# Nombre maximal de lignes relancées par passage du balayage.
LIMITE_BALAYAGE = 500


class ErreurAmbigue(Exception):
    """La transmission SMTP a été interrompue : le serveur a peut-être accepté le message."""


class BailPerdu(Exception):
    """Au point de non-retour, la ligne n'est plus à nous (reprise par un autre envoi) : rien n'est livré."""


def _etat_apres(erreur: Exception) -> str:
    return StatutEmail.SMTP_EN_COURS if getattr(erreur, "point_de_non_retour_franchi", False) else StatutEmail.EN_COURS


def _classer_erreur(email: EmailSortant, erreur: Exception) -> str:
    """Sort d'un courriel après une erreur de transmission : « reessayer » (rien n'a été accepté), « echec »
    (adresse invalide) ou « a_verifier » (coupure après le point de non-retour : le message a pu être accepté,
    le renvoyer risquerait un doublon ; un opérateur décide)."""
    franchi = getattr(erreur, "point_de_non_retour_franchi", False)
    if isinstance(
        erreur, (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException, smtplib.SMTPNotSupportedError)
    ):
        return "reessayer"  # le serveur a répondu par un refus : le message n'a pas été accepté
    if isinstance(erreur, ValueError):
        # Adresse invalide, détectée avant toute transmission.
        _mettre_a_jour(
            email, _etat_apres(erreur), statut=StatutEmail.ECHEC, verrou_jusqu_a=None, derniere_erreur=_decrire(erreur)
        )
        return "echec"
    if not franchi:
        return "reessayer"  # coupure avant la ligne finale : le serveur a abandonné le message
    logger.exception("Transmission du courriel %s interrompue : à vérifier.", email.pk)
    _mettre_a_jour(
        email,
        StatutEmail.SMTP_EN_COURS,
        statut=StatutEmail.A_VERIFIER,
        verrou_jusqu_a=None,
        derniere_erreur=_decrire(ErreurAmbigue(_decrire(erreur))),
    )
    return "a_verifier"


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

    def point_de_non_retour():
        # Enregistré (COMMIT) juste avant la ligne finale du message : avant elle, le serveur n'a rien accepté.
        if not _mettre_a_jour(
            email,
            StatutEmail.EN_COURS,
            statut=StatutEmail.SMTP_EN_COURS,
            sujet=rendu.sujet[:255],
            verrou_jusqu_a=timezone.now() + timedelta(seconds=bail_smtp_secondes()),
        ):
            raise BailPerdu

    try:
        try:
            transmettre(mailer, message, point_de_non_retour)
        except BailPerdu:
            logger.warning("Bail du courriel %s perdu avant l'envoi : abandon de cette tentative.", email.pk)
            return "ignore"
        except Exception as erreur:
            issue = _classer_erreur(email, erreur)
            if issue == "reessayer":
                return _reessayer(self, email, erreur, depuis=_etat_apres(erreur))
            return issue
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
    """Envoi unitaire : comme `_reporter`, puis Celery relance la tâche après l'attente."""
    issue = _reporter(email, erreur, depuis, marge=delai_balayage_secondes())
    if issue == "echec":
        return issue
    raise tache.retry(exc=erreur, countdown=email.delai_nouvel_essai)


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
    """Sessions expirées retirées de la base (`clearsessions`), chaque nuit (CELERY_BEAT_SCHEDULE), et les clés
    notées pour la désactivation des agents (SessionUtilisateur) plus vieilles qu'une session."""
    from django.conf import settings

    from portail.models import SessionUtilisateur

    call_command("clearsessions")
    limite = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    SessionUtilisateur.objects.filter(ouverte_le__lt=limite).delete()


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


def _reporter(email: EmailSortant, erreur: Exception, depuis=StatutEmail.EN_COURS, marge=0) -> str:
    """Erreur réseau ou refus temporaire : la ligne redevient « à envoyer » avec un verrou (attente
    exponentielle, plus `marge`) que le balayage respecte ; refus permanent ou trop d'essais : échec."""
    description = _decrire(erreur)
    if email.tentatives >= MAX_TENTATIVES or _refus_definitif(erreur):
        logger.error("Échec définitif du courriel %s : %s", email.pk, description)
        _mettre_a_jour(email, depuis, statut=StatutEmail.ECHEC, verrou_jusqu_a=None, derniere_erreur=description)
        return "echec"
    email.delai_nouvel_essai = delai = delai_avant_nouvel_essai(email.tentatives)
    logger.warning("Envoi du courriel %s en erreur (%s) ; nouvel essai dans %s s.", email.pk, description, delai)
    _mettre_a_jour(
        email,
        depuis,
        statut=StatutEmail.A_ENVOYER,
        verrou_jusqu_a=timezone.now() + timedelta(seconds=delai + marge),
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

            def point_de_non_retour(email=email, rendu=rendu):
                # Une transaction : l'état « envoyé » du précédent et le point de non-retour de celui-ci, écrits
                # juste avant la ligne finale du message (avant elle, le serveur n'a rien accepté).
                nonlocal envoye
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
                    raise BailPerdu

            try:
                transmettre(mailer, message, point_de_non_retour)
            except BailPerdu:
                logger.warning("Bail du courriel %s perdu avant l'envoi : abandon de cette tentative.", email.pk)
                resultats[email.pk] = "ignore"
                # La connexion a été coupée au milieu du message (abandonné par le serveur) : une nouvelle.
                mailer.close()
                mailer.open()
                continue
            except Exception as erreur:
                issue = _classer_erreur(email, erreur)
                if issue == "reessayer":
                    issue = _reporter(email, erreur, depuis=_etat_apres(erreur))
                resultats[email.pk] = issue
                if isinstance(erreur, (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused, ValueError)):
                    continue  # refus d'un message : la connexion reste utilisable
                # Connexion perdue : les courriels restants attendent le balayage.
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


# --- Analyse antivirus des pièces déposées (portail/antivirus.py) ---------------------------------

# Une pièce restée « en cours d'analyse » plus longtemps que cela est relancée par le balayage.
DELAI_RELANCE_ANALYSE = timedelta(minutes=2)


@shared_task(name="portail.tasks.analyser_piece")
def analyser_piece(label: str, pk: int):
    """Analyse une pièce (`precontentieux.PieceJointeDossier`, `declarations.PieceJointeDeclaration`)."""
    from django.apps import apps

    from portail import antivirus

    piece = apps.get_model(label).objects.filter(pk=pk).first()
    if piece is None or not piece.en_analyse:
        return None
    try:
        return antivirus.analyser_piece(piece)
    except antivirus.AntivirusIndisponible as erreur:
        logger.warning("Antivirus indisponible pour %s %s (%s) ; le balayage reprendra.", label, pk, erreur)
        return None


MODELES_ANALYSES = ("precontentieux.PieceJointeDossier", "declarations.PieceJointeDeclaration")


@shared_task(name="portail.tasks.balayer_analyses")
def balayer_analyses():
    """Relance les analyses restées en attente (worker arrêté, clamd indisponible) ; purge le journal des envois."""
    from django.apps import apps

    from portail import antivirus
    from portail.enums import EtatAnalyse
    from portail.models import Televersement

    limite = timezone.now() - DELAI_RELANCE_ANALYSE
    relances = 0
    for label in MODELES_ANALYSES:
        modele = apps.get_model(label)
        champ_date = "ajoutee_le" if hasattr(modele, "ajoutee_le") else "cree_le"
        ids = modele.objects.filter(etat_analyse=EtatAnalyse.EN_ANALYSE, **{f"{champ_date}__lt": limite})
        for pk in ids.values_list("pk", flat=True)[:LIMITE_BALAYAGE]:
            relances += antivirus.declencher_analyse(label, pk)
    Televersement.objects.filter(recu_le__lt=timezone.now() - timedelta(days=1)).delete()
    return {"relances": relances}

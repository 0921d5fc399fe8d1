"""Boîte d'envoi des courriels (outbox).

Usage, dans la transaction du changement métier :

    from portail.emails import programmer_email
    programmer_email("comptes/verification", utilisateur.email, {"url": url})

La ligne `EmailSortant` est écrite dans la transaction de l'appelant ; la tâche Celery
`portail.tasks.envoyer_email` est déclenchée seulement après le COMMIT. Si le broker (Redis) est
indisponible, l'erreur est journalisée et le balayage périodique rattrapera la ligne.

Gabarits : `templates/emails/<gabarit>/sujet.txt`, `corps.txt` et `corps.html`
(ce dernier étend `emails/_base.html`). Le rendu a lieu au moment de l'envoi.
"""

import json
import logging
from dataclasses import dataclass
from email.utils import parseaddr
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import Context
from django.template.loader import get_template, render_to_string

from portail.enums import StatutEmail
from portail.models import EmailSortant

logger = logging.getLogger(__name__)

# Nombre maximal de tentatives d'envoi avant l'échec définitif.
MAX_TENTATIVES = 8


def reglage(nom, defaut):
    """Réglages de la boîte d'envoi, lus au moment de l'appel (surchargeables dans les tests)."""
    return getattr(settings, nom, defaut)


def bail_secondes():
    """Durée du bail d'un envoi en cours (avant la transmission SMTP)."""
    return reglage("COURRIELS_BAIL_SECONDES", 5 * 60)


def bail_smtp_secondes():
    """Durée au-delà de laquelle une transmission SMTP non conclue est considérée interrompue."""
    return reglage("COURRIELS_BAIL_SMTP_SECONDES", 15 * 60)


def delai_balayage_secondes():
    """Âge minimal d'une ligne « à envoyer » avant que le balayage ne la relance."""
    return reglage("COURRIELS_DELAI_BALAYAGE_SECONDES", 60)


def chemins_gabarit(gabarit):
    base = f"emails/{gabarit}"
    return f"{base}/sujet.txt", f"{base}/corps.txt", f"{base}/corps.html"


def programmer_email(gabarit: str, destinataire: str, contexte: dict | None = None) -> EmailSortant:
    """Écrit un courriel dans la boîte d'envoi et programme son envoi après le COMMIT.

    `contexte` doit être sérialisable en JSON (identifiants, chaînes, URL) : il est stocké tel quel
    et le gabarit est rendu au moment de l'envoi.
    """
    contexte = dict(contexte or {})
    try:
        json.dumps(contexte)
    except (TypeError, ValueError) as erreur:
        raise TypeError(f"Le contexte du courriel « {gabarit} » doit être sérialisable en JSON : {erreur}") from None
    # Un gabarit inexistant est une erreur de programmation : on la signale tout de suite.
    for chemin in chemins_gabarit(gabarit):
        get_template(chemin)
    email = EmailSortant.objects.create(gabarit=gabarit, destinataire=destinataire, contexte=contexte)
    _ajouter_au_lot(email.pk)
    return email


# Nombre maximal de courriels confiés à une même tâche (une connexion SMTP pour tout le lot).
TAILLE_LOT = 50


def _ajouter_au_lot(email_id):
    """Les courriels programmés dans une même transaction partent ensemble après le COMMIT : une tâche
    par lot de TAILLE_LOT (une connexion SMTP) au lieu d'une tâche et d'une connexion par courriel.
    Hors transaction, le rappel s'exécute aussitôt et le courriel part seul."""
    connexion = transaction.get_connection()
    for _, fonction, _ in connexion.run_on_commit:
        lot = getattr(fonction, "lot_courriels", None)
        if lot is not None:
            lot.append(email_id)
            return
    lot = [email_id]

    def declencher():
        declencher_lot(lot)

    declencher.lot_courriels = lot
    transaction.on_commit(declencher)


def declencher_lot(ids) -> int:
    """Confie des courriels à Celery par lots ; renvoie le nombre de courriels confiés. Ne lève jamais."""
    from portail.tasks import envoyer_lot

    ids = list(dict.fromkeys(ids))
    if len(ids) == 1:
        return int(declencher_envoi(ids[0]))
    confies = 0
    for debut in range(0, len(ids), TAILLE_LOT):
        morceau = ids[debut : debut + TAILLE_LOT]
        try:
            envoyer_lot.delay(morceau)
        except Exception:
            logger.exception(
                "Déclenchement de l'envoi des courriels %s impossible ; le balayage le rattrapera.", morceau
            )
            continue
        confies += len(morceau)
    return confies


def declencher_envoi(email_id: int) -> bool:
    """Confie l'envoi à Celery. Ne lève jamais : le balayage rattrape les échecs de déclenchement."""
    from celery.exceptions import Retry

    from portail.tasks import envoyer_email

    try:
        envoyer_email.delay(email_id)
    except Retry:
        # Mode « eager » (dev, tests) : la tentative a échoué et un nouvel essai est programmé.
        logger.warning("Envoi du courriel %s en erreur ; nouvel essai programmé.", email_id)
    except Exception:
        logger.exception("Déclenchement de l'envoi du courriel %s impossible ; le balayage le rattrapera.", email_id)
        return False
    return True


@dataclass
class CourrielRendu:
    sujet: str
    texte: str
    html: str


def rendre_texte(chemin, contexte):
    """Rend un gabarit texte sans échappement HTML (sinon « & » deviendrait « &amp; »)."""
    return get_template(chemin).template.render(Context(contexte, autoescape=False))


def rendre(email: EmailSortant) -> CourrielRendu:
    """Rend le sujet, le texte et le HTML d'un courriel à partir de ses gabarits."""
    chemin_sujet, chemin_texte, chemin_html = chemins_gabarit(email.gabarit)
    contexte = {
        **email.contexte,
        "destinataire": email.destinataire,
        "url_portail": settings.URL_PORTAIL,
    }
    sujet = " ".join(rendre_texte(chemin_sujet, contexte).split())
    texte = rendre_texte(chemin_texte, contexte)
    html = render_to_string(chemin_html, {**contexte, "sujet": sujet})
    return CourrielRendu(sujet=sujet, texte=texte, html=html)


def domaine_expediteur():
    adresse = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return adresse.rpartition("@")[2] or "indemnisation.justice.gouv.fr"


def message_id(email: EmailSortant) -> str:
    """Message-ID stable dérivé de l'uuid de la ligne : un éventuel doublon serait reconnaissable."""
    return f"<{email.uuid}@{domaine_expediteur()}>"


def construire_message(email: EmailSortant, rendu: CourrielRendu) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=rendu.sujet,
        body=rendu.texte,
        to=[email.destinataire],
        headers={"Message-ID": message_id(email), "Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(rendu.html, "text/html")
    return message


STATUTS_RENVOYABLES = (StatutEmail.A_VERIFIER, StatutEmail.ECHEC)


def renvoyer(queryset, par=None) -> int:
    """Remet en file les courriels « à vérifier » ou « en échec » choisis par un opérateur.

    Pour un courriel « à vérifier », l'opérateur accepte le risque d'un doublon (le message
    garde le même Message-ID). Renvoie le nombre de courriels remis en file.
    """
    with transaction.atomic():
        ids = list(queryset.filter(statut__in=STATUTS_RENVOYABLES).values_list("pk", flat=True))
        EmailSortant.objects.filter(pk__in=ids).update(
            statut=StatutEmail.A_ENVOYER, tentatives=0, verrou_jusqu_a=None, envoye_le=None
        )
        for pk in ids:
            transaction.on_commit(partial(declencher_envoi, pk))
    logger.info("Renvoi de %s courriel(s) demandé par %s.", len(ids), par)
    return len(ids)

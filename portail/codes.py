"""Codes à usage unique envoyés par courriel : la preuve qu'une personne lit une adresse électronique.

Un seul mécanisme pour tout le portail (docs/securite.md) :
- rattacher une demande reçue par invitation quand l'adresse du compte diffère de l'adresse invitée
  (usagers/invitations.py) ;
- faire d'une autre adresse l'adresse de contact d'un compte FranceConnect (usagers/contact.py).

Règles : 6 chiffres tirés par `secrets`, valables DUREE_VALIDITE, ESSAIS_MAX essais par code (un essai faux est
compté même s'il arrive en même temps qu'un autre : UPDATE sous verrou), comparaison en temps constant d'empreintes
HMAC (jamais le code en clair en base), un code par (compte, objet, cible) : en demander un autre annule le
précédent ; un code utilisé ne sert plus. Envois limités par compte et par adresse (`LIMITES_DE_DEBIT["code"]`).
"""

import datetime
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from portail.limiteurs import DebitDepasse, consommer
from portail.models import CodeVerification, ObjetCode

DUREE_VALIDITE = datetime.timedelta(minutes=15)
ESSAIS_MAX = 5
CHIFFRES = 6

# Raisons d'échec de `verifier_code`.
AUCUN = "aucun"
EXPIRE = "expire"
EPUISE = "epuise"
FAUX = "faux"

MESSAGES = {
    AUCUN: "Aucun code n’est en attente : demandez un nouveau code.",
    EXPIRE: "Ce code a expiré : demandez un nouveau code, il vous sera envoyé aussitôt.",
    EPUISE: "Trop d’essais avec ce code : par sécurité il n’est plus valable. Demandez un nouveau code.",
    FAUX: "Ce code n’est pas le bon. Vérifiez les 6 chiffres reçus par courriel et réessayez.",
}
MESSAGE_TROP_DE_CODES = (
    "Vous avez demandé beaucoup de codes en peu de temps : par sécurité, l’envoi est suspendu. Réessayez dans une "
    "heure ; le dernier code reçu reste valable jusqu’à son expiration."
)

LIBELLES_OBJET = {
    ObjetCode.INVITATION: "rattacher une demande d’indemnisation à votre compte",
    ObjetCode.CONTACT: "utiliser cette adresse comme adresse de contact de votre compte",
}


@dataclass(frozen=True)
class Verification:
    reussie: bool
    raison: str = ""
    code: CodeVerification | None = None

    @property
    def message(self):
        return MESSAGES.get(self.raison, "")


def _empreinte(sel, code):
    return salted_hmac("portail.codes", f"{sel}:{code}", algorithm="sha256").hexdigest()


def envoyer_code(utilisateur, objet, adresse, *, cible=""):
    """Crée un code pour (utilisateur, objet, cible), annule le précédent, et met le courriel dans la boîte
    d'envoi vers `adresse` (l'adresse à prouver). Lève DebitDepasse au-delà de la limite d'envoi."""
    from portail.emails import programmer_email

    adresse = str(adresse).strip()
    if not consommer(None, "code", user=utilisateur) or not consommer(None, "code_adresse", key=adresse.lower()):
        raise DebitDepasse(MESSAGE_TROP_DE_CODES)
    code = "".join(secrets.choice("0123456789") for _ in range(CHIFFRES))
    sel = secrets.token_hex(16)
    maintenant = timezone.now()
    with transaction.atomic():
        _ouverts(utilisateur, objet, cible).update(expire_le=maintenant)
        ligne = CodeVerification.objects.create(
            utilisateur=utilisateur,
            objet=objet,
            cible=str(cible),
            adresse=adresse,
            sel=sel,
            empreinte=_empreinte(sel, code),
            cree_le=maintenant,
            expire_le=maintenant + DUREE_VALIDITE,
        )
        programmer_email(
            "code_verification",
            adresse,
            {
                "code": code,
                "objet": LIBELLES_OBJET[ObjetCode(objet)],
                "duree_minutes": int(DUREE_VALIDITE.total_seconds() // 60),
            },
        )
    return ligne


def _ouverts(utilisateur, objet, cible):
    return CodeVerification.objects.filter(
        utilisateur=utilisateur, objet=objet, cible=str(cible), utilise_le__isnull=True, expire_le__gt=timezone.now()
    )


def code_en_attente(utilisateur, objet, *, cible=""):
    """Le code en attente (non utilisé, non expiré) pour (utilisateur, objet, cible), ou None."""
    return _ouverts(utilisateur, objet, cible).first()


def verifier_code(utilisateur, objet, saisie, *, cible=""):
    """Vérifie `saisie` contre le dernier code de (utilisateur, objet, cible). Chaque essai compte ; un code juste
    est consommé (il ne resservira pas). Renvoie une `Verification`."""
    saisie = "".join(str(saisie or "").split())
    with transaction.atomic():
        ligne = (
            CodeVerification.objects.select_for_update()
            .filter(utilisateur=utilisateur, objet=objet, cible=str(cible), utilise_le__isnull=True)
            .order_by("-cree_le", "-id")
            .first()
        )
        if ligne is None:
            return Verification(False, AUCUN)
        maintenant = timezone.now()
        if ligne.expire_le <= maintenant:
            return Verification(False, EXPIRE, ligne)
        if ligne.essais >= ESSAIS_MAX:
            return Verification(False, EPUISE, ligne)
        CodeVerification.objects.filter(pk=ligne.pk).update(essais=ligne.essais + 1)
        # Seuls 6 chiffres ASCII sont comparés ; la comparaison des empreintes est en temps constant.
        juste = (
            len(saisie) == CHIFFRES
            and saisie.isascii()
            and saisie.isdigit()
            and constant_time_compare(_empreinte(ligne.sel, saisie), ligne.empreinte)
        )
        if not juste:
            return Verification(False, EPUISE if ligne.essais + 1 >= ESSAIS_MAX else FAUX, ligne)
        CodeVerification.objects.filter(pk=ligne.pk).update(utilise_le=maintenant)
        ligne.refresh_from_db()
    return Verification(True, "", ligne)


def adresse_verifiee_par_code(utilisateur, adresse, objet=None):
    """Vrai si `utilisateur` a saisi un code juste envoyé à `adresse` (pour `objet` si donné)."""
    if utilisateur is None or not getattr(utilisateur, "pk", None) or not adresse:
        return False
    lignes = CodeVerification.objects.filter(
        utilisateur=utilisateur, adresse__iexact=str(adresse).strip(), utilise_le__isnull=False
    )
    if objet is not None:
        lignes = lignes.filter(objet=objet)
    return lignes.exists()


# --- Formulaire de saisie (une seule classe pour toutes les pages de code) -----------------------------------

from django import forms  # noqa: E402

from portail.formulaires import FormulaireDsfr  # noqa: E402


class SaisieCodeForm(FormulaireDsfr):
    code = forms.CharField(
        label="Code reçu par courriel",
        help_text="6 chiffres, par exemple 123456",
        max_length=12,
        error_messages={"required": "Saisissez le code à 6 chiffres reçu par courriel."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}),
    )

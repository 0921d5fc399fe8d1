"""Rattachement d'un dossier au compte de l'usager grâce au lien d'invitation.

Parcours : la page du lien (`usagers:invitation`) range le jeton en session par un POST, l'usager
se connecte (FranceConnect) ou crée son compte par courriel puis se connecte ; à la connexion
(signal `user_logged_in`, voir `usagers/signals.py`), `rattacher_invitation_en_attente` rattache le
dossier, consomme l'invitation, et `usagers:accueil` l'emmène sur sa demande.

Règles : seul un compte usager consomme une invitation ; une invitation sert une fois, avant son
expiration ; un dossier déjà rattaché à quelqu'un d'autre ne l'est jamais à nouveau. Quand l'adresse invitée
n'est pas une adresse prouvée du compte (portail/adresses.est_prouvee), un code à usage unique est envoyé à
l'adresse invitée (portail/codes.py) et doit être saisi avant le rattachement (`usagers:invitation_code`).
"""

from dataclasses import dataclass

from django.contrib import messages
from django.db import transaction
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString

from portail.adresses import est_prouvee
from portail.codes import envoyer_code
from portail.limiteurs import DebitDepasse, consommer
from portail.models import ObjetCode
from precontentieux.models import Dossier, Invitation, TransitionInterdite, empreinte_jeton

# Clé de session où l'invitation attend la connexion de l'usager.
CLE_SESSION_INVITATION = "invitation_jeton"
# Référence du dossier tout juste rattaché : `usagers:accueil` y conduit l'usager une fois.
CLE_SESSION_DOSSIER_RATTACHE = "invitation_dossier_rattache"
# Jeton de l'invitation en attente du code envoyé à l'adresse invitée (page `usagers:invitation_code`).
CLE_SESSION_CODE_INVITATION = "invitation_code_jeton"
# Posée à la connexion quand un code vient d'être envoyé : `usagers:accueil` conduit une fois à la page du code.
CLE_SESSION_CODE_A_MONTRER = "invitation_code_a_montrer"

# Raisons d'échec (affichées par `message_echec`).
INCONNUE = "inconnue"
EXPIREE = "expiree"
UTILISEE = "utilisee"
PAS_USAGER = "pas_usager"
DEJA_RATTACHE = "deja_rattache"
CODE_REQUIS = "code_requis"


def _message_expiree():
    # La page « nouveau lien » (usagers/nouveau_lien.py) envoie un lien neuf à l'adresse invitée, sans rien révéler.
    return format_html(
        'Votre lien d’invitation a expiré. <a href="{}">Demandez un nouveau lien</a> en indiquant l’adresse '
        "électronique à laquelle vous l’avez reçu : il vous sera envoyé aussitôt.",
        reverse("usagers:nouveau_lien"),
    )


MESSAGES_ECHEC = {
    INCONNUE: "Ce lien d’invitation n’est pas valable. Vérifiez que vous avez copié le lien en entier.",
    EXPIREE: lazy(_message_expiree, SafeString)(),
    UTILISEE: (
        "Ce lien d’invitation a déjà été utilisé. Connectez-vous avec le compte qui l’a utilisé pour "
        "retrouver la demande."
    ),
    PAS_USAGER: (
        "Le lien d’invitation n’a pas été utilisé : il est destiné à la personne dont la porte a été "
        "endommagée, pas à un compte agent."
    ),
    DEJA_RATTACHE: (
        "Cette demande est déjà rattachée à un autre compte. Connectez-vous avec ce compte pour la retrouver."
    ),
    CODE_REQUIS: (
        "L’adresse de votre compte n’est pas celle à laquelle l’invitation a été envoyée : saisissez le code "
        "envoyé à l’adresse invitée pour rattacher la demande."
    ),
}


@dataclass(frozen=True)
class Rattachement:
    dossier: Dossier | None = None
    raison: str = ""
    invitation: Invitation | None = None

    @property
    def reussi(self):
        return self.dossier is not None


def tentative_autorisee(request):
    """Compte une tentative sur un lien d'invitation (jetons inconnus compris, par adresse IP du client) ;
    faux au-delà de la limite `LIMITES_DE_DEBIT["invitation"]` (réponse 429)."""
    return consommer(request, "invitation")


def etat_invitation(invitation):
    if invitation is None:
        return INCONNUE
    if invitation.est_utilisee:
        return UTILISEE
    if invitation.est_expiree:
        return EXPIREE
    return ""


def masquer_adresse(adresse):
    """« vincent.dupont@exemple.fr » → « v***@exemple.fr » : montré avant le rattachement, sans dévoiler l'adresse."""
    local, _, domaine = str(adresse or "").partition("@")
    if not local or not domaine:
        return ""
    return f"{local[0]}***@{domaine}"


def rattacher(jeton, user, *, code_verifie=False):
    """Consomme l'invitation `jeton` pour `user` et lui rattache le dossier. Renvoie un `Rattachement`.

    Sans `code_verifie`, l'adresse invitée doit être une adresse prouvée du compte ; sinon rien ne change et la
    raison est CODE_REQUIS (l'appelant envoie le code : `demander_code`)."""
    if not (user.is_authenticated and user.is_active and user.est_usager):
        return Rattachement(raison=PAS_USAGER)
    with transaction.atomic():
        # Verrou : deux connexions simultanées avec le même lien ne le consomment qu'une fois.
        invitation = Invitation.objects.select_for_update().filter(empreinte=empreinte_jeton(str(jeton))).first()
        raison = etat_invitation(invitation)
        if raison:
            return Rattachement(raison=raison)
        dossier = Dossier.objects.get(pk=invitation.dossier_id)
        if dossier.requerant_id is not None and dossier.requerant_id != user.pk:
            return Rattachement(raison=DEJA_RATTACHE)
        if not code_verifie and not est_prouvee(user, invitation.courriel):
            return Rattachement(raison=CODE_REQUIS, invitation=invitation)
        try:
            dossier.rattacher(user, invitation)
        except TransitionInterdite:  # dossier clos entre-temps
            return Rattachement(raison=INCONNUE)
        # Les coordonnées données par l'agent (nom, téléphone…) ne sont jamais recopiées dans le compte.
    return Rattachement(dossier=dossier)


def message_echec(raison):
    return MESSAGES_ECHEC.get(raison, MESSAGES_ECHEC[INCONNUE])


def demander_code(request, user, invitation, jeton):
    """Envoie un code à l'adresse invitée et garde le jeton en session pour la page du code. Faux si la limite
    d'envoi est atteinte (le code précédent reste valable)."""
    request.session[CLE_SESSION_CODE_INVITATION] = jeton
    try:
        envoyer_code(user, ObjetCode.INVITATION, invitation.courriel, cible=invitation.pk)
    except DebitDepasse as refus:
        messages.warning(request, str(refus), fail_silently=True)
        return False
    return True


def rattacher_invitation_en_attente(request, user):
    """À la connexion : utilise le jeton rangé en session, s'il y en a un. Renvoie un `Rattachement` ou None."""
    session = getattr(request, "session", None)
    if session is None:
        return None
    jeton = session.pop(CLE_SESSION_INVITATION, None)
    if not jeton:
        return None
    resultat = rattacher(jeton, user)
    if resultat.raison == CODE_REQUIS:
        # `usagers:accueil` conduit à la page du code (l'utilisateur vient de se connecter).
        demander_code(request, user, resultat.invitation, jeton)
        session[CLE_SESSION_CODE_A_MONTRER] = True
        return resultat
    if resultat.reussi:
        session[CLE_SESSION_DOSSIER_RATTACHE] = resultat.dossier.reference
        messages.success(
            request,
            f"Votre demande n° {resultat.dossier.reference} est maintenant rattachée à votre compte.",
            fail_silently=True,
        )
    else:
        messages.warning(request, message_echec(resultat.raison), fail_silently=True)
    return resultat

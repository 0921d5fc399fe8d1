"""Transmission SMTP avec un point de non-retour placé juste avant le point final du message.

Un serveur SMTP n'accepte un message qu'à la réception de la ligne « . » qui termine la commande DATA : une
connexion coupée avant elle (processus tué, réseau perdu) ne livre rien. Enregistrer « transmission en
cours » (le point de non-retour, voir docs/courriels.md) juste avant cette ligne plutôt qu'avant MAIL FROM
réduit l'incertitude à la seule attente de la réponse du serveur : un processus tué pendant l'envoi du corps
laisse un courriel qui sera renvoyé (rien n'a été livré), pas un courriel « à vérifier ».

`EmailBackend` est le moteur SMTP de Django dont la connexion appelle `point_de_non_retour()` (s'il est posé)
entre le corps et la ligne finale. Si l'appel lève une exception, la connexion est coupée sans envoyer la
ligne finale : le serveur abandonne le message.
"""

import smtplib

from django.core.mail.backends.smtp import EmailBackend as EmailBackendDjango

_FIN_DE_LIGNE = b"\r\n"


class PointDeNonRetourMixin:
    point_de_non_retour = None

    def data(self, msg):
        rappel = self.point_de_non_retour
        if rappel is None:
            return super().data(msg)
        self.putcmd("data")
        code, reponse = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reponse)
        if isinstance(msg, str):
            msg = smtplib._fix_eols(msg).encode("ascii")
        corps = smtplib._quote_periods(msg)
        if corps[-2:] != _FIN_DE_LIGNE:
            corps += _FIN_DE_LIGNE
        self.send(corps)
        try:
            rappel()
        except BaseException:
            # Pas de ligne finale : le serveur abandonne le message quand la connexion se ferme.
            self.close()
            raise
        self.send(b"." + _FIN_DE_LIGNE)
        return self.getreply()


class ConnexionSMTP(PointDeNonRetourMixin, smtplib.SMTP):
    pass


class ConnexionSMTPSSL(PointDeNonRetourMixin, smtplib.SMTP_SSL):
    pass


class EmailBackend(EmailBackendDjango):
    @property
    def connection_class(self):
        return ConnexionSMTPSSL if self.use_ssl else ConnexionSMTP


def transmettre(mailer, message, point_de_non_retour):
    """Envoie `message` ; `point_de_non_retour()` est appelé une fois, au dernier moment où le serveur n'a
    encore rien accepté (avant l'envoi pour un moteur sans connexion SMTP : mémoire, fichier). Renvoie vrai
    si le point de non-retour a été franchi (une erreur ensuite est ambiguë : le message a pu être accepté)."""
    franchi = False

    def rappel():
        nonlocal franchi
        point_de_non_retour()
        franchi = True

    connexion = getattr(mailer, "connection", None)
    en_deux_temps = isinstance(connexion, PointDeNonRetourMixin)
    try:
        if en_deux_temps:
            connexion.point_de_non_retour = rappel
        else:
            rappel()
        mailer.send_messages([message])
    except Exception as erreur:
        erreur.point_de_non_retour_franchi = franchi
        raise
    finally:
        if en_deux_temps:
            connexion.point_de_non_retour = None
    return franchi

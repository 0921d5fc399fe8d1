"""Authentification par adresse électronique et mot de passe, réservée aux comptes usagers.

allauth cherche par défaut les comptes par `EmailAddress` *et* par `Utilisateur.email`. Or
`Utilisateur.email` n'est pas unique : un agent ProConnect ou un usager FranceConnect peut porter la
même adresse qu'un compte par courriel. On ne retient donc que les comptes par courriel, c'est-à-dire
les usagers qui possèdent une ligne `EmailAddress` pour cette adresse.
"""

from allauth.account.auth_backends import AuthenticationBackend

from portail.comptes.utils import comptes_par_courriel


class AuthentificationParCourriel(AuthenticationBackend):
    def _authenticate_by_email(self, email, password):
        if not email:
            return None
        for user in comptes_par_courriel(email):
            if self._check_password(user, password):
                return user
        return None

    def _authenticate_by_username(self, username, password):
        # Pas de connexion par identifiant ici (l'administration Django passe par ModelBackend).
        return None

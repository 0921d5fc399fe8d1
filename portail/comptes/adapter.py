from allauth.account.adapter import DefaultAccountAdapter


class AdaptateurCompte(DefaultAccountAdapter):
    def populate_username(self, request, user):
        user.identifiant = user.email.lower()

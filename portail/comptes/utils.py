from allauth.account.models import EmailAddress

from portail.enums import TypeUtilisateur


def comptes_par_courriel(email):
    """Comptes usagers « par courriel » rattachés à cette adresse (vérifiés d'abord).

    Seule la table `EmailAddress` d'allauth fait foi : une adresse portée par un agent ou par un
    usager FranceConnect dans `Utilisateur.email` ne donne jamais accès à ce compte-là.
    """
    adresses = list(
        EmailAddress.objects.filter(email=email.strip().lower(), user__type=TypeUtilisateur.USAGER).select_related(
            "user"
        )
    )
    verifiees = [a for a in adresses if a.verified]
    return list(dict.fromkeys(a.user for a in (verifiees or adresses)))


def adresse_deja_prise(email):
    """Vrai si un compte par courriel (ou un identifiant) utilise déjà cette adresse."""
    from portail.models import Utilisateur

    email = email.strip().lower()
    return EmailAddress.objects.filter(email=email).exists() or Utilisateur.objects.filter(identifiant=email).exists()

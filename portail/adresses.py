"""Adresses électroniques « prouvées » : les seules vers lesquelles partent les courriels automatiques.

Un courriel officiel (accusé de réception, demande de compléments, clôture…) ne part jamais vers une
adresse simplement tapée dans un formulaire : sinon n'importe qui ferait envoyer par l'adresse
« ne-pas-répondre » du ministère un message de son choix à n'importe qui. Une adresse est prouvée quand :

- elle est celle que le fournisseur d'identité (FranceConnect, ProConnect) a transmise pour ce compte ;
- ou c'est une adresse du compte vérifiée par django-allauth (lien de confirmation reçu et ouvert) ;

Les courriels liés au compte lui-même (vérification de l'adresse, mot de passe oublié) et l'invitation
envoyée par un agent (adresse donnée par les forces de l'ordre, débit limité par agent) sont à part.
"""

from allauth.account.models import EmailAddress


def _normaliser(adresse):
    return str(adresse or "").strip().lower()


def adresse_prouvee(utilisateur) -> str:
    """L'adresse du compte si elle est prouvée, sinon une chaîne vide (aucun courriel automatique)."""
    if utilisateur is None or not getattr(utilisateur, "pk", None) or not utilisateur.email:
        return ""
    adresse = _normaliser(utilisateur.email)
    for identite in utilisateur.identites_oidc.all():
        if _normaliser((identite.claims or {}).get("email")) == adresse:
            return utilisateur.email
    if EmailAddress.objects.filter(user=utilisateur, email__iexact=adresse, verified=True).exists():
        return utilisateur.email
    return ""

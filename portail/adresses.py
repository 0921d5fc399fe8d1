"""Adresses électroniques « prouvées » : les seules vers lesquelles partent les courriels automatiques.

Un courriel officiel (accusé de réception, demande de compléments, clôture…) ne part jamais vers une
adresse simplement tapée dans un formulaire : sinon n'importe qui ferait envoyer par l'adresse
« ne-pas-répondre » du ministère un message de son choix à n'importe qui. Une adresse est prouvée quand :

- elle est celle que le fournisseur d'identité (FranceConnect, ProConnect) a transmise pour ce compte ;
- ou c'est une adresse du compte vérifiée par django-allauth (lien de confirmation reçu et ouvert) ;
- ou la personne connectée a saisi un code à usage unique envoyé à cette adresse (portail/codes.py).

Un compte peut avoir une adresse de contact (`Utilisateur.courriel_contact`) autre que l'adresse de son compte
(celle de FranceConnect, par exemple) : une fois prouvée par un code, c'est elle qui reçoit les courriels.

Les courriels liés au compte lui-même (vérification de l'adresse, mot de passe oublié) et l'invitation
envoyée par un agent (adresse donnée par les forces de l'ordre, débit limité par agent) sont à part.
"""

from allauth.account.models import EmailAddress


def _normaliser(adresse):
    return str(adresse or "").strip().lower()


def est_prouvee(utilisateur, adresse) -> bool:
    """Vrai si `adresse` est prouvée pour ce compte (fournisseur d'identité, allauth ou code à usage unique)."""
    from portail.codes import adresse_verifiee_par_code

    adresse = _normaliser(adresse)
    if utilisateur is None or not getattr(utilisateur, "pk", None) or not adresse:
        return False
    for identite in utilisateur.identites_oidc.all():
        if _normaliser((identite.claims or {}).get("email")) == adresse:
            return True
    if EmailAddress.objects.filter(user=utilisateur, email__iexact=adresse, verified=True).exists():
        return True
    return adresse_verifiee_par_code(utilisateur, adresse)


def adresse_prouvee(utilisateur) -> str:
    """L'adresse où écrire à ce compte : son adresse de contact si elle est prouvée, sinon l'adresse du compte si
    elle est prouvée, sinon une chaîne vide (aucun courriel automatique)."""
    if utilisateur is None or not getattr(utilisateur, "pk", None):
        return ""
    contact = getattr(utilisateur, "courriel_contact", "")
    if contact and est_prouvee(utilisateur, contact):
        return contact
    if utilisateur.email and est_prouvee(utilisateur, utilisateur.email):
        return utilisateur.email
    return ""

"""Comptes de démonstration des agents du ministère de la Justice, rattachés aux personas du fournisseur local.

Les rôles MJ sont accordés par un gestionnaire ; pour que les personas « attributeur », « rédacteur »… du
fournisseur OIDC local arrivent directement dans leur espace, on crée leurs comptes à l'avance, liés sur
(proconnect, sub), avec leurs rôles. Idempotent.
"""

from django.contrib.auth.models import Group

from outils.oidc_local.personas import PERSONAS, SIRET_MJ
from portail.enums import Fournisseur, TypeUtilisateur
from portail.models import Administration, IdentiteOIDC, Utilisateur


def semer_agents_demo():
    """Crée ou met à jour les agents MJ de démonstration. Renvoie la liste des actions, en français."""
    actions = []
    administration = Administration.objects.get(siret=SIRET_MJ)
    for persona in PERSONAS["proconnect"]:
        claims = persona["claims"]
        if claims["siret"] != SIRET_MJ or not persona["roles"]:
            continue
        identite = (
            IdentiteOIDC.objects.select_related("utilisateur")
            .filter(fournisseur=Fournisseur.PROCONNECT, sub=claims["sub"])
            .first()
        )
        if identite is None:
            utilisateur, cree = Utilisateur.objects.get_or_create(
                identifiant=f"{Fournisseur.PROCONNECT}:{claims['sub']}",
                defaults={
                    "type": TypeUtilisateur.AGENT,
                    "email": claims["email"],
                    "prenom": claims["given_name"],
                    "nom": claims["usual_name"],
                    "administration": administration,
                },
            )
            if cree:
                utilisateur.set_unusable_password()
                utilisateur.save(update_fields=["password"])
                actions.append(f"Agent créé : {utilisateur.nom_complet} ({persona['cle']})")
            IdentiteOIDC.objects.create(
                utilisateur=utilisateur, fournisseur=Fournisseur.PROCONNECT, sub=claims["sub"], claims=claims
            )
            actions.append(f"Identité ProConnect rattachée : {persona['cle']}")
        else:
            utilisateur = identite.utilisateur
        manquants = set(persona["roles"]) - set(utilisateur.groups.values_list("name", flat=True))
        for role in sorted(manquants):
            utilisateur.groups.add(Group.objects.get_or_create(name=role)[0])
            actions.append(f"Rôle « {role} » accordé à {persona['cle']}")
    return actions


def semer():
    """Point d'entrée de `semer_demo` pour cette application."""
    return semer_agents_demo()

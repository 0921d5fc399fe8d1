"""Outils des tests du back-office : les agents de chaque rôle, un dossier déposé (issu d'une déclaration, avec
sentinelles confidentielles), le parcours des URL de l'espace `precontentieux`, la photographie de la base."""

import itertools

from portail.enums import Role
from precontentieux.models import Dossier, EvenementDossier, PieceJointeDossier
from tests.fabriques import UtilisateurFactory, completer, dossier_declare

ROLES_JUSTICE = (Role.ATTRIBUTEUR, Role.REDACTEUR, Role.VALIDATEUR, Role.LIAISON_BUDGET, Role.GESTIONNAIRE)


def agent_justice(*roles, **champs):
    return UtilisateurFactory(agent_mj=True, roles=list(roles), **champs)


def agents():
    """Un agent par rôle de la Justice (et un second rédacteur)."""
    return {
        "attributeur": agent_justice(Role.ATTRIBUTEUR, prenom="Alice", nom="Attrib"),
        "redacteur": agent_justice(Role.REDACTEUR, prenom="Rémi", nom="Redac", email="remi.redac@justice.gouv.fr"),
        "redacteur2": agent_justice(Role.REDACTEUR, prenom="Rose", nom="Second", email="rose.second@justice.gouv.fr"),
        "validateur": agent_justice(Role.VALIDATEUR, prenom="Val", nom="Idateur"),
        "liaison_budget": agent_justice(Role.LIAISON_BUDGET, prenom="Léa", nom="Budget"),
        "gestionnaire": agent_justice(Role.GESTIONNAIRE, prenom="Gaël", nom="Gestion"),
    }


def dossier_depose(usager=None, **champs):
    """Dossier réel : déclaration envoyée (sentinelles dans l'étape 2), demande complète, déposée par l'usager."""
    # Adresse vérifiée : les courriels automatiques (accusé de réception, compléments) peuvent y partir.
    usager = usager or UtilisateurFactory(adresse_verifiee=True)
    dossier = completer(dossier_declare(requerant=usager), **champs)
    dossier.deposer(usager)
    return dossier


def dossier_en_instruction(agents_, usager=None):
    dossier = dossier_depose(usager)
    dossier.attribuer(agents_["attributeur"], agents_["redacteur"])
    dossier.demarrer_instruction(agents_["redacteur"])
    return dossier


# --- Parcours de toutes les adresses du back-office ------------------------------------------------------------

VALEURS_TEXTE = ("demarrer_instruction", "cloturer", "recevoir_complements", "attribuer", "inconnue")


def motifs_backoffice():
    from django.urls import URLPattern, URLResolver, get_resolver

    def parcourir(motifs):
        for motif in motifs:
            if isinstance(motif, URLResolver):
                yield from parcourir(motif.url_patterns)
            elif isinstance(motif, URLPattern) and motif.name:
                yield motif

    (espace,) = [m for m in get_resolver().url_patterns if getattr(m, "namespace", None) == "precontentieux"]
    return list(parcourir(espace.url_patterns))


def urls_backoffice(dossier, identifiants=()):
    """[(nom, url)] : chaque adresse de l'espace `precontentieux`, paramètres remplis pour viser `dossier`."""
    from django.urls import NoReverseMatch, reverse
    from django.urls.converters import IntConverter

    urls = []
    for motif in motifs_backoffice():
        convertisseurs = getattr(motif.pattern, "converters", {}) or {}
        noms = list(convertisseurs)
        choix = []
        for nom in noms:
            if nom == "reference":
                choix.append([dossier.reference])
            elif isinstance(convertisseurs[nom], IntConverter):
                choix.append(sorted({dossier.pk, *identifiants}))
            else:
                choix.append(list(VALEURS_TEXTE))
        for valeurs in itertools.product(*choix):
            try:
                urls.append(
                    (motif.name, reverse(f"precontentieux:{motif.name}", kwargs=dict(zip(noms, valeurs, strict=True))))
                )
            except NoReverseMatch:
                continue
    return urls


def photographie_base():
    """État des tables qu'une requête du back-office pourrait modifier (les consultations comptent à part)."""
    from portail.models import EmailSortant, Evenement, SessionUtilisateur, Utilisateur
    from precontentieux.courriers import Courrier
    from precontentieux.instruction import MessageDossier, NoteDossier

    def lignes(modele, **filtre):
        return sorted(repr(sorted(ligne.items())) for ligne in modele.objects.filter(**filtre).values())

    return {
        "dossiers": lignes(Dossier),
        "pieces": lignes(PieceJointeDossier),
        "evenements": lignes(EvenementDossier),
        "notes": lignes(NoteDossier),
        "messages": lignes(MessageDossier),
        "courriers": lignes(Courrier),
        "emails": EmailSortant.objects.count(),
        # Gestion des agents : comptes (hors date de dernière connexion), rôles, journal, sessions ouvertes.
        "utilisateurs": sorted(
            repr(sorted((cle, valeur) for cle, valeur in ligne.items() if cle != "last_login"))
            for ligne in Utilisateur.objects.values()
        ),
        "roles": sorted(Utilisateur.groups.through.objects.values_list("utilisateur_id", "group_id")),
        "evenements_portail": Evenement.objects.count(),
        "sessions": SessionUtilisateur.objects.count(),
    }

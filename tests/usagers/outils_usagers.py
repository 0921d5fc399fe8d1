"""Outils partagés par les tests de l'espace usager (invitation, suivi, sécurité)."""

import re
from urllib.parse import urlsplit

from portail.models import EmailSortant
from precontentieux.models import Dossier, Invitation
from tests.fabriques import declarer, dossier_invite  # noqa: F401 (réexportés)


def chemin_invitation(declaration):
    """Chemin du lien d'invitation tel qu'envoyé par courriel à l'usager."""
    sortant = EmailSortant.objects.filter(gabarit="invitation_usager").latest("pk")
    return urlsplit(sortant.contexte["url_invitation"]).path


def texte(reponse):
    return reponse.content.decode()


def liens(courriel):
    return re.findall(r"https?://\S+", courriel.body)


# --- Parcours de toutes les adresses de l'espace usager -------------------------------------------

# Paramètres d'URL sans lien avec un dossier : ces pages ne sont pas des pages « d'un dossier ».
PARAMETRES_HORS_DOSSIER = {"jeton", "cle"}
# Valeurs essayées pour un paramètre texte autre que la référence (étapes d'assistant, etc.).
VALEURS_TEXTE = ("le-bris-de-porte", "vos-informations", "pieces-justificatives", "recapitulatif", "inconnue")


def motifs_usagers():
    """Tous les motifs d'URL de l'espace usager (espace de noms `usagers`), inclusions comprises."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def parcourir(motifs, prefixe=""):
        for motif in motifs:
            if isinstance(motif, URLResolver):
                yield from parcourir(motif.url_patterns, prefixe + str(motif.pattern))
            elif isinstance(motif, URLPattern) and motif.name:
                yield motif, prefixe + str(motif.pattern)

    (usagers,) = [m for m in get_resolver().url_patterns if getattr(m, "namespace", None) == "usagers"]
    return list(parcourir(usagers.url_patterns))


def noms_de_parametres(motif):
    return list(getattr(motif.pattern, "converters", {}) or {})


def valeurs_possibles(nom, convertisseur, dossier, identifiants):
    """Valeurs à essayer pour un paramètre, pour viser `dossier` (par référence et par identifiants)."""
    from django.urls.converters import IntConverter

    if nom == "reference":
        return [dossier.reference, str(dossier.pk)]
    if isinstance(convertisseur, IntConverter) or nom in {"pk", "id"} or nom.endswith(("_pk", "_id")):
        return sorted({dossier.pk, *identifiants})
    return list(VALEURS_TEXTE)


def urls_du_dossier(dossier, identifiants=(), par_identifiant=True):
    """Toutes les URL de l'espace usager qui visent `dossier` : [(nom, url)], chaque combinaison de valeurs.

    `identifiants` : autres identifiants numériques du dossier (pièces, brouillons…) à essayer ;
    `par_identifiant` : essayer aussi l'identifiant numérique du dossier à la place de sa référence.
    """
    import itertools

    from django.urls import NoReverseMatch, reverse

    urls = []
    for motif, _ in motifs_usagers():
        convertisseurs = getattr(motif.pattern, "converters", {}) or {}
        noms = noms_de_parametres(motif)
        if not noms or set(noms) & PARAMETRES_HORS_DOSSIER:
            continue
        choix = [valeurs_possibles(n, convertisseurs[n], dossier, identifiants) for n in noms]
        if not par_identifiant:
            choix = [[dossier.reference] if n == "reference" else v for n, v in zip(noms, choix, strict=True)]
        for valeurs in itertools.product(*choix):
            try:
                url = reverse(f"usagers:{motif.name}", kwargs=dict(zip(noms, valeurs, strict=True)))
            except NoReverseMatch:
                continue
            urls.append((motif.name, url))
    return urls


def urls_sans_parametre():
    from django.urls import reverse

    return [
        (motif.name, reverse(f"usagers:{motif.name}")) for motif, _ in motifs_usagers() if not noms_de_parametres(motif)
    ]


def photographie_base():
    """État complet des tables qu'une requête de l'espace usager pourrait modifier."""
    from precontentieux.courriers import Courrier
    from precontentieux.models import EvenementDossier, PieceJointeDossier

    def lignes(modele):
        return sorted(repr(sorted(ligne.items())) for ligne in modele.objects.values())

    return {
        "dossiers": lignes(Dossier),
        "pieces": lignes(PieceJointeDossier),
        "evenements": EvenementDossier.objects.count(),
        "invitations": lignes(Invitation),
        "courriers": lignes(Courrier),
        "emails": EmailSortant.objects.count(),
    }

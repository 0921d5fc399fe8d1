"""Contexte commun des gabarits : liens d'évitement et menu principal selon l'utilisateur."""

from functools import lru_cache

from django.urls import get_script_prefix, reverse

LIENS_D_EVITEMENT = [
    {"link": "#content", "label": "Contenu"},
    {"link": "#navigation-principale", "label": "Menu"},
    {"link": "#footer", "label": "Pied de page"},
]

# Menu des forces de l'ordre, tel que le montre le guide de déclaration (chaque nom d'URL se résout :
# tests/test_coherence.py).
MENU_FORCES_DE_L_ORDRE = [
    ("Accueil", "declarations:accueil"),
    (
        "Déclaration d’un bris de porte",
        [
            ("Nouvelle déclaration", "declarations:nouvelle"),
            ("Mes déclarations", "declarations:mes_declarations"),
        ],
    ),
    ("Réquisition d’un serrurier", "declarations:serrurier"),
    ("Foire aux questions", "faq:liste"),
]


def _construire(entrees, chemin):
    """[(libellé, nom d'URL | sous-entrées)] → éléments de menu."""
    menu = []
    for libelle, cible in entrees:
        if isinstance(cible, list):
            sous_menu = _construire(cible, chemin)
            if sous_menu:
                actif = any(e["actif"] for e in sous_menu)
                menu.append({"libelle": libelle, "url": None, "actif": actif, "sous_menu": sous_menu})
            continue
        url = _url(cible, get_script_prefix())
        menu.append({"libelle": libelle, "url": url, "actif": url == chemin, "sous_menu": []})
    return menu


@lru_cache(maxsize=64)
def _url(nom, prefixe):
    """Les URL du menu ne changent pas pendant la vie d'un processus (à préfixe égal) : calculées une fois."""
    return reverse(nom)


def entrees_du_menu(user):
    """Entrées du menu principal selon le type d'utilisateur et ses rôles."""
    if not user.is_authenticated:
        return [("Accueil", "portail:accueil"), ("Se connecter", "portail:connexion")]
    if user.est_usager:
        return [("Mon espace", "usagers:accueil")]
    if user.est_forces_de_l_ordre:
        entrees = list(MENU_FORCES_DE_L_ORDRE)
    elif user.roles_mj:
        entrees = [("Précontentieux", "precontentieux:accueil")]
    else:
        entrees = [("Mon accès", "portail:acces_en_attente")]
    if user.is_superuser:
        # Outil « bris de glace » des superutilisateurs (docs/administration.md).
        entrees.append(("Administration", "admin:index"))
    return entrees


def navigation(request):
    user = getattr(request, "user", None)
    menu = _construire(entrees_du_menu(user), request.path) if user is not None else []
    return {
        "skiplinks": LIENS_D_EVITEMENT,
        "menu_principal": menu,
    }


def site_config(request):
    """Remplace `dsfr.context_processors.site_config` : même variable, sans requête SQL par page."""
    from portail.cache import configuration_du_site

    return {"SITE_CONFIG": configuration_du_site()}

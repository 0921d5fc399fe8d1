"""Navigation du back-office selon les rôles de l'agent, avec les compteurs vivants des files.

Un agent à plusieurs rôles voit l'union des entrées. Les compteurs viennent d'une seule requête
agrégée (`files_attente.compter`), calculée une fois par requête HTTP (mémorisée sur `request`).
"""

from dataclasses import dataclass, field

from django.urls import reverse

from portail.enums import ROLES_MJ, Role
from precontentieux.files_attente import compter, files_de


@dataclass
class Entree:
    libelle: str
    url: str = ""
    compteur: int | None = None
    unite: str = "dossier"  # lue par les lecteurs d'écran après le compteur
    actif: bool = False
    sous_entrees: list = field(default_factory=list)


def compteurs(request):
    """{clé de file: nombre} des files de l'agent connecté, une requête par requête HTTP."""
    if not hasattr(request, "_compteurs_back_office"):
        request._compteurs_back_office = compter(request.user)
    return request._compteurs_back_office


def entrees(request):
    user = request.user
    nombres = compteurs(request)
    menu = [Entree("Tableau de bord", reverse("precontentieux:accueil"))]
    groupes = {}
    for file in files_de(user):
        url = reverse("precontentieux:file", args=[file.cle])
        entree = Entree(file.libelle, url, nombres.get(file.cle, 0), actif=request.path == url)
        if file.groupe:
            if file.groupe not in groupes:
                groupes[file.groupe] = Entree(file.groupe)
                menu.append(groupes[file.groupe])
            groupes[file.groupe].sous_entrees.append(entree)
        else:
            menu.append(entree)
    if user.roles & {str(r) for r in ROLES_MJ}:
        url = reverse("precontentieux:recherche")
        menu.append(Entree("Rechercher un dossier", url, actif=request.path == url))
        url = reverse("precontentieux:statistiques")
        menu.append(Entree("Statistiques", url, actif=request.path == url))
    if user.a_role(Role.GESTIONNAIRE):
        menu.append(_entree_agents(request))
    for entree in menu:
        if entree.sous_entrees:
            entree.actif = any(s.actif for s in entree.sous_entrees)
            entree.compteur = sum(s.compteur or 0 for s in entree.sous_entrees)
        elif entree.url == request.path:
            entree.actif = True
    return menu


def _entree_agents(request):
    """Gestionnaire : « Agents », avec le nombre d'agents en attente d'un rôle (une requête)."""
    from portail.agents import agents_en_attente

    en_attente = reverse("precontentieux:agents_en_attente")
    tous = reverse("precontentieux:agents")
    entree = Entree("Agents", unite="agent")
    entree.sous_entrees = [
        Entree(
            "Agents en attente",
            en_attente,
            agents_en_attente().count(),
            unite="agent",
            actif=request.path == en_attente,
        ),
        Entree("Tous les agents", tous, actif=request.path.startswith(tous) and request.path != en_attente),
    ]
    return entree

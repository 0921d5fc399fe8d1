"""Gestion des agents par un gestionnaire : agents en attente, liste, fiche, rôles, désactivation, réactivation.

Garde `back_office(Role.GESTIONNAIRE)` sur chaque vue ; les règles (comptes d'agents seulement, superutilisateurs,
dernier gestionnaire, forces de l'ordre) sont dans `portail.agents`, seul écrivain des rôles et de l'activation.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from portail import agents as gestion
from portail.enums import Role
from portail.models import Evenement
from portail.pagination import paginer
from precontentieux.acces import back_office
from precontentieux.forms_agents import MotifForm, RechercheAgentsForm, RolesForm

GESTIONNAIRE = Role.GESTIONNAIRE
EVENEMENTS_PAR_PAGE = 20
AGENTS_PAR_PAGE = 50


def _agent(pk):
    return get_object_or_404(gestion.agents(), pk=pk)


def _url_fiche(agent):
    return reverse("precontentieux:agent", args=[agent.pk])


def _preparer(page):
    """Libellés des rôles de chaque agent de la page, depuis les groupes préchargés (aucune requête de plus)."""
    page.object_list = list(page.object_list)
    for agent in page.object_list:
        agent.libelles_roles = gestion.libelles(groupe.name for groupe in agent.groups.all())
    return page


@back_office(GESTIONNAIRE)
def agents_en_attente(request):
    page = _preparer(paginer(request, gestion.agents_en_attente(), par_page=AGENTS_PAR_PAGE))
    return render(request, "precontentieux/agents/en_attente.html", {"page_obj": page})


@back_office(GESTIONNAIRE)
def liste_agents(request):
    form = RechercheAgentsForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "precontentieux/agents/liste.html", {"form": form, "page_obj": None}, status=400)
    page = _preparer(paginer(request, form.filtrer(gestion.agents()), par_page=AGENTS_PAR_PAGE))
    return render(request, "precontentieux/agents/liste.html", {"form": form, "page_obj": page})


def _affiche(valeur):
    """Avant / après d'un événement : liste de rôles (libellés) ou état du compte."""
    if isinstance(valeur, list):
        return ", ".join(gestion.libelles(valeur)) or "Aucun rôle"
    return {"actif": "Actif", "inactif": "Désactivé"}.get(valeur, str(valeur or ""))


def _historique(page):
    page.object_list = list(page.object_list)
    for evenement in page.object_list:
        details = evenement.details or {}
        role = details.get("role")
        evenement.quoi = evenement.get_type_display() + (f" : {gestion.libelles([role])[0]}" if role else "")
        evenement.avant = _affiche(details.get("avant"))
        evenement.apres = _affiche(details.get("apres"))
        evenement.motif = str(details.get("motif") or "")
        evenement.par = (gestion.nom(evenement.acteur) if evenement.acteur else "") or "Automatique"
    return page


@back_office(GESTIONNAIRE)
def fiche_agent(request, pk):
    agent = _agent(pk)
    agent.libelles_roles = gestion.libelles(groupe.name for groupe in agent.groups.all())
    evenements = _historique(
        paginer(
            request,
            Evenement.objects.filter(cible=agent).select_related("acteur").order_by("-date", "-id"),
            par_page=EVENEMENTS_PAR_PAGE,
        )
    )
    contexte = {
        "agent": agent,
        "page_obj": evenements,
        "refus": gestion.refus_gestion(request.user, agent),
        "en_attente": gestion.est_en_attente(agent),
        "roles_modifiables": gestion.roles_modifiables(agent),
    }
    return render(request, "precontentieux/agents/fiche.html", contexte)


def _refuse(request, agent):
    """Message et retour à la fiche si le gestionnaire ne peut pas modifier ce compte."""
    raison = gestion.refus_gestion(request.user, agent)
    if raison:
        messages.error(request, raison)
        return redirect(_url_fiche(agent))
    return None


def _executer(request, form, agent, operation, **kwargs):
    """L'opération, puis retour à la fiche ; un refus (dernier gestionnaire…) devient une erreur du formulaire."""
    try:
        resultat = operation(request.user, agent, request=request, **kwargs)
    except gestion.RefusGestion as refus:
        form.add_error(None, refus.message)
        return None
    (messages.success if resultat.change else messages.info)(request, resultat.message)
    return redirect(_url_fiche(agent))


@back_office(GESTIONNAIRE)
@require_http_methods(["GET", "POST"])
def roles_agent(request, pk):
    agent = _agent(pk)
    if reponse := _refuse(request, agent):
        return reponse
    if not gestion.roles_modifiables(agent):
        messages.error(
            request,
            "Les rôles des agents des forces de l’ordre viennent de leur administration : ils ne se modifient pas ici.",
        )
        return redirect(_url_fiche(agent))
    premier_acces = gestion.est_en_attente(agent)
    status = 200
    if request.method == "POST":
        form = RolesForm(request.POST, premier_acces=premier_acces)
        if form.is_valid():
            operation = gestion.accorder_acces if premier_acces else gestion.modifier_roles
            reponse = _executer(
                request, form, agent, operation, roles=form.cleaned_data["roles"], motif=form.cleaned_data["motif"]
            )
            if reponse:
                return reponse
        status = 400
    else:
        form = RolesForm(initial={"roles": sorted(agent.roles_mj)}, premier_acces=premier_acces)
    return render(
        request,
        "precontentieux/agents/roles.html",
        {"agent": agent, "form": form, "premier_acces": premier_acces},
        status=status,
    )


# Écrans à motif : (opération, titre, libellé du motif, bouton, avertissement, condition d'affichage).
ACTIONS_A_MOTIF = {
    "desactiver": (
        gestion.desactiver,
        "Désactiver le compte",
        "Motif de la désactivation",
        "Désactiver le compte",
        "Ses sessions ouvertes sont terminées immédiatement et toute connexion ProConnect lui sera refusée "
        "jusqu’à sa réactivation.",
        lambda agent: agent.is_active,
    ),
    "reactiver": (
        gestion.reactiver,
        "Réactiver le compte",
        "Motif de la réactivation",
        "Réactiver le compte",
        "L’agent pourra de nouveau se connecter avec ProConnect, avec les rôles qu’il avait.",
        lambda agent: not agent.is_active,
    ),
    "refuser": (
        gestion.refuser_acces,
        "Refuser la demande d’accès",
        "Motif du refus",
        "Refuser l’accès",
        "Le compte est désactivé : l’agent ne pourra plus se connecter. Il est averti par courriel, avec ce motif.",
        gestion.est_en_attente,
    ),
}


def _action_a_motif(request, pk, nom):
    operation, titre, libelle, bouton, avertissement, possible = ACTIONS_A_MOTIF[nom]
    agent = _agent(pk)
    if reponse := _refuse(request, agent):
        return reponse
    status = 200
    if request.method == "POST":
        form = MotifForm(request.POST, libelle=libelle)
        if form.is_valid():
            reponse = _executer(request, form, agent, operation, motif=form.cleaned_data["motif"])
            if reponse:
                return reponse
        status = 400
    else:
        if not possible(agent):
            messages.info(request, "Cette action n’est plus possible : l’état du compte a changé.")
            return redirect(_url_fiche(agent))
        form = MotifForm(libelle=libelle)
    contexte = {"agent": agent, "form": form, "titre": titre, "bouton": bouton, "avertissement": avertissement}
    return render(request, "precontentieux/agents/motif.html", contexte, status=status)


@back_office(GESTIONNAIRE)
@require_http_methods(["GET", "POST"])
def desactiver_agent(request, pk):
    return _action_a_motif(request, pk, "desactiver")


@back_office(GESTIONNAIRE)
@require_http_methods(["GET", "POST"])
def reactiver_agent(request, pk):
    return _action_a_motif(request, pk, "reactiver")


@back_office(GESTIONNAIRE)
@require_http_methods(["GET", "POST"])
def refuser_agent(request, pk):
    return _action_a_motif(request, pk, "refuser")

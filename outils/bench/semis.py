"""Données du banc : quelques comptes, des brouillons, et 5 000 lignes pour les listes. Se termine par ANALYZE."""

import datetime
import random

from django.contrib.auth.models import Group
from django.core.management import call_command, get_commands
from django.db import transaction
from django.utils import timezone

from declarations.enums import StatutDeclaration
from declarations.models import Declaration
from portail.db import analyser
from portail.enums import CodeAdministration, Role, TypeUtilisateur
from portail.models import Administration, Utilisateur
from precontentieux.enums import OrigineDossier, StatutDossier
from precontentieux.models import Dossier

VOLUME = 5000
# Une ligne en brouillon par connexion de wrk (3 connexions, 3 workers gunicorn).
PARALLELES = 3
VILLES = [("69003", "Lyon"), ("13001", "Marseille"), ("75011", "Paris"), ("33000", "Bordeaux"), ("59000", "Lille")]


def _agent(nom, administration, roles):
    agent = Utilisateur.objects.create(
        identifiant=f"proconnect:banc-{nom}",
        email=f"banc-{nom}@exemple.gouv.fr",
        type=TypeUtilisateur.AGENT,
        administration=Administration.objects.get(code=administration),
        prenom="Banc",
        nom=nom.capitalize(),
    )
    agent.groups.add(*Group.objects.filter(name__in=[str(r) for r in roles]))
    return agent


def _usager(nom):
    return Utilisateur.objects.create_user(email=f"banc-{nom}@exemple.fr", password=None, prenom="Banc", nom=nom)


def _adresse(i):
    code_postal, ville = VILLES[i % len(VILLES)]
    return {
        "adresse_voie": f"{i % 200 + 1} rue du Banc d’essai",
        "adresse_code_postal": code_postal,
        "adresse_ville": ville,
        "date_operation": datetime.date(2026, 1, 1) + datetime.timedelta(days=i % 300),
    }


def semer():
    """Crée les données du banc dans une base vide ; renvoie le contexte des chemins (pages.py)."""
    rng = random.Random(12)  # noqa: S311 (données d'essai)
    maintenant = timezone.now()
    with transaction.atomic():
        comptes = {
            "agent": _agent("policier", CodeAdministration.PN, [Role.FORCES_DE_L_ORDRE]),
            "agent_volume": _agent("gendarme", CodeAdministration.GN, [Role.FORCES_DE_L_ORDRE]),
            "attributeur": _agent("attributeur", CodeAdministration.MJ, [Role.ATTRIBUTEUR]),
            "redacteur": _agent("redacteur", CodeAdministration.MJ, [Role.REDACTEUR]),
            "validateur": _agent("validateur", CodeAdministration.MJ, [Role.VALIDATEUR]),
            "usager": _usager("usager"),
            "usager_volume": _usager("usager-volume"),
        }
        brouillons = [Declaration.objects.create(agent=comptes["agent"], **_adresse(i)) for i in range(PARALLELES)]
        demandes = [
            Dossier.creer(origine=OrigineDossier.USAGER, requerant=comptes["usager"], acteur=comptes["usager"])
            for _ in range(PARALLELES)
        ]

        # « Mes demandes » : 5 000 dossiers de l'usager, tous états confondus.
        statuts = [StatutDossier.A_COMPLETER, StatutDossier.DEPOSE, StatutDossier.EN_INSTRUCTION]
        dossiers = []
        for i in range(VOLUME):
            statut = statuts[i % len(statuts)]
            dossiers.append(
                Dossier(
                    reference=f"MIJ-BANC-{i:06d}",
                    origine=OrigineDossier.USAGER,
                    requerant=comptes["usager_volume"],
                    statut=statut,
                    depose_le=None if statut == StatutDossier.A_COMPLETER else maintenant,
                    **_adresse(i),
                )
            )
        Dossier.objects.bulk_create(dossiers, batch_size=1000)

        # « Mes déclarations » : 5 000 déclarations de l'agent, 4 brouillons pour 1 envoyée (avec son dossier).
        envoyees = Dossier.objects.bulk_create(
            [
                Dossier(reference=f"MIJ-BANCD-{i:06d}", origine=OrigineDossier.DECLARATION, **_adresse(i))
                for i in range(VOLUME // 5)
            ],
            batch_size=1000,
        )
        declarations = []
        for i in range(VOLUME):
            champs = {"agent": comptes["agent_volume"], **_adresse(i)}
            if i % 5 == 0:
                champs.update(
                    statut=StatutDeclaration.ENVOYEE,
                    reference=f"BDP-BANC-{i:06d}",
                    envoyee_le=maintenant - datetime.timedelta(minutes=rng.randint(0, 100_000)),
                    dossier=envoyees[i // 5],
                )
            declarations.append(Declaration(**champs))
        Declaration.objects.bulk_create(declarations, batch_size=1000)

    # Back-office (issue 8) : son propre semis de volume, dès qu'il existe.
    if "semer_volume" in get_commands():
        call_command("semer_volume", "--wet-run")

    analyser()
    return {
        "comptes": comptes,
        "brouillons": [d.pk for d in brouillons],
        "demandes": [d.reference for d in demandes],
    }

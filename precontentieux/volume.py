"""Dossiers en volume pour mesurer les files et la recherche (commande `semer_volume`).

Écriture en masse (`bulk_create`), et non par `Dossier.transitionner`, par nécessité : 100 000 dossiers
passés un à un par les transitions (verrou, UPDATE conditionnel, événement, courriel par transition)
prendraient des heures. La cohérence est garantie autrement : l'état de chaque dossier et ses dates
viennent du plus court chemin dans la table `precontentieux/workflow.py` (depuis « Déposé ») ; chaque
transition du chemin donne sa date (colonne `date` de la transition) et un `EvenementDossier` marqué
`{"transition": nom, "volume": True}`. Le rédacteur est posé dès qu'« attribuer » est sur le chemin.
Aucun courriel n'est écrit. Ces dossiers portent la référence `VOL-…` et ne servent qu'aux mesures.
"""

import collections
import datetime
import random

from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from portail.enums import CodeAdministration, Role, TypeUtilisateur
from portail.models import Administration, Utilisateur
from precontentieux.enums import OrigineDossier, QualiteRequerant, StatutDossier, TypeEvenementDossier, TypeRequerant
from precontentieux.models import Dossier, EvenementDossier

S = StatutDossier
PREFIXE = "VOL"

# Part de chaque état (en millièmes). La file « À attribuer » dépasse 10 000 dossiers sur 100 000 :
# la page 500 (20 lignes par page) y existe.
REPARTITION = {
    S.DEPOSE: 120,
    S.A_INSTRUIRE: 80,
    S.EN_INSTRUCTION: 150,
    S.ATTENTE_COMPLEMENTS: 50,
    S.PROPOSITION_A_SIGNER: 20,
    S.REJET_A_SIGNER: 10,
    S.PROPOSITION_ENVOYEE: 30,
    S.REJETE: 100,
    S.PROPOSITION_ACCEPTEE: 20,
    S.PROPOSITION_REFUSEE: 10,
    S.ARRETE_A_SIGNER: 10,
    S.A_INDEMNISER: 10,
    S.TRANSMIS_BUDGET: 10,
    S.INDEMNISE: 330,
    S.CLOTURE: 50,
}

PRENOMS = ["Camille", "Léa", "Hugo", "Chloé", "Lucas", "Inès", "Louis", "Zoé", "Noël", "Maëlle", "Jérôme", "Hélène"]
NOMS = ["DUPONT", "LEFÈVRE", "MARTIN", "BERNARD", "PETIT", "DURAND", "LEROY", "MOREAU", "GARNIER", "FAURE"]
NOMS += ["ROUSSEAU", "FRANÇOIS", "MERCIER", "BLANC", "GUÉRIN", "BOYER", "CHEVALIER", "LÉGER", "NOËL", "MÜLLER"]
SOCIETES = ["SCI Les Tilleuls", "Habitat Sud Bailleur Social", "Société Immobilière Étoile", "SCI Bel-Air"]
COMMUNES = [
    ("75011", "Paris"),
    ("69003", "Lyon"),
    ("13005", "Marseille"),
    ("31000", "Toulouse"),
    ("59000", "Lille"),
    ("44000", "Nantes"),
    ("67000", "Strasbourg"),
    ("33000", "Bordeaux"),
    ("34000", "Montpellier"),
    ("06000", "Nice"),
    ("35000", "Rennes"),
    ("97400", "Saint-Denis"),
    ("42000", "Saint-Étienne"),
    ("76600", "Le Havre"),
]
VOIES = ["rue de la République", "avenue Jean-Jaurès", "boulevard Émile-Zola", "impasse des Érables"]
VOIES += ["place de l’Église", "chemin des Prés", "rue Victor-Hugo", "allée des Châtaigniers"]


def chemins():
    """{état: [transitions]} : plus court chemin depuis « Déposé » dans la table des transitions."""
    from precontentieux.workflow import TRANSITIONS

    chemins = {S.DEPOSE: []}
    file = collections.deque([S.DEPOSE])
    while file:
        etat = file.popleft()
        for transition in TRANSITIONS.values():
            cible = transition.cible
            if cible and etat in transition.sources and cible not in chemins:
                chemins[cible] = chemins[etat] + [transition]
                file.append(cible)
    return chemins


def _redacteurs(nombre, aleatoire):
    administration = Administration.objects.get(code=CodeAdministration.MJ, active=True)
    groupe = Group.objects.get(name=Role.REDACTEUR)
    redacteurs = []
    for i in range(nombre):
        agent, _ = Utilisateur.objects.get_or_create(
            identifiant=f"volume:redacteur-{i}",
            defaults={
                "type": TypeUtilisateur.AGENT,
                "email": f"redacteur-{i}@volume.justice.gouv.fr",
                "prenom": aleatoire.choice(PRENOMS),
                "nom": f"Rédacteur {i}",
                "administration": administration,
            },
        )
        agent.groups.add(groupe)
        redacteurs.append(agent)
    return redacteurs


def _requerants(nombre, debut):
    existants = Utilisateur.objects.filter(identifiant__startswith="volume:usager-").count()
    Utilisateur.objects.bulk_create(
        [
            Utilisateur(
                identifiant=f"volume:usager-{i}",
                email=f"usager-{i}@volume.exemple.fr",
                type=TypeUtilisateur.USAGER,
                password="!",
            )
            for i in range(existants, max(existants, nombre))
        ],
        batch_size=5000,
    )
    return list(Utilisateur.objects.filter(identifiant__startswith="volume:usager-").values_list("pk", flat=True))


def semer(nombre, *, graine=2026, redacteurs=20, sortie=None):
    """Crée `nombre` dossiers répartis selon REPARTITION ; renvoie {état: nombre créé}."""
    aleatoire = random.Random(graine)  # noqa: S311 - données fictives reproductibles, aucun secret
    parcours = chemins()
    etats = list(REPARTITION)
    poids = [REPARTITION[e] for e in etats]
    maintenant = timezone.now()
    debut = Dossier.objects.filter(reference__startswith=f"{PREFIXE}-").count()
    with transaction.atomic():
        agents = [a.pk for a in _redacteurs(redacteurs, aleatoire)]
        requerants = _requerants(max(1, nombre // 5), debut)
    comptes = collections.Counter()
    lot = 5000
    for depart in range(0, nombre, lot):
        dossiers, historiques = [], []
        for n in range(depart, min(nombre, depart + lot)):
            numero = debut + n
            etat = aleatoire.choices(etats, poids)[0]
            # Dépôts étalés sur trois ans, uniques à la seconde près (ordre stable des pages).
            depose = maintenant - datetime.timedelta(seconds=numero * 97 % (3 * 365 * 86400) + numero % 97)
            if etat in (S.DEPOSE, S.A_INSTRUIRE, S.EN_INSTRUCTION, S.ATTENTE_COMPLEMENTS):
                depose = maintenant - datetime.timedelta(seconds=aleatoire.randrange(1, 90 * 86400))
            personne_morale = aleatoire.random() < 0.15
            code_postal, commune = aleatoire.choice(COMMUNES)
            champs = {
                "reference": f"{PREFIXE}-{numero:07d}",
                "statut": etat,
                "origine": OrigineDossier.USAGER,
                "requerant_id": aleatoire.choice(requerants),
                "type_requerant": TypeRequerant.PERSONNE_MORALE if personne_morale else TypeRequerant.PERSONNE_PHYSIQUE,
                "qualite": QualiteRequerant.LOCATAIRE,
                "prenoms": "" if personne_morale else aleatoire.choice(PRENOMS),
                "nom_naissance": "" if personne_morale else aleatoire.choice(NOMS),
                "raison_sociale": aleatoire.choice(SOCIETES) if personne_morale else "",
                "siren_siret": f"{aleatoire.randrange(10**13, 10**14)}" if personne_morale else "",
                "adresse_voie": f"{aleatoire.randrange(1, 200)} {aleatoire.choice(VOIES)}",
                "adresse_code_postal": code_postal,
                "adresse_ville": commune,
                "requerant_adresse_voie": f"{aleatoire.randrange(1, 200)} {aleatoire.choice(VOIES)}",
                "requerant_adresse_code_postal": code_postal,
                "requerant_adresse_ville": commune,
                "attestation_honneur": True,
                "depose_le": depose,
            }
            evenements = [("deposer", S.A_COMPLETER, S.DEPOSE, depose)]
            instant = depose
            for transition in parcours[etat]:
                instant = min(maintenant, instant + datetime.timedelta(hours=aleatoire.randrange(1, 24 * 12)))
                if transition.date:
                    champs[transition.date] = instant
                if transition.nom == "attribuer":
                    champs["redacteur_id"] = aleatoire.choice(agents)
                evenements.append((transition.nom, evenements[-1][2], transition.cible, instant))
            dossiers.append(Dossier(**champs))
            historiques.append(evenements)
            comptes[etat] += 1
        crees = Dossier.objects.bulk_create(dossiers, batch_size=lot)
        EvenementDossier.objects.bulk_create(
            [
                EvenementDossier(
                    dossier_id=dossier.pk,
                    date=date,
                    type=TypeEvenementDossier.CHANGEMENT_STATUT,
                    statut_avant=avant,
                    statut_apres=apres,
                    details={"transition": nom, "volume": True},
                )
                for dossier, evenements in zip(crees, historiques, strict=True)
                for nom, avant, apres, date in evenements
            ],
            batch_size=lot,
        )
        if sortie:
            sortie(f"{min(nombre, depart + lot)} / {nombre} dossiers")
    return dict(comptes)


def analyser():
    """Statistiques du planificateur à jour après le remplissage : ANALYZE.

    Sur PostgreSQL, les tables remplies passent d'abord par VACUUM (ANALYZE) : la carte de visibilité
    à jour permet les parcours d'index seuls (pages lointaines des files et de la recherche).
    """
    with connection.cursor() as curseur:
        # VACUUM est impossible dans une transaction (tests) : ANALYZE seul y suffit.
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            curseur.execute(
                "VACUUM (ANALYZE) precontentieux_dossier, precontentieux_evenementdossier, portail_utilisateur"
            )
        curseur.execute("ANALYZE")

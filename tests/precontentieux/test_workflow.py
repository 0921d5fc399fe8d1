"""La table des transitions tient : chaque transition × chaque type d'acteur, les mauvais états, la
séparation des fonctions, le motif, les boutons, la concurrence (PostgreSQL)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from portail.enums import Role
from portail.models import EmailSortant
from precontentieux import workflow
from precontentieux.enums import StatutDossier, TypeEvenementDossier
from precontentieux.models import Dossier, EvenementDossier, TransitionInterdite
from tests.fabriques import DossierFactory, InvitationFactory, UtilisateurFactory, agent, appliquer, chemins

pytestmark = pytest.mark.django_db
S = StatutDossier
TYPES_ACTEURS = (
    "attributeur",
    "redacteur_en_charge",
    "autre_redacteur",
    "validateur",
    "liaison_budget",
    "gestionnaire",
    "requerant",
    "autre_usager",
    "agent_fdo",
    "agent_declarant",
    "systeme",
)


@pytest.fixture(autouse=True)
def _taches_en_file(settings, tmp_path):
    """Les tâches (récépissé, envoi des courriels) partent dans un broker en mémoire au lieu d'être
    exécutées : ces tests regardent l'état, l'événement et la boîte d'envoi, pas le PDF (test_deposer)."""
    from portail.celery import app

    settings.MEDIA_ROOT = tmp_path / "fichiers"
    eager, broker = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager, app.conf.broker_url = False, "memory://"
    yield
    app.conf.task_always_eager, app.conf.broker_url = eager, broker


def autorise(transition, type_acteur):
    """Ce que la table dit, type d'acteur par type d'acteur."""
    acteurs = transition.acteurs
    return {
        "attributeur": workflow.ATTRIBUTEUR in acteurs,
        "redacteur_en_charge": workflow.REDACTEUR_EN_CHARGE in acteurs,
        "autre_redacteur": False,
        "validateur": workflow.VALIDATEUR in acteurs,
        "liaison_budget": workflow.LIAISON_BUDGET in acteurs,
        "gestionnaire": str(Role.GESTIONNAIRE) in acteurs,
        "requerant": bool({workflow.REQUERANT, workflow.USAGER_INVITE} & acteurs),
        "autre_usager": False,
        "agent_fdo": False,
        "agent_declarant": workflow.DECLARANT in acteurs,
        "systeme": workflow.SYSTEME in acteurs,
    }[type_acteur]


def etat_de_test(transition):
    """L'état source le plus avancé : le rédacteur en charge y existe dès que possible."""
    return max(transition.sources, key=lambda etat: (len(chemins()[etat]), etat))


def dossier_source(transition):
    if transition.nom == "rattacher":  # dossier d'une déclaration, pas encore rattaché
        return DossierFactory(requerant=None, complet=False)
    dossier = DossierFactory(etat=etat_de_test(transition))
    if transition.nom == "repondre_message":  # l'usager répond à un message du rédacteur
        from precontentieux.instruction import ecrire_a_l_usager

        ecrire_a_l_usager(dossier, dossier.redacteur, "Pouvez-vous préciser l’heure de l’intervention ?")
    return dossier


def acteur_de_type(type_acteur, dossier):
    if type_acteur == "redacteur_en_charge":
        return dossier.redacteur or agent(Role.REDACTEUR)
    if type_acteur == "requerant":
        return dossier.requerant or UtilisateurFactory()
    if type_acteur == "agent_declarant":
        return dossier.declaration.agent
    return {
        "attributeur": lambda: agent(Role.ATTRIBUTEUR),
        "autre_redacteur": lambda: agent(Role.REDACTEUR),
        "validateur": lambda: agent(Role.VALIDATEUR),
        "liaison_budget": lambda: agent(Role.LIAISON_BUDGET),
        "gestionnaire": lambda: agent(Role.GESTIONNAIRE),
        "autre_usager": UtilisateurFactory,
        "agent_fdo": lambda: UtilisateurFactory(policier=True),
        "systeme": lambda: None,
    }[type_acteur]()


def arguments(transition, dossier, acteur, type_acteur):
    options = {}
    if transition.motif_requis:
        options["motif"] = "Motif du test"
    if "redacteur" in transition.champs_requis:
        options["redacteur"] = agent(Role.REDACTEUR)
    if "date_virement" in transition.champs_requis:
        options["date_virement"] = timezone.localdate()
    if "montant_propose" in transition.champs_requis:
        options["montant_propose"] = Decimal("850.00")
    if transition.nom == "rattacher":
        options["requerant"] = acteur
        if type_acteur == "requerant":  # le porteur de l'invitation
            options["invitation"] = InvitationFactory(dossier=dossier)
    return options


def photographie(dossier):
    return (
        Dossier.objects.filter(pk=dossier.pk).values().get(),
        EvenementDossier.objects.filter(dossier=dossier).count(),
        EmailSortant.objects.count(),
    )


def essayer(dossier, transition, type_acteur):
    acteur = acteur_de_type(type_acteur, dossier)
    options = arguments(transition, dossier, acteur, type_acteur)
    if transition.nom == "deposer":
        return acteur, lambda: dossier.deposer(acteur, attestation=True)
    return acteur, lambda: dossier.transitionner(transition.nom, acteur, **options)


@pytest.mark.parametrize("nom", list(workflow.TRANSITIONS))
def test_chaque_transition_pour_chaque_type_d_acteur(nom):
    transition = workflow.TRANSITIONS[nom]
    permis = [t for t in TYPES_ACTEURS if autorise(transition, t)]
    assert permis, f"{nom} : personne ne peut la faire"
    # Refus : un seul dossier suffit, puisque rien n'est écrit.
    dossier = dossier_source(transition)
    avant = photographie(dossier)
    for type_acteur in TYPES_ACTEURS:
        if type_acteur in permis:
            continue
        _, faire = essayer(dossier, transition, type_acteur)
        with pytest.raises(TransitionInterdite):
            faire()
        assert photographie(dossier) == avant, (nom, type_acteur)
    # Autorisés : un dossier neuf chacun.
    for type_acteur in permis:
        dossier = dossier_source(transition) if type_acteur != permis[0] else dossier
        statut_avant = dossier.statut
        evenements, courriels = EvenementDossier.objects.filter(dossier=dossier).count(), EmailSortant.objects.count()
        acteur, faire = essayer(dossier, transition, type_acteur)
        faire()
        dossier.refresh_from_db()
        assert dossier.statut == (transition.cible or statut_avant), (nom, type_acteur)
        if transition.date:
            assert getattr(dossier, transition.date) is not None
        nouveaux = EvenementDossier.objects.filter(dossier=dossier).order_by("pk")[evenements:]
        assert [(e.details["transition"], e.acteur, e.statut_avant, e.statut_apres) for e in nouveaux] == [
            (nom, acteur, statut_avant, dossier.statut)
        ], (nom, type_acteur)
        attendu = 1 if transition.email and dossier.adresse_destinataire(transition.destinataire) else 0
        assert EmailSortant.objects.count() == courriels + attendu, (nom, type_acteur)
        if attendu:
            assert EmailSortant.objects.latest("pk").gabarit == transition.email


@pytest.mark.parametrize("etat", list(StatutDossier))
def test_aucune_transition_hors_de_ses_etats_sources(etat):
    dossier = DossierFactory(etat=etat)
    avant = photographie(dossier)
    for transition in workflow.TRANSITIONS.values():
        if etat in transition.sources:
            continue
        acteur = dossier.acteurs.pour(transition)
        options = arguments(transition, dossier, acteur, "requerant")
        with pytest.raises(TransitionInterdite):
            dossier.transitionner(transition.nom, acteur, **options)
        assert photographie(dossier) == avant, (etat, transition.nom)


def test_chaque_etat_est_atteignable_et_chaque_transition_documentee():
    assert set(chemins()) == set(StatutDossier)
    for transition in workflow.TRANSITIONS.values():
        assert transition.sources <= set(StatutDossier)
        assert transition.cible is None or transition.cible in StatutDossier
        assert transition.acteurs <= set(workflow.LIBELLES_ACTEURS) | {str(Role.GESTIONNAIRE)}
        assert transition.destinataire in (None, workflow.REQUERANT, "redacteur")
        if transition.email:
            assert transition.destinataire


def test_de_bout_en_bout_et_separation_des_fonctions():
    """Un rédacteur qui est aussi validateur ne signe pas ce qu'il a proposé ; un autre validateur, si."""
    redacteur = agent(Role.REDACTEUR, Role.VALIDATEUR)
    validateur = agent(Role.VALIDATEUR)
    dossier = DossierFactory(en_instruction=True, acteurs={"redacteur": redacteur, "validateur": validateur})
    assert dossier.redacteur == redacteur
    dossier.transitionner("proposer_indemnisation", redacteur, montant_propose=Decimal("850.00"))
    with pytest.raises(TransitionInterdite, match="vous-même"):
        dossier.transitionner("signer_proposition", redacteur)
    possibles = {p.transition.nom: p for p in dossier.transitions_possibles(redacteur)}
    assert possibles["signer_proposition"].possible is False
    assert "vous-même" in possibles["signer_proposition"].raison
    dossier.transitionner("signer_proposition", validateur)
    for nom in ("accepter_proposition", "preparer_arrete"):
        appliquer(dossier, nom, dossier.acteurs)
    with pytest.raises(TransitionInterdite, match="vous-même"):
        dossier.transitionner("signer_arrete", redacteur)
    for nom in ("signer_arrete", "transmettre_budget", "marquer_indemnise"):
        appliquer(dossier, nom, dossier.acteurs)
    dossier.refresh_from_db()
    assert dossier.statut == S.INDEMNISE
    assert [
        e.details["transition"] for e in dossier.evenements.filter(type=TypeEvenementDossier.CHANGEMENT_STATUT)
    ] == [
        "deposer",
        "attribuer",
        "demarrer_instruction",
        "proposer_indemnisation",
        "signer_proposition",
        "accepter_proposition",
        "preparer_arrete",
        "signer_arrete",
        "transmettre_budget",
        "marquer_indemnise",
    ]


def test_motif_obligatoire_et_redacteur_valide():
    dossier = DossierFactory(en_instruction=True)
    avant = photographie(dossier)
    with pytest.raises(TransitionInterdite, match="motif"):
        dossier.demander_complements(dossier.redacteur, "   ")
    attributeur = dossier.acteurs.role(Role.ATTRIBUTEUR)
    for intrus in (UtilisateurFactory(), agent(Role.VALIDATEUR), dossier.redacteur):
        with pytest.raises(TransitionInterdite):
            dossier.reattribuer(attributeur, intrus, "Congés")
    assert photographie(dossier) == avant
    nouveau = agent(Role.REDACTEUR)
    dossier.reattribuer(attributeur, nouveau, "Congés")
    evenement = dossier.evenements.latest("pk")
    assert (dossier.redacteur, dossier.statut) == (nouveau, S.EN_INSTRUCTION)
    assert (evenement.type, evenement.details) == (
        TypeEvenementDossier.ATTRIBUTION,
        {"transition": "reattribuer", "motif": "Congés"},
    )
    assert EmailSortant.objects.filter(gabarit="attribution", destinataire=nouveau.email).exists()


def test_transitions_possibles_pour_les_boutons():
    dossier = DossierFactory(en_instruction=True)
    possibles = {p.transition.nom: p.possible for p in dossier.transitions_possibles(dossier.redacteur)}
    assert possibles["demander_complements"] and possibles["proposer_rejet"] and possibles["cloturer"]
    assert not possibles["demarrer_instruction"]
    assert "attribuer" not in possibles and "deposer" not in possibles
    autre = {p.transition.nom: p for p in dossier.transitions_possibles(agent(Role.REDACTEUR))}
    assert autre["proposer_rejet"].possible is False
    assert autre["proposer_rejet"].raison == "Ce dossier est attribué à un autre rédacteur."
    assert dossier.transitions_possibles(UtilisateurFactory(policier=True)) == []
    usager = {p.transition.nom for p in dossier.transitions_possibles(dossier.requerant)}
    assert usager == {
        "deposer",
        "ajouter_piece",
        "recevoir_complements",
        "repondre_message",
        "accepter_proposition",
        "refuser_proposition",
    }


def test_cloture_par_le_systeme_et_courriel_a_l_usager():
    dossier = DossierFactory()
    # Le courriel part à l'adresse prouvée du compte du requérant, jamais à l'adresse tapée (issue 11, item 5).
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=dossier.requerant, email=dossier.requerant.email, primary=True, verified=True)
    dossier.cloturer(None, "Demande abandonnée depuis six mois.")
    assert dossier.statut == S.CLOTURE and dossier.cloture_le
    courriel = EmailSortant.objects.get(gabarit="cloture")
    assert courriel.destinataire == dossier.requerant.email
    assert courriel.contexte["motif"] == "Demande abandonnée depuis six mois."


@pytest.mark.django_db(transaction=True)
def test_attribution_simultanee_une_seule_fois():
    if connection.vendor != "postgresql":
        pytest.skip("Concurrence réelle vérifiée sur PostgreSQL (SQLite sérialise toutes les écritures).")
    dossier = DossierFactory(depose=True)
    attributeurs = [agent(Role.ATTRIBUTEUR), agent(Role.ATTRIBUTEUR)]
    redacteurs = [agent(Role.REDACTEUR), agent(Role.REDACTEUR)]
    depart = threading.Barrier(2)
    resultats = []

    def attribuer(i):
        depart.wait()
        try:
            Dossier.objects.get(pk=dossier.pk).attribuer(attributeurs[i], redacteurs[i])
            resultats.append("attribue")
        except TransitionInterdite:
            resultats.append("refuse")
        finally:
            connection.close()

    fils = [threading.Thread(target=attribuer, args=(i,)) for i in range(2)]
    for f in fils:
        f.start()
    for f in fils:
        f.join(timeout=60)
    assert sorted(resultats) == ["attribue", "refuse"]
    assert EvenementDossier.objects.filter(dossier=dossier, details__transition="attribuer").count() == 1
    assert EmailSortant.objects.filter(gabarit="attribution").count() == 1


def test_la_documentation_reproduit_la_table():
    """docs/workflow.md reproduit TRANSITIONS ; REECRIRE_DOCS=1 la réécrit."""
    import os
    import re
    from pathlib import Path

    chemin = Path(__file__).resolve().parents[2] / "docs" / "workflow.md"
    texte = chemin.read_text(encoding="utf-8")
    motif = re.compile(r"(<!-- table:debut -->\n)(.*?)(<!-- table:fin -->)", re.S)
    attendu = workflow.tableau_markdown()
    if os.environ.get("REECRIRE_DOCS"):
        chemin.write_text(motif.sub(lambda m: m.group(1) + attendu + m.group(3), texte), encoding="utf-8")
        texte = chemin.read_text(encoding="utf-8")
    assert motif.search(texte).group(2) == attendu, "docs/workflow.md ne suit plus precontentieux/workflow.py"

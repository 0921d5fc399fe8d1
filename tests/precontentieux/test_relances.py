"""Relances de l'usager (7 et 30 jours) et clôture sans suite à 90 jours sans activité (Celery beat) : chaque tâche
lancée deux fois (deux battements, un nouvel essai) n'envoie qu'une fois ; chaque exécution est journalisée."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from portail.models import EmailSortant, ExecutionTache
from precontentieux.enums import StatutDossier
from precontentieux.models import Dossier, EvenementDossier, Invitation
from precontentieux.relances import relancer_demandes_a_completer
from precontentieux.tasks import relancer_demandes_a_completer as tache
from tests.fabriques import DossierFactory, UtilisateurFactory, declarer, dossier_usager

pytestmark = pytest.mark.django_db

TACHE = "precontentieux.relance_demandes"


@pytest.fixture(autouse=True)
def _isolement(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"


def vieillir(dossier, jours):
    """Recule de `jours` la création, la dernière modification et les invitations du dossier."""
    passe = timezone.now() - datetime.timedelta(days=jours)
    Dossier.objects.filter(pk=dossier.pk).update(cree_le=passe, modifie_le=passe)
    Invitation.objects.filter(dossier=dossier).update(cree_le=passe, expire_le=passe + Invitation.DUREE_VALIDITE)


def relances(gabarit="relance_demande"):
    return list(EmailSortant.objects.filter(gabarit=gabarit).order_by("pk"))


def lancer_deux_fois():
    tache.delay().get()
    tache.delay().get()


def test_dossier_invite_relance_a_7_puis_30_jours_une_seule_fois_chacune():
    dossier = declarer(usager_courriel="occupant@exemple.fr").dossier
    mail.outbox.clear()
    vieillir(dossier, 3)
    lancer_deux_fois()
    assert relances() == []

    vieillir(dossier, 8)
    lancer_deux_fois()
    (premiere,) = relances()
    assert premiere.destinataire == "occupant@exemple.fr"
    assert [m.to for m in mail.outbox] == [["occupant@exemple.fr"]]
    corps = mail.outbox[0].body
    assert corps.startswith("Bonjour,") and dossier.reference in corps
    assert "Lien perdu ou expiré" in corps and "clôturée sans suite" in corps

    vieillir(dossier, 31)
    lancer_deux_fois()
    assert len(relances()) == 2
    assert "a expiré" in mail.outbox[-1].body  # l'invitation (30 jours) a expiré : comment en obtenir une autre
    # Chaque exécution est journalisée, avec ses compteurs.
    executions = list(ExecutionTache.objects.filter(tache=TACHE).order_by("pk"))
    assert len(executions) == 6 and all(e.fin for e in executions)
    assert [e.resultat["relances_30_jours"] for e in executions[-2:]] == [1, 0]


def test_dossier_rattache_relance_vers_l_adresse_prouvee_du_compte():
    usager = UtilisateurFactory(email="compte@exemple.fr", adresse_verifiee=True)
    dossier = DossierFactory(requerant=usager, complet=False)
    vieillir(dossier, 8)
    mail.outbox.clear()
    lancer_deux_fois()
    (relance,) = relances()
    assert relance.destinataire == "compte@exemple.fr"
    assert "Reprendre ma demande" in mail.outbox[0].alternatives[0][0]


def test_sans_adresse_prouvee_aucune_relance():
    dossier = dossier_usager(UtilisateurFactory(email="non-prouvee@exemple.fr"))
    vieillir(dossier, 8)
    assert relancer_demandes_a_completer()["sans_adresse"] == 1
    assert relances() == []


def test_cloture_sans_suite_apres_90_jours_sans_activite_par_le_systeme():
    usager = UtilisateurFactory(email="compte@exemple.fr", adresse_verifiee=True)
    dossier = DossierFactory(requerant=usager, complet=False)
    invite = declarer(usager_courriel="jamais-venu@exemple.fr").dossier
    actif = DossierFactory(requerant=UtilisateurFactory(adresse_verifiee=True), complet=False)
    for d in (dossier, invite):
        vieillir(d, 91)
    vieillir(actif, 91)
    Dossier.objects.filter(pk=actif.pk).update(modifie_le=timezone.now() - datetime.timedelta(days=10))
    mail.outbox.clear()
    lancer_deux_fois()

    for d in (dossier, invite):
        d.refresh_from_db()
        assert d.statut == StatutDossier.CLOTURE
        evenement = EvenementDossier.objects.get(dossier=d, details__transition="cloturer")
        assert evenement.acteur is None and "90 jours" in evenement.details["motif"]
    actif.refresh_from_db()
    assert actif.statut == StatutDossier.A_COMPLETER
    # Un courriel de clôture chacun (le requérant par la transition, l'invité à l'adresse de l'invitation).
    clotures = EmailSortant.objects.filter(gabarit="cloture")
    assert sorted(clotures.values_list("destinataire", flat=True)) == ["compte@exemple.fr", "jamais-venu@exemple.fr"]
    for message in mail.outbox:
        if message.to != ["compte@exemple.fr"] and message.to != ["jamais-venu@exemple.fr"]:
            continue
        assert "clôturée sans suite" in message.body and "Pour recommencer" in message.body
        assert "Commencer une nouvelle demande" in message.alternatives[0][0]
    # Les liens d'invitation encore valables ne servent plus.
    assert not Invitation.objects.valides().filter(dossier=invite).exists()
    derniere = ExecutionTache.objects.filter(tache=TACHE).order_by("pk").last()
    assert derniere.resultat["clotures"] == 0
    assert ExecutionTache.objects.filter(tache=TACHE, resultat__clotures=2).count() == 1


def test_une_nouvelle_invitation_relance_de_nouveau_a_7_jours():
    dossier = declarer(usager_courriel="occupant@exemple.fr").dossier
    vieillir(dossier, 8)
    lancer_deux_fois()
    assert len(relances()) == 1
    Invitation.creer(dossier, courriel="occupant@exemple.fr")
    lancer_deux_fois()
    assert len(relances()) == 1  # la nouvelle invitation date d'aujourd'hui
    Invitation.objects.filter(dossier=dossier).update(cree_le=timezone.now() - datetime.timedelta(days=8))
    lancer_deux_fois()
    assert len(relances()) == 2

"""Relances des agents des forces de l'ordre : déclaration complète non envoyée depuis 24 h, invitation expirée sans
usage (l'agent réinvite depuis « Mes déclarations »). Chaque tâche lancée deux fois n'envoie qu'une fois."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from declarations.models import Declaration
from declarations.tasks import relancer_agents
from portail.models import EmailSortant, ExecutionTache
from precontentieux.models import Invitation
from tests.fabriques import DeclarationFactory, declarer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _isolement(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"


def reculer(declaration, heures):
    Declaration.objects.filter(pk=declaration.pk).update(modifie_le=timezone.now() - datetime.timedelta(hours=heures))


def lancer_deux_fois():
    relancer_agents.delay().get()
    relancer_agents.delay().get()


def test_declaration_complete_non_envoyee_depuis_24_heures_un_seul_rappel():
    complete = DeclarationFactory(complete=True)
    incomplete = DeclarationFactory(complete=True, numero_procedure="")
    recente = DeclarationFactory(complete=True)
    reculer(complete, 25)
    reculer(incomplete, 25)
    reculer(recente, 2)
    lancer_deux_fois()
    (rappel,) = EmailSortant.objects.filter(gabarit="relance_declaration")
    assert rappel.destinataire == complete.agent.email
    (message,) = [m for m in mail.outbox if m.to == [complete.agent.email]]
    assert message.subject == "Votre déclaration de bris de porte n’est pas envoyée"
    assert "n'est pas envoyée" in message.body and "l'occupant n'a pas été invité" in message.body
    assert reverse("declarations:reprendre", args=[complete.pk]) in message.body
    executions = ExecutionTache.objects.filter(tache="declarations.relance_agents").order_by("pk")
    assert [e.resultat["declarations_non_envoyees"] for e in executions] == [1, 0]


def test_invitation_expiree_l_agent_est_prevenu_une_fois_et_reinvite_depuis_mes_declarations(client):
    declaration = declarer(usager_courriel="occupant@exemple.fr")
    dossier = declaration.dossier
    lancer_deux_fois()
    assert not EmailSortant.objects.filter(gabarit="invitation_expiree").exists()  # encore valable
    Invitation.objects.filter(dossier=dossier).update(expire_le=timezone.now() - datetime.timedelta(minutes=1))
    mail.outbox.clear()
    lancer_deux_fois()
    (avis,) = EmailSortant.objects.filter(gabarit="invitation_expiree")
    assert avis.destinataire == declaration.agent.email
    (message,) = mail.outbox
    assert declaration.reference in message.subject and "a expiré" in message.body
    lien = reverse("declarations:voir", args=[declaration.pk]) + "#inviter"
    assert lien in message.body

    # « Mes déclarations » propose de renvoyer l'invitation ; le formulaire est à l'ancre du lien.
    client.force_login(declaration.agent)
    page = client.get(reverse("declarations:mes_declarations")).content.decode()
    assert "Renvoyer l’invitation" in page and f'href="{lien}"' in page
    assert 'id="inviter"' in client.get(reverse("declarations:voir", args=[declaration.pk])).content.decode()
    reponse = client.post(
        reverse("declarations:inviter", args=[declaration.pk]),
        {
            "civilite": "m",
            "nom": "DUPONT",
            "prenom": "Martin",
            "telephone": "06 00 00 00 00",
            "courriel": "occupant@exemple.fr",
        },
    )
    assert reponse.status_code == 302
    assert Invitation.objects.valides().filter(dossier=dossier).count() == 1
    page = client.get(reverse("declarations:mes_declarations")).content.decode()
    assert "Renvoyer l’invitation" not in page
    # La nouvelle invitation est valable : plus d'avis ; l'ancienne n'en produit pas un second.
    lancer_deux_fois()
    assert EmailSortant.objects.filter(gabarit="invitation_expiree").count() == 1

"""Courriel d'invitation (bouton, référence, contact) et nouveau lien en libre-service (issue 11, item 17)."""

import datetime

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from portail.emails import rendre
from portail.models import EmailSortant
from precontentieux.models import Invitation
from tests.fabriques import UtilisateurFactory
from tests.usagers.outils_usagers import chemin_invitation, declarer, texte

pytestmark = pytest.mark.django_db

URL = "usagers:nouveau_lien"
MESSAGE = "Si une invitation à demander une indemnisation a été envoyée à cette adresse"


@pytest.fixture(autouse=True)
def _cache_vide():
    cache.clear()
    yield
    cache.clear()


def test_courriel_d_invitation_bouton_reference_contact_et_nouveau_lien(settings):
    settings.COURRIEL_CONTACT_USAGERS = "precontentieux@exemple.gouv.fr"
    declaration = declarer(usager_courriel="martin.dupont@courriel.fr")
    rendu = rendre(EmailSortant.objects.get(gabarit="invitation_usager"))
    reference = declaration.dossier.reference
    for contenu in (rendu.texte, rendu.html):
        assert "Référence du dossier : " in contenu and reference in contenu
        assert "precontentieux@exemple.gouv.fr" in contenu
        assert "13 place Vendôme" in contenu
        assert reverse(URL) in contenu
        assert contenu.lstrip().startswith("Bonjour,") or "<p>Bonjour,</p>" in contenu
    # Un vrai bouton : lien en bloc, fond bleu France, texte blanc.
    assert "background-color:#000091" in rendu.html
    assert "Commencer ma demande d’indemnisation</a>" in rendu.html


def expirer(dossier):
    Invitation.objects.filter(dossier=dossier).update(expire_le=timezone.now() - datetime.timedelta(days=1))


def test_lien_expire_un_nouveau_lien_est_envoye_a_l_adresse_invitee(client):
    declaration = declarer(usager_courriel="martin.dupont@courriel.fr")
    ancien = chemin_invitation(declaration)
    expirer(declaration.dossier)
    page = client.get(ancien)
    assert page.status_code == 410
    assert reverse(URL) in texte(page)

    assert client.get(reverse(URL)).status_code == 200
    mail.outbox.clear()
    reponse = client.post(reverse(URL), {"courriel": "Martin.Dupont@courriel.fr"}, follow=True)
    assert reponse.status_code == 200
    assert MESSAGE in texte(reponse)
    (courriel,) = mail.outbox
    assert courriel.to == ["martin.dupont@courriel.fr"]
    nouveau = chemin_invitation(declaration)
    assert nouveau != ancien
    assert client.get(nouveau).status_code == 200
    assert client.get(ancien).status_code == 410

    # Redemander : le lien précédent cesse d'être valable, un seul lien à la fois.
    client.post(reverse(URL), {"courriel": "martin.dupont@courriel.fr"})
    assert client.get(nouveau).status_code == 410
    assert client.get(chemin_invitation(declaration)).status_code == 200
    assert Invitation.objects.filter(dossier=declaration.dossier).valides().count() == 1


def test_rien_n_est_revele_sur_l_existence_de_l_adresse(client):
    declaration = declarer(usager_courriel="martin.dupont@courriel.fr")
    expirer(declaration.dossier)
    connue = client.post(reverse(URL), {"courriel": "martin.dupont@courriel.fr"}, follow=True)
    inconnue = client.post(reverse(URL), {"courriel": "personne@exemple.fr"}, follow=True)
    assert connue.status_code == inconnue.status_code == 200
    assert MESSAGE in texte(connue) and MESSAGE in texte(inconnue)
    assert connue.redirect_chain == [(reverse(URL), 302)] and inconnue.redirect_chain == [(reverse(URL), 302)]


def test_aucun_lien_pour_un_dossier_deja_rattache_ou_une_invitation_utilisee(client):
    declaration = declarer(usager_courriel="martin.dupont@courriel.fr")
    dossier = declaration.dossier
    dossier.requerant = UtilisateurFactory()
    dossier.save(update_fields=["requerant"])
    expirer(dossier)
    mail.outbox.clear()
    client.post(reverse(URL), {"courriel": "martin.dupont@courriel.fr"})
    assert mail.outbox == []


def test_nouveau_lien_limite_en_debit(client):
    for _ in range(3):
        assert client.post(reverse(URL), {"courriel": "cible@exemple.fr"}).status_code == 302
    assert client.post(reverse(URL), {"courriel": "cible@exemple.fr"}).status_code == 429
    # Une autre adresse, depuis la même connexion, reste possible (limite par IP plus large).
    assert client.post(reverse(URL), {"courriel": "autre@exemple.fr"}).status_code == 302


def test_saisie_invalide(client):
    reponse = client.post(reverse(URL), {"courriel": "pas-une-adresse"})
    assert reponse.status_code == 400
    assert "Saisissez une adresse électronique valide" in texte(reponse)
    assert texte(reponse).count("<h1") == 1

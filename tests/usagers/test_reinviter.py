"""Issue 11, item 2 : « détacher et réinviter », par l'agent des forces de l'ordre (sa déclaration seulement, depuis
« Mes déclarations ») et par l'attributeur (fiche dossier) : confirmation, motif journalisé avec l'acteur,
invitations précédentes invalidées, requérant détaché avec ce qu'il avait saisi et joint. Après le dépôt : refusé."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from precontentieux.enums import StatutDossier, TypeEvenementDossier, TypePiece
from precontentieux.models import Dossier, EvenementDossier, Invitation
from tests.fabriques import UtilisateurFactory, ajouter_piece, completer, declarer
from tests.precontentieux.outils_backoffice import agents

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _isolement(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"
    cache.clear()


def dossier_rattache_a_la_mauvaise_personne():
    declaration = declarer()
    dossier = declaration.dossier
    intrus = UtilisateurFactory(email="intrus@exemple.fr")
    dossier.rattacher(intrus, dossier.invitations.get())
    completer(dossier, pieces=False, iban="FR7630006000011234567890189", prenoms="Ivan")
    ajouter_piece(dossier, TypePiece.FACTURE, nom="facture-intrus.pdf", par=intrus)
    return declaration, Dossier.objects.get(pk=dossier.pk), intrus


def jeton(page):
    return re.search(r'name="jeton" value="([^"]+)"', page.content.decode()).group(1)


def verifier_detache(dossier, intrus, acteur, courriel):
    dossier.refresh_from_db()
    assert dossier.requerant is None and dossier.statut == StatutDossier.A_COMPLETER
    # Ce que l'intrus avait saisi et joint a disparu ; la date et l'adresse déclarées restent.
    assert (dossier.iban, dossier.prenoms, dossier.brouillon) == ("", "", {})
    assert dossier.pieces.count() == 0
    assert dossier.adresse_voie and dossier.date_operation
    evenement = EvenementDossier.objects.get(dossier=dossier, type=TypeEvenementDossier.REINVITATION)
    assert evenement.acteur == acteur
    assert evenement.details["motif"] == "Rattachée au compte d’un voisin."
    assert evenement.details["requerant_detache"] == intrus.pk
    # Une seule invitation valable : la nouvelle, envoyée à la nouvelle adresse.
    valides = list(Invitation.objects.filter(dossier=dossier).valides())
    assert [i.courriel for i in valides] == [courriel]
    assert [m.to for m in mail.outbox if "invitation" in m.subject.lower() or dossier.reference in m.body] == [
        [courriel]
    ]
    assert not Dossier.objects.filter(requerant=intrus).exists()


def test_l_agent_des_forces_de_l_ordre_detache_et_reinvite_depuis_mes_declarations(client):
    declaration, dossier, intrus = dossier_rattache_a_la_mauvaise_personne()
    client.force_login(declaration.agent)
    liste = client.get(reverse("declarations:mes_declarations")).content.decode()
    url = reverse("declarations:reinviter", args=[declaration.pk])
    assert url in liste
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<h1") == 1 and "ne peut pas être annulé" in html  # confirmation avant
    assert 'value="martin.dupont@courriel.fr"' in html  # adresse de la dernière invitation
    # Sans motif : erreur, rien ne change.
    reponse = client.post(url, {"jeton": jeton(page), "courriel": "occupant@exemple.fr", "motif": ""})
    assert reponse.status_code == 400 and "Indiquez le motif" in reponse.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).requerant == intrus

    mail.outbox.clear()
    donnees = {"jeton": jeton(page), "courriel": "occupant@exemple.fr", "motif": "Rattachée au compte d’un voisin."}
    for _ in range(2):  # double clic : une seule nouvelle invitation
        assert client.post(url, donnees)["Location"] == reverse("declarations:mes_declarations")
    verifier_detache(dossier, intrus, declaration.agent, "occupant@exemple.fr")
    # L'intrus ne voit plus la demande.
    client.force_login(intrus)
    assert client.get(reverse("usagers:demande", args=[dossier.reference])).status_code == 404


def test_un_autre_agent_ne_peut_pas_reinviter_la_declaration(client):
    declaration, dossier, intrus = dossier_rattache_a_la_mauvaise_personne()
    client.force_login(UtilisateurFactory(policier=True))
    url = reverse("declarations:reinviter", args=[declaration.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"courriel": "x@exemple.fr", "motif": "x"}).status_code == 404
    assert Dossier.objects.get(pk=dossier.pk).requerant == intrus
    # Un usager, ou un agent de la Justice, non plus.
    for intrus_compte in (intrus, agents()["attributeur"]):
        client.force_login(intrus_compte)
        assert client.post(url, {"courriel": "x@exemple.fr", "motif": "x"}).status_code in (403, 404)
    assert Dossier.objects.get(pk=dossier.pk).requerant == intrus


def test_l_attributeur_detache_et_reinvite_depuis_la_fiche(client):
    declaration, dossier, intrus = dossier_rattache_a_la_mauvaise_personne()
    equipe = agents()
    client.force_login(equipe["attributeur"])
    url = reverse("precontentieux:reinviter", args=[dossier.reference])
    fiche = client.get(reverse("precontentieux:dossier", args=[dossier.reference])).content.decode()
    assert url in fiche
    page = client.get(url)
    assert page.status_code == 200 and "ne peut pas être annulé" in page.content.decode()
    mail.outbox.clear()
    reponse = client.post(
        url, {"jeton": jeton(page), "courriel": "occupant@exemple.fr", "motif": "Rattachée au compte d’un voisin."}
    )
    assert reponse.status_code == 302
    verifier_detache(dossier, intrus, equipe["attributeur"], "occupant@exemple.fr")
    # Un rédacteur ou un validateur : refus, rien ne change.
    for role in ("redacteur", "validateur"):
        client.force_login(equipe[role])
        assert client.post(url, {"courriel": "x@exemple.fr", "motif": "x"}).status_code == 403


def test_apres_le_depot_le_detachement_est_refuse_partout(client):
    """Décision (docs/usagers.md) : la demande déposée est un acte sur l'honneur de son requérant, avec son
    identité et son IBAN : elle n'est jamais remise à une autre personne. Le dossier se clôture avec un motif."""
    declaration = declarer()
    dossier = declaration.dossier
    usager = UtilisateurFactory(email="martin.dupont@courriel.fr", adresse_verifiee=True)
    dossier.rattacher(usager, dossier.invitations.get())
    completer(dossier)
    dossier.deposer(usager, attestation=True)
    equipe = agents()
    avant = (Invitation.objects.count(), EvenementDossier.objects.count())
    for acteur, url in (
        (declaration.agent, reverse("declarations:reinviter", args=[declaration.pk])),
        (equipe["attributeur"], reverse("precontentieux:reinviter", args=[dossier.reference])),
    ):
        client.force_login(acteur)
        page = client.get(url)
        assert page.status_code == 200
        assert "ne peut plus être détachée" in page.content.decode()
        assert 'name="motif"' not in page.content.decode()
        client.post(url, {"courriel": "autre@exemple.fr", "motif": "Essai"})
    dossier.refresh_from_db()
    assert dossier.requerant == usager and dossier.statut == StatutDossier.DEPOSE
    assert dossier.iban
    assert (Invitation.objects.count(), EvenementDossier.objects.exclude(type="consultation").count()) == avant


def test_demande_commencee_par_l_usager_rien_a_reinviter():
    from precontentieux.models import TransitionInterdite
    from tests.fabriques import dossier_usager

    dossier = dossier_usager()
    with pytest.raises(TransitionInterdite, match="commencée par l’usager"):
        dossier.detacher_et_reinviter(agents()["attributeur"], courriel="x@exemple.fr", motif="Essai")
    assert Dossier.objects.get(pk=dossier.pk).requerant_id

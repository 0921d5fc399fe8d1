"""Issue 11, item 7 : la date et l'adresse du bris de porte déclarées par l'agent sont en lecture seule dans la
demande de l'usager (refus côté serveur de toute modification) ; l'usager peut signaler une erreur dans un
commentaire libre que les agents voient."""

import re

import pytest
from django.urls import reverse

from precontentieux.models import Dossier
from tests.fabriques import UtilisateurFactory, dossier_declare, dossier_usager
from usagers.demande.forms import CHAMPS_DECLARES

pytestmark = pytest.mark.django_db

E1 = "le-bris-de-porte"
SIGNALEMENT = "Le numéro de la rue est le 14, pas le 12."


def url(dossier):
    return reverse("usagers:completer_etape", args=[dossier.reference, E1])


def declares(dossier):
    return Dossier.objects.values(*CHAMPS_DECLARES).get(pk=dossier.pk)


def champ_desactive(contenu, nom):
    return re.search(rf'<(input|textarea)[^>]*name="{E1}-{nom}"[^>]*\sdisabled', contenu) is not None


def test_date_et_adresse_declarees_en_lecture_seule_et_signalement(client):
    usager = UtilisateurFactory()
    dossier = dossier_declare(usager)
    client.force_login(usager)
    avant = declares(dossier)
    contenu = client.get(url(dossier)).content.decode()
    for nom in CHAMPS_DECLARES:
        assert champ_desactive(contenu, nom), nom
    assert "déclarées par les forces de l’ordre" in contenu
    assert f'name="{E1}-erreur_signalee"' in contenu

    # Un POST (bouton) qui tente de réécrire la date et l'adresse : ignoré ; le signalement est gardé.
    client.post(
        url(dossier),
        {
            "version": Dossier.objects.get().version,
            "action": "quitter",
            f"{E1}-date_operation": "2020-01-01",
            f"{E1}-adresse_voie": "1 rue Ailleurs",
            f"{E1}-adresse_ville": "Ailleurs",
            f"{E1}-erreur_signalee": SIGNALEMENT,
        },
    )
    # L'enregistrement automatique non plus.
    client.post(
        reverse("usagers:brouillon_demande", args=[dossier.reference]),
        {"version": Dossier.objects.get().version, "etape": E1, f"{E1}-adresse_code_postal": "13001"},
    )
    assert declares(dossier) == avant
    assert Dossier.objects.get().erreur_signalee == SIGNALEMENT
    # Le signalement figure au récapitulatif.
    recapitulatif = client.get(reverse("usagers:completer_etape", args=[dossier.reference, "recapitulatif"]))
    assert SIGNALEMENT in recapitulatif.content.decode()


def test_les_agents_voient_le_signalement(client):
    dossier = dossier_declare(UtilisateurFactory())
    Dossier.objects.filter(pk=dossier.pk).update(erreur_signalee=SIGNALEMENT)
    agent = UtilisateurFactory(is_staff=True, is_superuser=True, agent_mj=True)
    client.force_login(agent)
    page = client.get(reverse("admin:precontentieux_dossier_change", args=[dossier.pk]))
    assert SIGNALEMENT in page.content.decode()


def test_demande_sans_declaration_adresse_modifiable(client):
    usager = UtilisateurFactory()
    dossier = dossier_usager(usager)
    client.force_login(usager)
    contenu = client.get(url(dossier)).content.decode()
    assert not champ_desactive(contenu, "adresse_ville")
    assert "erreur_signalee" not in contenu
    client.post(
        reverse("usagers:brouillon_demande", args=[dossier.reference]),
        {"version": Dossier.objects.get().version, "etape": E1, f"{E1}-adresse_ville": "Marseille"},
    )
    assert Dossier.objects.get().adresse_ville == "Marseille"

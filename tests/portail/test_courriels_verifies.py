"""Courriels officiels seulement vers des adresses prouvées, salutations fixes, invitations limitées par agent
(issue 11, item 5)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from declarations.models import MESSAGE_TROP_D_INVITATIONS, inviter_usager
from portail.adresses import adresse_prouvee
from portail.enums import Fournisseur
from portail.limiteurs import DebitDepasse
from portail.models import EmailSortant, IdentiteOIDC
from precontentieux.models import Invitation
from tests.fabriques import UtilisateurFactory, completer, dossier_declare

pytestmark = pytest.mark.django_db

ARNAQUE = "Votre dossier est bloqué : réglez 35 EUR sur https://arnaque.example"


@pytest.fixture(autouse=True)
def _stockage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"


@pytest.fixture(autouse=True)
def _cache_vide():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_adresse_prouvee_par_allauth_ou_par_le_fournisseur_d_identite():
    assert adresse_prouvee(UtilisateurFactory(email="libre@exemple.fr")) == ""
    assert adresse_prouvee(UtilisateurFactory(email="verifiee@exemple.fr", adresse_verifiee=True)) == (
        "verifiee@exemple.fr"
    )
    franceconnect = UtilisateurFactory(email="Fc@Exemple.fr")
    IdentiteOIDC.objects.create(
        utilisateur=franceconnect, fournisseur=Fournisseur.FRANCECONNECT, sub="s1", claims={"email": "fc@exemple.fr"}
    )
    assert adresse_prouvee(franceconnect) == "Fc@Exemple.fr"
    # Adresse du compte changée ensuite pour une autre : plus prouvée.
    franceconnect.email = "autre@exemple.fr"
    franceconnect.save()
    assert adresse_prouvee(franceconnect) == ""


def test_l_accuse_de_reception_ne_part_jamais_vers_l_adresse_tapee_dans_la_demande():
    usager = UtilisateurFactory(email="compte@exemple.fr", adresse_verifiee=True)
    dossier = completer(dossier_declare(usager), courriel="victime@exemple.fr", nom_naissance=ARNAQUE)
    dossier.deposer(usager, attestation=True)
    destinataires = set(EmailSortant.objects.filter(gabarit="accuse_reception").values_list("destinataire", flat=True))
    assert destinataires == {"compte@exemple.fr"}
    assert not EmailSortant.objects.filter(destinataire="victime@exemple.fr").exists()


def test_sans_adresse_prouvee_aucun_courriel_automatique():
    usager = UtilisateurFactory(email="compte@exemple.fr")
    dossier = completer(dossier_declare(usager), courriel="victime@exemple.fr")
    dossier.deposer(usager, attestation=True)
    assert not EmailSortant.objects.filter(gabarit="accuse_reception").exists()


def gabarits_de_courriels():
    racine = Path(settings.BASE_DIR) / "templates" / "emails"
    return sorted(d.name for d in racine.iterdir() if d.is_dir() and (d / "corps.txt").exists())


@pytest.mark.parametrize("gabarit", gabarits_de_courriels())
def test_la_salutation_ne_commence_jamais_par_un_texte_saisi(gabarit):
    racine = Path(settings.BASE_DIR) / "templates" / "emails" / gabarit
    sources = "".join((racine / f).read_text(encoding="utf-8") for f in ("corps.txt", "corps.html", "sujet.txt"))
    variables = set(re.findall(r"{{\s*(\w+)", sources)) | set(re.findall(r"{%\s*if\s+(\w+)", sources))
    contexte = dict.fromkeys(variables, ARNAQUE)
    # Les listes parcourues par une boucle (récapitulatifs) : vides, la salutation ne dépend pas d'elles.
    contexte.update(dict.fromkeys(re.findall(r"{%\s*for\s+\w+\s+in\s+(\w+)", sources), []))
    contexte.update(destinataire="x@exemple.fr", url_portail="https://portail.example", sujet="Sujet")
    texte = render_to_string(f"emails/{gabarit}/corps.txt", contexte).strip()
    assert texte.splitlines()[0] == "Bonjour,", texte.splitlines()[0]
    html = render_to_string(f"emails/{gabarit}/corps.html", contexte)
    assert "<p>Bonjour,</p>" in html
    assert not render_to_string(f"emails/{gabarit}/sujet.txt", contexte).strip().startswith(ARNAQUE)


def test_invitations_limitees_par_agent():
    dossier = dossier_declare()
    agent = dossier.declaration.agent
    for i in range(20):
        inviter_usager(dossier, courriel=f"usager{i}@exemple.fr", agent=agent)
    with pytest.raises(DebitDepasse):
        inviter_usager(dossier, courriel="encore@exemple.fr", agent=agent)
    assert not Invitation.objects.filter(courriel="encore@exemple.fr").exists()
    # Un autre agent n'est pas concerné.
    autre = UtilisateurFactory(policier=True)
    inviter_usager(dossier, courriel="collegue@exemple.fr", agent=autre)


def test_renvoyer_une_invitation_au_dela_de_la_limite_est_refuse(client):
    from declarations.models import Declaration

    dossier = dossier_declare(coordonnees_usager=False)
    declaration = Declaration.objects.get(dossier=dossier)
    agent = declaration.agent
    for i in range(20):
        inviter_usager(dossier_declare(), courriel=f"u{i}@exemple.fr", agent=agent)
    Invitation.objects.filter(dossier=dossier).delete()
    client.force_login(agent)
    reponse = client.post(
        reverse("declarations:inviter", args=[declaration.pk]),
        {"nom": "DUPONT", "prenom": "Martin", "telephone": "06 00 00 00 00", "courriel": "cible@exemple.fr"},
    )
    assert reponse.status_code == 429
    assert MESSAGE_TROP_D_INVITATIONS in reponse.content.decode()
    assert not Invitation.objects.filter(courriel="cible@exemple.fr").exists()
    assert not EmailSortant.objects.filter(destinataire="cible@exemple.fr").exists()


def test_envoyer_une_declaration_au_dela_de_la_limite_n_envoie_rien():
    from declarations.models import Declaration, envoyer_declaration
    from tests.fabriques import DeclarationFactory

    agent = UtilisateurFactory(policier=True)
    for i in range(20):
        inviter_usager(dossier_declare(), courriel=f"u{i}@exemple.fr", agent=agent)
    declaration = DeclarationFactory(complete=True, agent=agent, usager_courriel="cible@exemple.fr")
    with pytest.raises(DebitDepasse):
        envoyer_declaration(declaration.pk, agent, limiter_invitations=True)
    declaration.refresh_from_db()
    assert not declaration.est_envoyee
    assert not Declaration.objects.get(pk=declaration.pk).dossier_id
    assert not EmailSortant.objects.filter(destinataire="cible@exemple.fr").exists()

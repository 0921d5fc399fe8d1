"""Issue 11, item 12 : un résumé d'erreurs DSFR sur chaque formulaire refusé (création de compte, connexion,
réinitialisation du mot de passe, attestation sur l'honneur du dépôt), chaque erreur menant à son champ ; le
focus y est placé par un script statique (aucun script en ligne)."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.fabriques import UtilisateurFactory, dossier_declare
from tests.portail.comptes_outils import connexion, creer_compte, inscription

pytestmark = pytest.mark.django_db


def resume(reponse):
    contenu = reponse.content.decode()
    trouve = re.search(r'<div class="fr-alert fr-alert--error[^"]*"[^>]*data-resume-erreurs>(.*?)</div>', contenu, re.S)
    assert trouve, "Pas de résumé d'erreurs"
    assert "<script>" not in contenu
    return trouve.group(1)


def test_creation_de_compte(client):
    texte = resume(inscription(client, "camille@exemple.fr", confirmation="Autre-Mot-De-Passe-99"))
    assert 'href="#id_password2"' in texte


def test_connexion(client):
    creer_compte("camille@exemple.fr")
    texte = resume(connexion(client, "camille@exemple.fr", mot_de_passe="mauvais-mot-de-passe"))
    assert "Une information est à corriger" in texte


def test_reinitialisation_du_mot_de_passe(client):
    texte = resume(client.post(reverse("account_reset_password"), {"email": "pas-une-adresse"}))
    assert 'href="#id_email"' in texte


def test_attestation_sur_l_honneur_du_depot(client):
    usager = UtilisateurFactory()
    dossier = dossier_declare(usager)
    client.force_login(usager)
    adresse = reverse("usagers:completer_etape", args=[dossier.reference, "recapitulatif"])
    reponse = client.post(adresse, {"version": dossier.version})
    assert reponse.status_code == 400
    assert 'href="#id_attestation_honneur"' in resume(reponse)


def test_le_focus_va_au_resume_par_un_script_statique():
    with open(finders.find("js/portail.js"), encoding="utf-8") as fichier:
        script = fichier.read()
    assert "[data-resume-erreurs]" in script and ".focus()" in script

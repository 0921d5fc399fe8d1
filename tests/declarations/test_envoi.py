import threading

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from declarations.enums import StatutDeclaration
from declarations.models import Declaration, DeclarationIncomplete, DeclarationVerrouillee, envoyer_declaration
from portail.models import EmailSortant
from precontentieux.enums import OrigineDossier, StatutDossier
from precontentieux.models import Dossier, Invitation
from tests.fabriques import DeclarationFactory

SENTINELLES = {
    "service_enqueteur": "SENTINELLE-SERVICE-7f3a",
    "telephone_service": "01 99 99 99 99",
    "courriel_agent": "sentinelle-7f3a@interieur.gouv.fr",
    "numero_procedure": "SENTINELLE-PROC-7f3a",
    "juridiction": "SENTINELLE-PARQUET-7f3a",
    "magistrat": "SENTINELLE-MAGISTRAT-7f3a",
}


@pytest.mark.django_db
def test_envoi_gele_la_declaration_cree_le_dossier_et_invite_l_usager():
    declaration = DeclarationFactory(complete=True)
    envoyee = envoyer_declaration(declaration.pk, declaration.agent)

    assert envoyee.statut == StatutDeclaration.ENVOYEE
    assert envoyee.reference.startswith("BP-")
    dossier = envoyee.dossier
    assert dossier.statut == StatutDossier.A_COMPLETER
    assert dossier.origine == OrigineDossier.DECLARATION
    assert (dossier.date_operation, dossier.adresse_ville) == (declaration.date_operation, "Lyon")
    invitation = Invitation.objects.get(dossier=dossier)
    assert invitation.courriel == "martin.dupont@courriel.fr"
    assert not invitation.est_utilisee and not invitation.est_expiree
    ligne = EmailSortant.objects.get()
    assert (ligne.gabarit, ligne.destinataire) == ("invitation_usager", "martin.dupont@courriel.fr")
    assert len(mail.outbox) == 1
    assert "indemnisation" in mail.outbox[0].subject


@pytest.mark.django_db
def test_sans_coordonnees_pas_d_invitation():
    declaration = DeclarationFactory(complete=True, coordonnees_usager=False, usager_courriel="", usager_nom="")
    envoyer_declaration(declaration.pk, declaration.agent)
    assert Dossier.objects.count() == 1
    assert not Invitation.objects.exists()
    assert not EmailSortant.objects.exists()


@pytest.mark.django_db
def test_double_envoi_refuse_un_seul_dossier_un_seul_courriel():
    declaration = DeclarationFactory(complete=True)
    envoyer_declaration(declaration.pk, declaration.agent)
    with pytest.raises(DeclarationVerrouillee):
        envoyer_declaration(declaration.pk, declaration.agent)
    assert Dossier.objects.count() == 1
    assert EmailSortant.objects.count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_declaration_incomplete_refusee_en_nommant_les_champs():
    declaration = DeclarationFactory(complete=True, numero_procedure="", coordonnees_usager=None)
    with pytest.raises(DeclarationIncomplete) as erreur:
        envoyer_declaration(declaration.pk, declaration.agent)
    assert "Numéro de procédure" in erreur.value.champs
    assert "J’ai les coordonnées de l’usager" in erreur.value.champs
    assert Declaration.objects.get().statut == StatutDeclaration.BROUILLON
    assert not Dossier.objects.exists()


@pytest.mark.django_db
def test_un_autre_agent_ne_peut_pas_envoyer():
    from tests.fabriques import UtilisateurFactory

    declaration = DeclarationFactory(complete=True)
    with pytest.raises(Declaration.DoesNotExist):
        envoyer_declaration(declaration.pk, UtilisateurFactory(policier=True))
    assert not Dossier.objects.exists()


@pytest.mark.django_db
def test_le_courriel_d_invitation_ne_contient_aucune_donnee_confidentielle():
    declaration = DeclarationFactory(complete=True, **SENTINELLES)
    envoyer_declaration(declaration.pk, declaration.agent)
    courriel = mail.outbox[0]
    contenus = [courriel.subject, courriel.body] + [contenu for contenu, _ in courriel.alternatives]
    contenus.append(str(EmailSortant.objects.get().contexte))
    for valeur in SENTINELLES.values():
        assert all(valeur not in texte for texte in contenus), valeur
    assert "12 rue des Lilas" in courriel.body


@pytest.mark.django_db
def test_le_lien_d_invitation_en_get_ne_change_rien(client):
    declaration = DeclarationFactory(complete=True)
    envoyer_declaration(declaration.pk, declaration.agent)
    lien = next(ligne for ligne in mail.outbox[0].body.splitlines() if "/invitation/" in ligne).strip()
    chemin = lien.split("127.0.0.1:8000", 1)[1]
    for _ in range(3):
        reponse = client.get(chemin)
        assert reponse.status_code == 200
    assert "Créer un compte avec mon adresse email" in reponse.content.decode()
    assert Invitation.objects.get().utilisee_le is None
    reponse = client.post(chemin)
    assert reponse.status_code == 302 and reponse["Location"] == reverse("portail:connexion")


@pytest.mark.django_db
def test_lien_d_invitation_inconnu(client):
    reponse = client.get(reverse("usagers:invitation", args=["jeton-inexistant"]))
    assert reponse.status_code == 404
    assert "n’est pas valable" in reponse.content.decode()


@pytest.mark.django_db(transaction=True)
def test_deux_envois_simultanes_donnent_une_declaration_un_dossier_un_courriel():
    if connection.vendor != "postgresql":
        pytest.skip("Concurrence réelle vérifiée sur PostgreSQL (SQLite sérialise toutes les écritures).")
    declaration = DeclarationFactory(complete=True)
    depart = threading.Barrier(2)
    resultats = []

    def envoyer():
        depart.wait()
        try:
            envoyer_declaration(declaration.pk, declaration.agent)
            resultats.append("envoyee")
        except DeclarationVerrouillee:
            resultats.append("refusee")
        finally:
            connection.close()

    fils = [threading.Thread(target=envoyer) for _ in range(2)]
    for f in fils:
        f.start()
    for f in fils:
        f.join(timeout=30)
    assert sorted(resultats) == ["envoyee", "refusee"]
    assert Dossier.objects.count() == 1
    assert Invitation.objects.count() == 1
    assert EmailSortant.objects.count() == 1

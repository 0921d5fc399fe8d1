import datetime

import pytest
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from declarations.enums import StatutDeclaration
from declarations.models import Declaration, DeclarationVerrouillee, PieceJointeDeclaration
from portail.enums import CodeAdministration, Role, TypeUtilisateur
from portail.models import Administration, Utilisateur
from precontentieux.enums import OrigineDossier
from precontentieux.models import Dossier

pytestmark = pytest.mark.django_db


@pytest.fixture
def policier():
    from django.contrib.auth.models import Group

    agent = Utilisateur.objects.create_user(
        identifiant="proconnect:policier",
        email="policier@interieur.gouv.fr",
        type=TypeUtilisateur.AGENT,
        administration=Administration.objects.get(code=CodeAdministration.PN),
    )
    agent.groups.add(Group.objects.get(name=Role.FORCES_DE_L_ORDRE))
    return agent


def envoyer(declaration):
    """Gèle la déclaration comme le fera la transition d'envoi."""
    dossier = Dossier.creer(origine=OrigineDossier.DECLARATION, date_operation=declaration.date_operation)
    declaration.statut = StatutDeclaration.ENVOYEE
    declaration.reference = "BP-2026-TEST01"
    declaration.envoyee_le = timezone.now()
    declaration.dossier = dossier
    declaration.save()
    return declaration


@pytest.fixture
def declaration_envoyee(policier):
    declaration = Declaration.objects.create(
        agent=policier, date_operation=datetime.date(2026, 11, 1), service_enqueteur="SRPJ"
    )
    PieceJointeDeclaration.objects.create(
        declaration=declaration,
        fichier=ContentFile(b"%PDF-1.4", name="pv.pdf"),
        nom_original="pv.pdf",
        type_mime="application/pdf",
        taille=8,
    )
    return envoyer(declaration)


def test_un_brouillon_se_modifie_et_se_supprime(policier):
    declaration = Declaration.objects.create(agent=policier)
    declaration.adresse_ville = "Lyon"
    declaration.save()
    assert Declaration.objects.get().adresse_ville == "Lyon"
    declaration.delete()
    assert not Declaration.objects.exists()


def test_le_modele_refuse_toute_ecriture_apres_envoi(declaration_envoyee):
    declaration = Declaration.objects.get(pk=declaration_envoyee.pk)
    declaration.service_enqueteur = "Autre"
    with pytest.raises(DeclarationVerrouillee):
        declaration.save()
    with pytest.raises(DeclarationVerrouillee):
        declaration.delete()
    assert Declaration.objects.get().service_enqueteur == "SRPJ"


def test_la_base_refuse_une_mise_a_jour_orm_directe(declaration_envoyee):
    with pytest.raises(IntegrityError), transaction.atomic():
        Declaration.objects.filter(pk=declaration_envoyee.pk).update(service_enqueteur="Autre")
    assert Declaration.objects.get().service_enqueteur == "SRPJ"


def test_la_base_refuse_le_sql_brut(declaration_envoyee):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as curseur:
        curseur.execute(
            "UPDATE declarations_declaration SET statut = 'brouillon' WHERE id = %s", [declaration_envoyee.pk]
        )
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as curseur:
        curseur.execute("DELETE FROM declarations_declaration WHERE id = %s", [declaration_envoyee.pk])
    assert Declaration.objects.get().statut == StatutDeclaration.ENVOYEE


def test_la_base_refuse_d_ajouter_modifier_ou_retirer_une_piece(declaration_envoyee):
    piece = declaration_envoyee.pieces.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        PieceJointeDeclaration.objects.create(
            declaration=declaration_envoyee, fichier="x", nom_original="photo.jpg", type_mime="image/jpeg", taille=1
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        PieceJointeDeclaration.objects.filter(pk=piece.pk).update(nom_original="autre.pdf")
    with pytest.raises(IntegrityError), transaction.atomic():
        PieceJointeDeclaration.objects.filter(pk=piece.pk).delete()
    assert declaration_envoyee.pieces.get().nom_original == "pv.pdf"


def test_une_declaration_envoyee_porte_reference_date_et_dossier(policier):
    with pytest.raises(IntegrityError), transaction.atomic():
        Declaration.objects.create(agent=policier, statut=StatutDeclaration.ENVOYEE)

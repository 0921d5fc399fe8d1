"""Outils des tests de la demande : dossier réel issu d'une déclaration envoyée, demande complète, pièces."""

import datetime

from declarations.models import envoyer_declaration
from portail.fichiers import enregistrer_prive, verifier_fichier
from precontentieux.enums import Civilite, OrigineDossier, QualiteRequerant, TypeRequerant
from precontentieux.models import Dossier, PieceJointeDossier
from precontentieux.pieces import Situation, types_requis
from tests import fichiers_exemples as ex
from tests.factories import DeclarationFactory, UtilisateurFactory

# Valeurs plantées dans chaque champ confidentiel de l'étape 2 : elles ne doivent jamais atteindre l'usager.
SENTINELLES = {
    "service_enqueteur": "SENTINELLE-SERVICE-Q7X",
    "telephone_service": "+33 9 71 37 19 73",
    "courriel_agent": "sentinelle-agent-q7x@interieur.gouv.fr",
    "numero_procedure": "SENTINELLE-PROC-Q7X",
    "juridiction": "SENTINELLE-PARQUET-Q7X",
    "magistrat": "SENTINELLE-MAGISTRAT-Q7X",
}
TEXTES_SENTINELLES = list(SENTINELLES.values())

IBAN_VALIDE = "FR7630006000011234567890189"
SIRET_VALIDE = "73282932000074"

CHAMPS_PERSONNE_PHYSIQUE = {
    "type_requerant": TypeRequerant.PERSONNE_PHYSIQUE,
    "qualite": QualiteRequerant.LOCATAIRE,
    "description": "Porte d’entrée enfoncée, serrure arrachée.",
    "porte_blindee": False,
    "reparation_effectuee": True,
    "logement_assure": True,
    "civilite": Civilite.MONSIEUR,
    "prenoms": "Martin Paul",
    "nom_naissance": "DUPONT",
    "date_naissance": datetime.date(1980, 5, 17),
    "lieu_naissance": "Lyon",
    "requerant_adresse_voie": "12 rue des Lilas",
    "requerant_adresse_code_postal": "69003",
    "requerant_adresse_ville": "Lyon",
    "telephone": "06 00 00 00 00",
    "courriel": "martin.dupont@courriel.fr",
    "iban": IBAN_VALIDE,
    "titulaire_compte": "Martin DUPONT",
    "attestation_honneur": True,
}


def dossier_declare(requerant=None, **declaration):
    """Un vrai dossier : déclaration complète (avec sentinelles confidentielles) envoyée par l'agent."""
    declaration = DeclarationFactory(complete=True, **{**SENTINELLES, **declaration})
    declaration = envoyer_declaration(declaration.pk, declaration.agent)
    dossier = declaration.dossier
    if requerant is not None:
        Dossier.objects.filter(pk=dossier.pk).update(requerant=requerant)
        dossier.refresh_from_db()
    return dossier


def dossier_usager(requerant=None):
    """Dossier commencé par l'usager seul (sans déclaration)."""
    requerant = requerant or UtilisateurFactory()
    return Dossier.creer(origine=OrigineDossier.USAGER, acteur=requerant, requerant=requerant)


def ajouter_piece(dossier, type_piece, contenu=None, nom="document.pdf", par=None):
    verifie = verifier_fichier(ex.televerse(nom, contenu or ex.pdf_simple()))
    return PieceJointeDossier.objects.create(
        dossier=dossier,
        type=type_piece,
        fichier=enregistrer_prive(verifie, "dossiers"),
        nom=verifie.nom,
        type_mime=verifie.type_mime,
        taille=verifie.taille,
        ajoutee_par=par or dossier.requerant,
    )


def completer(dossier, pieces=True, sauf=(), **champs):
    """Remplit la demande (personne physique locataire par défaut) et joint toutes les pièces requises."""
    valeurs = {**CHAMPS_PERSONNE_PHYSIQUE, **champs}
    Dossier.objects.filter(pk=dossier.pk).update(**valeurs)
    dossier.refresh_from_db()
    if pieces:
        for type_piece in sorted(types_requis(Situation.du_dossier(dossier)) - set(sauf)):
            ajouter_piece(dossier, type_piece, nom=f"{type_piece}.pdf")
    return dossier

"""Dossiers de démonstration pour le back-office (semés par `make run`, idempotent).

Chaque dossier suit le vrai chemin : un policier déclare le bris de porte (étape 2 confidentielle comprise),
l'usager invité rattache la demande à son compte, la complète avec ses pièces et la dépose ; puis les
agents du ministère le font avancer par les transitions (`Dossier.transitionner`, jamais d'écriture de
`statut`). Résultat : chaque persona du ministère a quelque chose à faire dès la connexion —
l'attributeur des dossiers à attribuer (dont un proche du rejet implicite), le rédacteur Rémi Roux des
dossiers à instruire, en instruction et en attente de compléments, la validatrice une proposition et un
rejet à signer, la liaison budget un dossier à indemniser, la persona usager Camille Durand une demande de
compléments à laquelle répondre, le gestionnaire de quoi chercher.

Vit dans `declarations` (qui peut importer `precontentieux`, l'inverse étant interdit).
"""

import datetime
import io
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from declarations.enums import ErreurOperationnelle
from declarations.models import Declaration, envoyer_declaration
from outils.oidc_local.personas import persona
from portail.enums import CodeAdministration, Fournisseur, Role, TypeUtilisateur
from portail.fichiers import enregistrer_prive, verifier_fichier
from portail.models import Administration, IdentiteOIDC, Utilisateur
from precontentieux import decision
from precontentieux.enums import Civilite, MotifRejet, QualiteRequerant, TypePiece, TypeRequerant
from precontentieux.instruction import demander_complements
from precontentieux.models import Dossier
from precontentieux.pieces import Situation, types_requis
from precontentieux.signature import accepter_proposition, signer_decision

MARQUE = "[DÉMONSTRATION]"
IBAN_DEMO = "FR7630006000011234567890189"

# (clé, transitions après le dépôt, jours depuis le dépôt, usager, adresse, ville, code postal)
INSTRUIRE = ["attribuer", "demarrer_instruction"]
DOSSIERS = [
    ("a-attribuer-urgent", [], 50, ("Martin", "DUPONT"), "12 rue des Lilas", "Lyon", "69003"),
    ("a-attribuer", [], 3, ("Inès", "BENALI"), "4 place de l’Église", "Villeurbanne", "69100"),
    ("a-instruire", ["attribuer"], 20, ("Hélène", "FAURÉ"), "27 avenue Jean-Jaurès", "Toulouse", "31000"),
    ("en-instruction", INSTRUIRE, 35, ("Noël", "LÉGER"), "8 boulevard Émile-Zola", "Lille", "59000"),
    ("en-instruction-depasse", INSTRUIRE, 64, ("Zoé", "MERCIER"), "3 impasse des Érables", "Nantes", "44000"),
    (
        "attente-complements",
        INSTRUIRE + ["demander_complements"],
        15,
        "usager-camille",
        "19 rue Victor-Hugo",
        "Marseille",
        "13005",
    ),
    (
        "proposition-a-signer",
        INSTRUIRE + ["proposer_indemnisation"],
        40,
        ("Lucas", "GARNIER"),
        "2 allée des Châtaigniers",
        "Rennes",
        "35000",
    ),
    ("rejet-a-signer", INSTRUIRE + ["proposer_rejet"], 45, ("Chloé", "BLANC"), "5 chemin des Prés", "Nice", "06000"),
    (
        "a-indemniser",
        INSTRUIRE
        + ["proposer_indemnisation", "signer_proposition", "accepter_proposition", "preparer_arrete", "signer_arrete"],
        58,
        ("Louis", "MOREAU"),
        "31 rue de la République",
        "Bordeaux",
        "33000",
    ),
]

# Qui fait chaque transition, et avec quoi (message ou motif).
ETAPES = {
    "attribuer": lambda d, a: d.attribuer(a["attributeur"], a["redacteur"]),
    "demarrer_instruction": lambda d, a: d.demarrer_instruction(a["redacteur"]),
    # Par le fil d'échanges (precontentieux.instruction) : le message apparaît des deux côtés.
    "demander_complements": lambda d, a: demander_complements(
        d,
        a["redacteur"],
        "Bonjour, pourriez-vous nous transmettre la facture acquittée de la réparation ? Merci.",
        [TypePiece.FACTURE],
    ),
    # Comme à l'écran : aperçu du courrier, puis soumission à la signature (precontentieux/decision.py).
    "proposer_indemnisation": lambda d, a: decision.soumettre(
        d, a["redacteur"], decision.apercu_proposition(d, a["redacteur"], d.montant_demande).pk
    ),
    "proposer_rejet": lambda d, a: decision.soumettre(
        d, a["redacteur"], decision.apercu_rejet(d, a["redacteur"], MotifRejet.REQUERANT_MIS_EN_CAUSE).pk
    ),
    # Comme à l'écran (precontentieux/signature.py) : courrier signé, déclaration d'acceptation signée.
    "signer_proposition": lambda d, a: signer_decision(d, a["validateur"]),
    "accepter_proposition": lambda d, a: accepter_proposition(d, d.requerant, iban=d.iban, ip="127.0.0.1"),
    "preparer_arrete": lambda d, a: d.transitionner("preparer_arrete", a["redacteur"]),
    "signer_arrete": lambda d, a: d.transitionner("signer_arrete", a["validateur"]),
}


def _agent_demo(cle):
    """Compte de la persona ProConnect `cle` (créé ici pour le policier ; les agents MJ viennent de portail.demo)."""
    claims = persona("proconnect", cle)["claims"]
    identite = IdentiteOIDC.objects.select_related("utilisateur").filter(
        fournisseur=Fournisseur.PROCONNECT, sub=claims["sub"]
    )
    if identite.exists():
        return identite.get().utilisateur
    agent = Utilisateur.objects.create(
        identifiant=f"{Fournisseur.PROCONNECT}:{claims['sub']}",
        type=TypeUtilisateur.AGENT,
        email=claims["email"],
        prenom=claims["given_name"],
        nom=claims["usual_name"],
        administration=Administration.objects.get(siret=claims["siret"]),
    )
    agent.set_unusable_password()
    agent.save(update_fields=["password"])
    IdentiteOIDC.objects.create(utilisateur=agent, fournisseur=Fournisseur.PROCONNECT, sub=claims["sub"], claims=claims)
    if agent.administration.code != CodeAdministration.MJ:
        agent.groups.add(Group.objects.get(name=Role.FORCES_DE_L_ORDRE))
    return agent


def _usager(qui):
    """La persona FranceConnect `qui`, ou un usager fictif (prénom, nom) avec un compte par courriel."""
    if isinstance(qui, str):
        claims = persona("franceconnect", qui)["claims"]
        identite = IdentiteOIDC.objects.filter(fournisseur=Fournisseur.FRANCECONNECT, sub=claims["sub"]).first()
        if identite:
            return identite.utilisateur, claims["given_name"].split()[0], claims["family_name"]
        usager = Utilisateur.objects.create(
            identifiant=f"{Fournisseur.FRANCECONNECT}:{claims['sub']}",
            email=claims["email"],
            prenom=claims["given_name"],
            nom=claims["family_name"],
        )
        usager.set_unusable_password()
        usager.save(update_fields=["password"])
        IdentiteOIDC.objects.create(
            utilisateur=usager, fournisseur=Fournisseur.FRANCECONNECT, sub=claims["sub"], claims=claims
        )
        return usager, claims["given_name"].split()[0], claims["family_name"]
    prenom, nom = qui
    courriel = f"{prenom}.{nom}@demo.exemple.fr".lower().replace("é", "e").replace("è", "e").replace("ë", "e")
    usager, cree = Utilisateur.objects.get_or_create(
        identifiant=courriel, defaults={"email": courriel, "prenom": prenom, "nom": nom}
    )
    if cree:
        usager.set_unusable_password()
        usager.save(update_fields=["password"])
    return usager, prenom, nom


def _fichier(type_piece):
    """Une photo (PNG) pour les photos, un PDF d'une page pour le reste ; passés par la vérification commune."""
    if type_piece == TypePiece.PHOTO_PORTE:
        from PIL import Image

        tampon = io.BytesIO()
        Image.new("RGB", (320, 240), (120, 90, 60)).save(tampon, format="PNG")
        nom, contenu = "photo-porte.png", tampon.getvalue()
    else:
        from pypdf import PdfWriter

        writer, tampon = PdfWriter(), io.BytesIO()
        writer.add_blank_page(595, 842)
        writer.write(tampon)
        nom, contenu = f"{type_piece}.pdf", tampon.getvalue()
    return verifier_fichier(SimpleUploadedFile(nom, contenu))


def _declarer(policier, usager, prenom, nom, adresse, ville, code_postal, jours, marque):
    declaration = Declaration.objects.create(
        agent=policier,
        erreur_operationnelle=ErreurOperationnelle.OUI,
        description_operation=f"{MARQUE} Porte d’entrée enfoncée lors d’une perquisition ; logement non visé.",
        date_operation=timezone.localdate() - datetime.timedelta(days=jours + 7),
        adresse_voie=adresse,
        adresse_code_postal=code_postal,
        adresse_ville=ville,
        service_enqueteur="Commissariat central (démonstration)",
        telephone_service="01 99 00 00 00",
        courriel_agent="service.demo@interieur.gouv.fr",
        numero_procedure=f"DEMO/{code_postal}/{jours:03d}",
        juridiction="Parquet de démonstration",
        magistrat="Mme Juge (démonstration)",
        coordonnees_usager=True,
        usager_civilite=Civilite.MADAME,
        usager_nom=nom,
        usager_prenom=prenom,
        usager_telephone="06 99 00 00 00",
        usager_courriel=usager.email,
        usager_precisions=marque,
    )
    return envoyer_declaration(declaration.pk, policier).dossier


def _completer_et_deposer(dossier, usager, prenom, nom):
    dossier.rattacher(usager, dossier.invitations.valides().first())
    Dossier.objects.filter(pk=dossier.pk).update(
        type_requerant=TypeRequerant.PERSONNE_PHYSIQUE,
        qualite=QualiteRequerant.LOCATAIRE,
        description="Porte d’entrée enfoncée, serrure et encadrement à remplacer.",
        porte_blindee=False,
        reparation_effectuee=True,
        logement_assure=True,
        montant_demande=Decimal("1180.40"),
        civilite=Civilite.MADAME,
        prenoms=prenom,
        nom_naissance=nom,
        date_naissance=datetime.date(1985, 4, 12),
        lieu_naissance="Lyon",
        requerant_adresse_voie=dossier.adresse_voie,
        requerant_adresse_code_postal=dossier.adresse_code_postal,
        requerant_adresse_ville=dossier.adresse_ville,
        telephone="06 99 00 00 00",
        courriel=usager.email,
        iban=IBAN_DEMO,
        titulaire_compte=f"{prenom} {nom}",
    )
    dossier.refresh_from_db()
    for type_piece in sorted(types_requis(Situation.du_dossier(dossier))):
        verifie = _fichier(type_piece)
        dossier.ajouter_piece(
            usager,
            type=type_piece,
            fichier=enregistrer_prive(verifie, "dossiers"),
            nom=verifie.nom,
            type_mime=verifie.type_mime,
            taille=verifie.taille,
        )
    dossier.deposer(usager, attestation=True)
    dossier.refresh_from_db()
    return dossier


def semer_dossiers_demo():
    """Crée les dossiers de démonstration absents ; renvoie la liste des actions, en français."""
    actions = []
    policier = _agent_demo("policier")
    acteurs = {cle: _agent_demo(cle) for cle in ("attributeur", "redacteur", "validateur")}
    for cle, etapes, jours, qui, adresse, ville, code_postal in DOSSIERS:
        marque = f"{MARQUE} {cle}"
        if Declaration.objects.filter(usager_precisions=marque).exists():
            continue
        with transaction.atomic():
            usager, prenom, nom = _usager(qui)
            dossier = _declarer(policier, usager, prenom, nom, adresse, ville, code_postal, jours, marque)
            dossier = _completer_et_deposer(dossier, usager, prenom, nom)
            for etape in etapes:
                ETAPES[etape](dossier, acteurs)
                dossier.refresh_from_db()
            # La démonstration montre l'horloge légale : la date de dépôt est reculée (le statut n'est pas touché).
            Dossier.objects.filter(pk=dossier.pk).update(depose_le=timezone.now() - datetime.timedelta(days=jours))
        actions.append(f"Dossier de démonstration {dossier.reference} : {dossier.get_statut_display()} ({cle})")
    return actions

"""Fabriques et aides des tests (le seul module) : utilisateurs par rôle, déclarations, dossiers par
état, invitations, pièces.

Un dossier n'est jamais posé dans un état : `DossierFactory(etat=...)` (ou un trait, `depose=True`,
`en_instruction=True`…) l'y amène EN APPELANT les transitions de `precontentieux/workflow.py`, par le
plus court chemin depuis « À compléter ». Un test ne peut donc pas fabriquer un dossier impossible.
"""

import datetime
from collections import deque
from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from declarations.enums import ErreurOperationnelle
from declarations.models import Declaration, envoyer_declaration
from portail.enums import CodeAdministration, Role, TypeUtilisateur
from portail.fichiers import enregistrer_prive, verifier_fichier
from portail.models import Administration, Utilisateur
from precontentieux import workflow
from precontentieux.enums import Civilite, OrigineDossier, QualiteRequerant, StatutDossier, TypeRequerant
from precontentieux.models import Dossier, Invitation, PieceJointeDossier
from precontentieux.pieces import Situation, types_requis
from tests import fichiers_exemples as ex

S = StatutDossier

# --- Utilisateurs ---------------------------------------------------------------------------------


class UtilisateurFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Utilisateur
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@exemple.fr")
    identifiant = factory.LazyAttribute(lambda u: u.email.lower())
    prenom = "Camille"
    nom = "Martin"
    type = TypeUtilisateur.USAGER

    class Params:
        policier = factory.Trait(
            type=TypeUtilisateur.AGENT,
            identifiant=factory.Sequence(lambda n: f"proconnect:policier-{n}"),
            administration=factory.LazyFunction(lambda: Administration.objects.get(code=CodeAdministration.PN)),
            roles__defaut=[Role.FORCES_DE_L_ORDRE],
        )
        agent_mj = factory.Trait(
            type=TypeUtilisateur.AGENT,
            identifiant=factory.Sequence(lambda n: f"proconnect:mj-{n}"),
            administration=factory.LazyFunction(lambda: Administration.objects.get(code=CodeAdministration.MJ)),
        )

    @factory.post_generation
    def roles(self, create, roles, defaut=()):
        # Rôles passés explicitement (roles=[...]) ou ceux du trait (roles__defaut).
        roles = roles if roles is not None else defaut
        if create and roles:
            self.groups.add(*Group.objects.filter(name__in=[str(r) for r in roles]))
            self.__dict__.pop("_roles_cache", None)

    @factory.post_generation
    def adresse_verifiee(self, create, verifiee, **kwargs):
        """`UtilisateurFactory(adresse_verifiee=True)` : adresse du compte vérifiée (django-allauth), donc
        « prouvée » : les courriels automatiques peuvent y partir (portail/adresses.py)."""
        if create and verifiee:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.create(user=self, email=self.email.lower(), primary=True, verified=True)


def agent(*roles):
    """Un agent du ministère de la Justice qui a ces rôles (« attributeur », Role.VALIDATEUR…)."""
    return UtilisateurFactory(agent_mj=True, roles=list(roles))


# --- Déclarations des forces de l'ordre -----------------------------------------------------------


class DeclarationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Declaration

    agent = factory.SubFactory(UtilisateurFactory, policier=True)

    class Params:
        complete = factory.Trait(
            erreur_operationnelle=ErreurOperationnelle.OUI,
            description_operation="1 porte et 1 portail cassés, aucun numéro sur la porte",
            date_operation=datetime.date(2026, 11, 2),
            adresse_voie="12 rue des Lilas",
            adresse_complement="3e étage, escalier B",
            adresse_code_postal="69003",
            adresse_ville="Lyon",
            service_enqueteur="Commissariat de Lyon 3e",
            telephone_service="04 00 00 00 00",
            courriel_agent="agent@interieur.gouv.fr",
            numero_procedure="2026/000123",
            juridiction="Parquet de Lyon",
            magistrat="Mme Juge",
            coordonnees_usager=True,
            usager_civilite=Civilite.MONSIEUR,
            usager_nom="DUPONT",
            usager_prenom="Martin",
            usager_telephone="06 00 00 00 00",
            usager_courriel="martin.dupont@courriel.fr",
            usager_precisions="Locataire et épouse du mis en cause",
        )


class SerrurierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "declarations.Serrurier"

    raison_sociale = factory.Sequence(lambda n: f"Serrurerie d’essai n° {n}")
    adresse = factory.Sequence(lambda n: f"{n} rue de l’Essai")
    code_postal = "69003"
    ville = "Lyon"
    telephone = factory.Sequence(lambda n: f"01 99 00 {n // 100 % 100:02d} {n % 100:02d}")
    horaires = "24 h/24"


def declarer(**champs):
    """Un agent envoie une déclaration complète : dossier À compléter, invitation et son courriel."""
    declaration = DeclarationFactory(complete=True, **champs)
    return envoyer_declaration(declaration.pk, declaration.agent)


# --- Demande de l'usager --------------------------------------------------------------------------

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

# Demande complète d'une personne physique locataire (valeurs des colonnes du dossier).
DEMANDE_PERSONNE_PHYSIQUE = {
    "type_requerant": TypeRequerant.PERSONNE_PHYSIQUE,
    "qualite": QualiteRequerant.LOCATAIRE,
    "description": "Porte d’entrée enfoncée, serrure arrachée.",
    "porte_blindee": False,
    "reparation_effectuee": True,
    "logement_assure": True,
    "montant_demande": Decimal("1234.56"),
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


def inviter(dossier, courriel="usager@exemple.fr", **champs):
    """Invitation du dossier ; renvoie (invitation, jeton en clair)."""
    return Invitation.creer(dossier, courriel=courriel, **champs)


def dossier_invite(**champs_invitation):
    """Dossier À compléter et son invitation ; renvoie (dossier, invitation, jeton)."""
    dossier = Dossier.creer(origine="declaration", adresse_voie="3 rue Haute", adresse_code_postal="75011")
    invitation, jeton = inviter(dossier, **champs_invitation)
    return dossier, invitation, jeton


def dossier_declare(requerant=None, **declaration):
    """Un vrai dossier : déclaration complète (avec sentinelles confidentielles) envoyée par l'agent,
    rattaché au compte de `requerant` par son invitation (transition « rattacher »)."""
    dossier = declarer(**{**SENTINELLES, **declaration}).dossier
    if requerant is not None:
        invitation = dossier.invitations.valides().first() or inviter(dossier)[0]
        dossier.rattacher(requerant, invitation)
    return dossier


def dossier_usager(requerant=None):
    """Dossier commencé par l'usager seul (sans déclaration)."""
    requerant = requerant or UtilisateurFactory()
    return Dossier.creer(origine=OrigineDossier.USAGER, acteur=requerant, requerant=requerant)


def ajouter_piece(dossier, type_piece, contenu=None, nom="document.pdf", par=None):
    """Pièce vérifiée et rangée en privé, jointe par la transition « ajouter_piece »."""
    verifie = verifier_fichier(ex.televerse(nom, contenu or ex.pdf_simple()))
    return dossier.ajouter_piece(
        par or dossier.requerant,
        type=type_piece,
        fichier=enregistrer_prive(verifie, "dossiers"),
        nom=verifie.nom,
        type_mime=verifie.type_mime,
        taille=verifie.taille,
    )


def completer(dossier, pieces=True, sauf=(), **champs):
    """Remplit la demande (personne physique locataire par défaut) et joint toutes les pièces requises.

    Écrit les colonnes comme le ferait l'assistant de l'usager (dossier À compléter)."""
    assert dossier.statut == S.A_COMPLETER, "on ne complète qu’une demande à compléter"
    Dossier.objects.filter(pk=dossier.pk).update(**{**DEMANDE_PERSONNE_PHYSIQUE, **champs})
    dossier.refresh_from_db()
    if pieces:
        for type_piece in sorted(types_requis(Situation.du_dossier(dossier)) - set(sauf)):
            ajouter_piece(dossier, type_piece, nom=f"{type_piece}.pdf")
    return dossier


# --- Dossiers par état, atteints par les transitions ----------------------------------------------


def chemins():
    """{état: [noms de transitions]} : le plus court chemin depuis « À compléter » (parcours en largeur
    de la table ; l'ordre de la table départage)."""
    chemins = {S.A_COMPLETER: []}
    file = deque([S.A_COMPLETER])
    while file:
        etat = file.popleft()
        for transition in workflow.TRANSITIONS.values():
            if transition.cible and etat in transition.sources and transition.cible not in chemins:
                chemins[transition.cible] = [*chemins[etat], transition.nom]
                file.append(transition.cible)
    return chemins


class Acteurs:
    """Les acteurs d'un dossier fabriqué, créés à la demande (un seul par rôle)."""

    def __init__(self, dossier, **connus):
        self.dossier = dossier
        self.par_role = dict(connus)

    def role(self, role):
        role = str(role)
        if role not in self.par_role:
            self.par_role[role] = agent(role)
        return self.par_role[role]

    def pour(self, transition):
        """Un acteur autorisé de la transition (requérant, rédacteur en charge, rôle ou système)."""
        if workflow.REQUERANT in transition.acteurs:
            return self.dossier.requerant
        if workflow.REDACTEUR_EN_CHARGE in transition.acteurs and self.dossier.redacteur_id:
            return self.dossier.redacteur
        roles = sorted(transition.acteurs - workflow.ACTEURS_LIES)
        if roles:
            return self.role(roles[0])
        return None  # système


def appliquer(dossier, nom, acteurs=None, **options):
    """Fait la transition `nom` avec un acteur autorisé et les arguments requis (motif, rédacteur)."""
    acteurs = acteurs or Acteurs(dossier)
    transition = workflow.TRANSITIONS[nom]
    if nom == "deposer":
        return dossier.deposer(dossier.requerant, attestation=True)
    if nom in ("proposer_indemnisation", "proposer_rejet"):
        # Comme à l'écran : aperçu du courrier puis soumission (precontentieux/decision.py).
        from precontentieux import decision

        redacteur = acteurs.pour(transition)
        if nom == "proposer_indemnisation":
            courrier = decision.apercu_proposition(dossier, redacteur, options.get("montant", Decimal("850.00")))
        else:
            courrier = decision.apercu_rejet(dossier, redacteur, options.get("motif_rejet", "locataire_mis_en_cause"))
        decision.soumettre(dossier, redacteur, courrier.pk)
        return dossier
    if nom == "preparer_arrete":
        # Comme à l'écran : la transition et l'arrêté de paiement (courrier) ensemble.
        from precontentieux import paiement

        paiement.preparer_arrete(dossier, acteurs.pour(transition))
        return dossier
    if nom in ("signer_proposition", "signer_rejet", "signer_arrete"):
        # Comme à l'écran : la transition et la signature du courrier actif (precontentieux/signature.py) ;
        # sans courrier (arrêté préparé sans son courrier), la transition seule.
        from precontentieux import signature
        from precontentieux.courriers import courrier_actif

        if courrier_actif(dossier, signature.signature_du_dossier(dossier).type_courrier) is not None:
            signature.signer_decision(dossier, acteurs.pour(transition))
            return dossier
    if nom == "accepter_proposition":
        from precontentieux import signature

        signature.accepter_proposition(dossier, dossier.requerant, iban=dossier.iban, ip="192.0.2.10")
        return dossier
    if transition.motif_requis:
        options.setdefault("motif", f"Motif de « {transition.libelle} »")
    if "redacteur" in transition.champs_requis:
        options.setdefault("redacteur", acteurs.role(Role.REDACTEUR))
    if "date_virement" in transition.champs_requis:
        from django.utils import timezone

        options.setdefault("date_virement", timezone.localdate())
    return dossier.transitionner(nom, acteurs.pour(transition), **options)


def amener(dossier, etat, acteurs=None):
    """Fait passer un dossier À compléter (demande complète) jusqu'à `etat` par les transitions."""
    acteurs = acteurs or Acteurs(dossier)
    for nom in chemins()[etat]:
        appliquer(dossier, nom, acteurs)
    return dossier


class DossierFactory(factory.Factory):
    """`DossierFactory()` : demande complète à compléter, rattachée à son requérant.
    `DossierFactory(depose=True)`, `(en_instruction=True)`… ou `(etat=StatutDossier.X)` : amené dans cet
    état par les transitions. `dossier.acteurs` : les agents créés en chemin (`dossier.acteurs.role(...)`)."""

    class Meta:
        model = Dossier

    requerant = factory.SubFactory(UtilisateurFactory)
    etat = S.A_COMPLETER
    complet = True
    origine = OrigineDossier.DECLARATION

    class Params:
        depose = factory.Trait(etat=S.DEPOSE)
        a_instruire = factory.Trait(etat=S.A_INSTRUIRE)
        en_instruction = factory.Trait(etat=S.EN_INSTRUCTION)
        attente_complements = factory.Trait(etat=S.ATTENTE_COMPLEMENTS)
        proposition_a_signer = factory.Trait(etat=S.PROPOSITION_A_SIGNER)
        rejet_a_signer = factory.Trait(etat=S.REJET_A_SIGNER)
        proposition_envoyee = factory.Trait(etat=S.PROPOSITION_ENVOYEE)
        rejete = factory.Trait(etat=S.REJETE)
        proposition_acceptee = factory.Trait(etat=S.PROPOSITION_ACCEPTEE)
        proposition_refusee = factory.Trait(etat=S.PROPOSITION_REFUSEE)
        arrete_a_signer = factory.Trait(etat=S.ARRETE_A_SIGNER)
        a_indemniser = factory.Trait(etat=S.A_INDEMNISER)
        transmis_budget = factory.Trait(etat=S.TRANSMIS_BUDGET)
        indemnise = factory.Trait(etat=S.INDEMNISE)
        cloture = factory.Trait(etat=S.CLOTURE)

    @classmethod
    def _create(cls, model_class, *, requerant, etat, complet, origine, acteurs=None, **declaration):
        if origine == OrigineDossier.USAGER:
            dossier = dossier_usager(requerant)
        else:
            dossier = dossier_declare(requerant, **declaration)
        if complet:
            completer(dossier)
        dossier.acteurs = Acteurs(dossier, **(acteurs or {}))
        return amener(dossier, etat, dossier.acteurs)

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise TypeError("Un dossier se fabrique en base, par ses transitions : DossierFactory(...), pas .build().")


class InvitationFactory(factory.Factory):
    """Invitation (valide) d'un dossier à compléter ; `invitation.jeton` : le jeton en clair du lien."""

    class Meta:
        model = Invitation

    dossier = factory.LazyFunction(
        lambda: Dossier.creer(origine=OrigineDossier.DECLARATION, adresse_voie="3 rue Haute")
    )
    courriel = factory.Sequence(lambda n: f"invite{n}@exemple.fr")

    @classmethod
    def _create(cls, model_class, *, dossier, courriel, **champs):
        invitation, jeton = Invitation.creer(dossier, courriel=courriel, **champs)
        invitation.jeton = jeton
        return invitation


class PieceFactory(factory.Factory):
    """Pièce jointe par la transition « ajouter_piece » (par le requérant, sauf `par=`)."""

    class Meta:
        model = PieceJointeDossier

    dossier = factory.SubFactory(DossierFactory, complet=False)
    type = "photo_porte"
    nom = "document.pdf"
    contenu = None
    par = None

    @classmethod
    def _create(cls, model_class, *, dossier, type, nom, contenu, par):
        return ajouter_piece(dossier, type, contenu=contenu, nom=nom, par=par)

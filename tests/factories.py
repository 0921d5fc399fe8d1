import datetime

import factory
from django.contrib.auth.models import Group

from declarations.enums import ErreurOperationnelle
from declarations.models import Declaration
from portail.enums import CodeAdministration, Role, TypeUtilisateur
from portail.models import Administration, Utilisateur
from precontentieux.enums import Civilite


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

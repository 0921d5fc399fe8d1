import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from declarations.models import Declaration, envoyer_declaration
from precontentieux.enums import StatutDossier
from precontentieux.models import Dossier, Invitation
from tests.fabriques import DeclarationFactory, DossierFactory, UtilisateurFactory

URL = reverse("declarations:mes_declarations")


def creer(agent, nombre):
    """Moitié brouillons, moitié envoyées (avec ou sans invitation)."""
    for i in range(nombre):
        if i % 2:
            DeclarationFactory(agent=agent, adresse_ville=f"Ville {i}")
        else:
            declaration = DeclarationFactory(agent=agent, complete=True, coordonnees_usager=bool(i % 4 == 0))
            envoyer_declaration(declaration.pk, agent)


@pytest.mark.django_db
def test_tableau_des_declarations_de_l_agent(client):
    agent = UtilisateurFactory(policier=True)
    brouillon = DeclarationFactory(
        agent=agent, adresse_voie="3 rue Neuve", adresse_code_postal="97400", adresse_ville="Saint-Denis"
    )
    envoyee = envoyer_declaration(DeclarationFactory(agent=agent, complete=True).pk, agent)
    DeclarationFactory(adresse_ville="Ailleurs")  # d'un autre agent
    client.force_login(agent)
    reponse = client.get(URL)
    contenu = reponse.content.decode()
    assert reponse.status_code == 200
    assert contenu.count("<h1") == 1
    # Pas de tableau à sept colonnes (défilement horizontal sur un téléphone) : une carte par déclaration.
    assert "<table" not in contenu
    # Un brouillon se reconnaît à son adresse et à ses dates.
    assert "Brouillon —" in contenu and "3 rue Neuve, 97400 Saint-Denis" in contenu
    assert f"Commencé le {timezone.localtime(brouillon.cree_le):%d/%m/%Y à %H:%M}" in contenu
    assert f"Déclaration {envoyee.reference}" in contenu
    assert f"Envoyée le {timezone.localtime(envoyee.envoyee_le):%d/%m/%Y à %H:%M}" in contenu
    assert "02/11/2026" in contenu or envoyee.date_operation.strftime("%d/%m/%Y") in contenu
    assert "Invitation envoyée" in contenu
    assert reverse("declarations:reprendre", args=[brouillon.pk]) in contenu
    assert reverse("declarations:supprimer", args=[brouillon.pk]) in contenu
    assert reverse("declarations:voir", args=[envoyee.pk]) in contenu
    assert reverse("declarations:supprimer", args=[envoyee.pk]) not in contenu
    assert "Ailleurs" not in contenu


# Session, utilisateur, rôles (garde puis menu), nombre de déclarations, page de déclarations (+ dossier),
# invitations (prefetch) : le même nombre quel que soit le nombre de lignes.
REQUETES = 8


def creer_en_masse(agent, nombre):
    """`nombre` déclarations en quelques requêtes : 4 brouillons pour 1 envoyée (avec son dossier)."""
    maintenant = timezone.now()
    dossiers = Dossier.objects.bulk_create(
        Dossier(reference=f"MIJ-MASSE-{agent.pk}-{i}", origine="declaration") for i in range(0, nombre, 5)
    )
    Declaration.objects.bulk_create(
        Declaration(
            agent=agent,
            adresse_voie=f"{i} rue du Volume",
            adresse_code_postal="69003",
            adresse_ville="Lyon",
            **(
                {
                    "statut": "envoyee",
                    "reference": f"BDP-MASSE-{agent.pk}-{i}",
                    "envoyee_le": maintenant,
                    "dossier": dossiers[i // 5],
                }
                if i % 5 == 0
                else {}
            ),
        )
        for i in range(nombre)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("nombre", [5, 5000])
def test_liste_paginee_nombre_de_requetes_constant(client, django_assert_num_queries, nombre):
    agent = UtilisateurFactory(policier=True)
    creer_en_masse(agent, nombre)
    creer(UtilisateurFactory(policier=True), 3)
    client.force_login(agent)
    with django_assert_num_queries(REQUETES):
        reponse = client.get(URL)
    contenu = reponse.content.decode()
    assert contenu.count('<div class="fr-card fr-card--sm">') == min(nombre, 20)
    assert f"{nombre} déclarations, de la plus récemment modifiée à la plus ancienne." in contenu
    if nombre > 20:
        assert 'class="fr-pagination"' in contenu
        # Dernière page : les plus anciennes, même nombre de requêtes.
        with django_assert_num_queries(REQUETES):
            derniere = client.get(URL, {"page": 250}).content.decode()
        assert "Page 250 sur 250" in derniere
    else:
        assert 'class="fr-pagination"' not in contenu


@pytest.mark.django_db
def test_avancement_grossier(client):
    agent = UtilisateurFactory(policier=True)
    client.force_login(agent)
    attendus = [
        (StatutDossier.DEPOSE, "Demande déposée par l’usager"),
        (StatutDossier.EN_INSTRUCTION, "En cours d’instruction"),
        (StatutDossier.PROPOSITION_ENVOYEE, "Décision rendue"),
        (StatutDossier.A_INDEMNISER, "Décision rendue"),
        (StatutDossier.REJETE, "Demande rejetée"),
        (StatutDossier.INDEMNISE, "Usager indemnisé"),
        (StatutDossier.CLOTURE, "Dossier clôturé"),
    ]
    for statut, libelle in attendus:
        dossier = DossierFactory(requerant=UtilisateurFactory(), etat=statut, agent=agent)
        assert libelle in client.get(URL).content.decode()
        assert libelle in client.get(reverse("declarations:voir", args=[dossier.declaration.pk])).content.decode()


@pytest.mark.django_db
def test_l_issue_grossiere_sans_montant_ni_motif(client):
    """L'agent lit l'issue d'un dossier terminé (indemnisé, rejeté, clôturé), rien de plus : ni le montant, ni le
    motif du rejet ou de la clôture, ni la date du virement, ni l'IBAN du requérant."""
    from precontentieux import decision
    from precontentieux.enums import MotifRejet
    from tests.fabriques import appliquer

    agent = UtilisateurFactory(policier=True)
    client.force_login(agent)
    rejete = DossierFactory(requerant=UtilisateurFactory(), agent=agent, etat=StatutDossier.EN_INSTRUCTION)
    courrier = decision.apercu_rejet(rejete, rejete.redacteur, MotifRejet.AUTRE, "MOTIF-REJET-SECRET-K4")
    decision.soumettre(rejete, rejete.redacteur, courrier.pk)
    appliquer(rejete, "signer_rejet", rejete.acteurs)
    cloture = DossierFactory(requerant=UtilisateurFactory(), agent=agent, etat=StatutDossier.EN_INSTRUCTION)
    appliquer(cloture, "cloturer", cloture.acteurs, motif="MOTIF-CLOTURE-SECRET-K4")
    indemnise = DossierFactory(requerant=UtilisateurFactory(), agent=agent, etat=StatutDossier.INDEMNISE)
    assert (rejete.statut, cloture.statut, indemnise.statut) == (S_REJETE, S_CLOTURE, S_INDEMNISE)
    pages = [client.get(URL).content.decode()]
    for declaration in Declaration.objects.filter(agent=agent):
        pages.append(client.get(reverse("declarations:voir", args=[declaration.pk])).content.decode())
    tout = "".join(pages)
    assert "Usager indemnisé" in tout and "Demande rejetée" in tout and "Dossier clôturé" in tout
    interdits = ["MOTIF-REJET-SECRET-K4", "MOTIF-CLOTURE-SECRET-K4", MotifRejet.AUTRE.label, "850", "7890189", "IBAN"]
    for interdit in [*interdits, "€", "euros", "virement", "montant", "Montant", "arrêté", "Arrêté"]:
        assert interdit not in tout, interdit


S_REJETE, S_CLOTURE, S_INDEMNISE = StatutDossier.REJETE, StatutDossier.CLOTURE, StatutDossier.INDEMNISE


@pytest.mark.django_db
def test_ajouter_les_coordonnees_apres_l_envoi(client):
    agent = UtilisateurFactory(policier=True)
    client.force_login(agent)
    declaration = DeclarationFactory(agent=agent, complete=True, coordonnees_usager=False)
    envoyee = envoyer_declaration(declaration.pk, agent)
    voir = reverse("declarations:voir", args=[envoyee.pk])
    page = client.get(voir).content.decode()
    assert "Usager non invité" in page and "Ajouter les coordonnées de l’usager" in page
    avant = Declaration.objects.filter(pk=envoyee.pk).values().get()

    reponse = client.post(reverse("declarations:inviter", args=[envoyee.pk]), {"nom": "DUPONT", "courriel": "faux"})
    assert reponse.status_code == 400
    contenu = reponse.content.decode()
    assert "Indiquez le prénom." in contenu and "Saisissez une adresse électronique valide" in contenu
    assert not Invitation.objects.exists()

    reponse = client.post(
        reverse("declarations:inviter", args=[envoyee.pk]),
        {
            "civilite": "mme",
            "nom": "DUPONT",
            "prenom": "Anne",
            "telephone": "06 00 00 00 00",
            "courriel": "anne@courriel.fr",
        },
    )
    assert reponse["Location"] == voir
    invitation = Invitation.objects.get()
    assert invitation.dossier == envoyee.dossier and invitation.courriel == "anne@courriel.fr"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["anne@courriel.fr"]
    # La déclaration elle-même est intacte.
    assert Declaration.objects.filter(pk=envoyee.pk).values().get() == avant
    # Une invitation valide est en cours : pas de second envoi.
    page = client.get(voir).content.decode()
    assert "Invitation envoyée" in page and "Envoyer l’invitation" not in page
    client.post(
        reverse("declarations:inviter", args=[envoyee.pk]),
        {"nom": "DUPONT", "prenom": "Anne", "telephone": "0600000000", "courriel": "autre@courriel.fr"},
    )
    assert Invitation.objects.count() == 1 and len(mail.outbox) == 1


@pytest.mark.django_db
def test_renvoyer_une_invitation_expiree(client):
    agent = UtilisateurFactory(policier=True)
    client.force_login(agent)
    envoyee = envoyer_declaration(DeclarationFactory(agent=agent, complete=True).pk, agent)
    Invitation.objects.update(expire_le=timezone.now() - datetime.timedelta(days=1))
    page = client.get(reverse("declarations:voir", args=[envoyee.pk])).content.decode()
    assert "Invitation expirée" in page and "Renvoyer une invitation à l’usager" in page
    assert 'value="martin.dupont@courriel.fr"' in page  # prérempli depuis la déclaration
    reponse = client.post(
        reverse("declarations:inviter", args=[envoyee.pk]),
        {"nom": "DUPONT", "prenom": "Martin", "telephone": "0600000000", "courriel": "martin.dupont@courriel.fr"},
    )
    assert reponse.status_code == 302
    assert Invitation.objects.count() == 2 and Invitation.objects.valides().count() == 1
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_voir_une_declaration_d_un_autre_agent_404(client):
    autre = DeclarationFactory(complete=True)
    envoyer_declaration(autre.pk, autre.agent)
    client.force_login(UtilisateurFactory(policier=True))
    assert client.get(reverse("declarations:voir", args=[autre.pk])).status_code == 404
    assert "Vous n’avez encore aucune déclaration" in client.get(URL).content.decode()

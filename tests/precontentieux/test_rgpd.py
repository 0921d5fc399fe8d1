"""Purges RGPD (calendrier : portail/conservation.py, docs/rgpd.md).

- `purger_donnees --dry-run` (et sans option) imprime la liste et ne touche à rien ;
- la purge supprime les fichiers du stockage et anonymise les dossiers échus, statistiques inchangées (mêmes décomptes
  par statut, mois de dépôt, origine, administration, mêmes sommes des montants) ;
- un dossier en contentieux n'est jamais purgé (ni son journal des consultations) ; le drapeau se pose par un bouton
  journalisé, réservé à certains rôles ;
- l'usager est averti une seule fois, 30 jours avant la suppression de son compte ;
- la tâche périodique lancée deux fois n'envoie qu'une fois.
"""

import datetime
import io

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import models
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone

from declarations.enums import StatutDeclaration
from declarations.models import Declaration, PieceJointeDeclaration, envoyer_declaration
from portail.enums import Role, StatutEmail, TypeEvenement
from portail.fichiers import enregistrer_prive, verifier_fichier
from portail.models import EmailSortant, Evenement, ExecutionTache, Utilisateur
from precontentieux import statistiques as tableau_de_bord
from precontentieux.enums import StatutDossier, TypeEvenementDossier
from precontentieux.instruction import MessageDossier, NatureMessage, NoteDossier, journaliser_consultation
from precontentieux.models import CHAMPS_CONSERVES, CHAMPS_PERSONNELS, Dossier, EvenementDossier
from precontentieux.rgpd import purger
from precontentieux.tasks import purger_donnees_personnelles
from tests import fichiers_exemples as ex
from tests.fabriques import (
    SENTINELLES,
    Acteurs,
    DeclarationFactory,
    DossierFactory,
    UtilisateurFactory,
    agent,
    amener,
    completer,
)

pytestmark = pytest.mark.django_db
S = StatutDossier
IL_Y_A_6_ANS = timezone.now() - datetime.timedelta(days=6 * 366)


@pytest.fixture(autouse=True)
def _isolement(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"


def fichier(dossier_stockage, nom="document.pdf"):
    return enregistrer_prive(verifier_fichier(ex.televerse(nom, ex.pdf_simple())), dossier_stockage)


def dossier_termine(etat, usager=None, **declaration):
    """Dossier issu d'une vraie déclaration avec un PV joint, rattaché, complété, mené à `etat` par les transitions,
    avec une note interne, un message et une consultation."""
    usager = usager or UtilisateurFactory(adresse_verifiee=True)
    brouillon = DeclarationFactory(complete=True, **{**SENTINELLES, **declaration})
    PieceJointeDeclaration.objects.create(
        declaration=brouillon,
        fichier=fichier("declarations", "pv.pdf"),
        nom_original="pv.pdf",
        type_mime="application/pdf",
        taille=100,
        etat_analyse="saine",
    )
    dossier = envoyer_declaration(brouillon.pk, brouillon.agent).dossier
    dossier.rattacher(usager, dossier.invitations.valides().first())
    completer(dossier)
    acteurs = Acteurs(dossier)
    amener(dossier, etat, acteurs)
    redacteur = acteurs.role(Role.REDACTEUR)
    NoteDossier.objects.create(dossier=dossier, auteur=redacteur, texte="Note interne sur M. DUPONT")
    MessageDossier.objects.create(dossier=dossier, auteur=usager, nature=NatureMessage.REPONSE_USAGER, texte="Mon IBAN")
    journaliser_consultation(dossier, redacteur, "fiche")
    dossier.refresh_from_db()
    return dossier


def vieillir(dossier, champ):
    Dossier.objects.filter(pk=dossier.pk).update(**{champ: IL_Y_A_6_ANS})
    dossier.refresh_from_db()
    return dossier


def fichiers_du(dossier):
    noms = list(dossier.pieces.values_list("fichier", flat=True))
    noms += list(PieceJointeDeclaration.objects.filter(declaration__dossier=dossier).values_list("fichier", flat=True))
    if dossier.recepisse:
        noms.append(dossier.recepisse)
    return noms


def statistiques():
    """Décomptes par statut, mois de dépôt, origine et administration, et sommes de chaque montant (toute colonne
    décimale du dossier) : calculés ici, indépendamment du code de la purge."""
    montants = [f.name for f in Dossier._meta.concrete_fields if isinstance(f, models.DecimalField)]
    lignes = (
        Dossier.objects.annotate(mois=TruncMonth("depose_le"))
        .values("statut", "mois", "origine", "declaration__agent__administration__code")
        .annotate(nombre=Count("id"), **{f"somme_{m}": Sum(m) for m in montants})
        .order_by("statut", "mois", "origine")
    )
    dates = list(Dossier.objects.order_by("pk").values_list("depose_le", "cloture_le", "indemnise_le"))
    return [dict(ligne) for ligne in lignes], dates


@pytest.fixture
def scenario():
    indemnise = vieillir(dossier_termine(S.INDEMNISE), "indemnise_le")
    rejete = vieillir(dossier_termine(S.REJETE), "decision_signee_le")
    recent = dossier_termine(S.INDEMNISE)
    contentieux = vieillir(dossier_termine(S.INDEMNISE), "indemnise_le")
    assert contentieux.signaler_contentieux(agent(Role.REDACTEUR), "Requête n° 2301234 au TA de Lyon")
    brouillon = DeclarationFactory(complete=True)
    PieceJointeDeclaration.objects.create(
        declaration=brouillon,
        fichier=fichier("declarations"),
        nom_original="photo.pdf",
        type_mime="application/pdf",
        taille=100,
        etat_analyse="saine",
    )
    Declaration.objects.filter(pk=brouillon.pk).update(modifie_le=timezone.now() - datetime.timedelta(days=200))
    brouillon_recent = DeclarationFactory(complete=True)
    return {
        "indemnise": indemnise,
        "rejete": rejete,
        "recent": recent,
        "contentieux": contentieux,
        "brouillon": brouillon,
        "brouillon_recent": brouillon_recent,
    }


def photographie():
    return {
        "dossiers": sorted(map(repr, Dossier.objects.order_by("pk").values())),
        "declarations": sorted(map(repr, Declaration.objects.order_by("pk").values())),
        "pieces": Dossier.objects.aggregate(n=Count("pieces"))["n"],
        "utilisateurs": Utilisateur.objects.count(),
        "evenements": EvenementDossier.objects.count(),
        "courriels": EmailSortant.objects.count(),
    }


def test_dry_run_imprime_la_liste_et_ne_supprime_rien(scenario):
    tous = [n for cle in ("indemnise", "rejete", "contentieux", "recent") for n in fichiers_du(scenario[cle])]
    avant = photographie()
    for options in (["--dry-run"], []):  # la simulation est aussi le mode par défaut
        sortie = io.StringIO()
        call_command("purger_donnees", *options, stdout=sortie)
        texte = sortie.getvalue()
        assert texte.startswith("Simulation : rien n’est modifié")
        assert f"Dossier {scenario['indemnise'].reference} — Indemnisé le" in texte
        assert f"Dossier {scenario['rejete'].reference} — Rejeté le" in texte
        assert scenario["contentieux"].reference not in texte and scenario["recent"].reference not in texte
        assert f"Brouillon n° {scenario['brouillon'].pk} de " in texte
        assert f"Brouillon n° {scenario['brouillon_recent'].pk} " not in texte
    assert photographie() == avant
    assert all(default_storage.exists(nom) for nom in tous)
    assert ExecutionTache.objects.filter(tache="precontentieux.purge_rgpd", simulation=True).count() == 2
    with pytest.raises(CommandError):
        call_command("purger_donnees", "--dry-run", "--wet-run", stdout=io.StringIO())


def test_la_purge_supprime_les_fichiers_et_garde_les_statistiques(scenario):
    purges = [scenario["indemnise"], scenario["rejete"]]
    fichiers_purges = [n for d in purges for n in fichiers_du(d)]
    fichiers_gardes = [n for cle in ("contentieux", "recent") for n in fichiers_du(scenario[cle])]
    fichier_brouillon = scenario["brouillon"].pieces.get().fichier.name
    assert fichiers_purges and fichiers_gardes and all(default_storage.exists(n) for n in fichiers_purges)
    stats_avant = statistiques()
    # Et la page « Statistiques » du back-office elle-même (precontentieux/statistiques.py).
    tableau_de_bord_avant = [t.lignes for t in tableau_de_bord.calculer()]
    gardes_avant = {d.pk: repr(Dossier.objects.filter(pk=d.pk).values().get()) for d in (scenario["contentieux"],)}

    sortie = io.StringIO()
    call_command("purger_donnees", "--wet-run", stdout=sortie)
    assert sortie.getvalue().startswith("Purge appliquée.")

    assert statistiques() == stats_avant
    assert [t.lignes for t in tableau_de_bord.calculer()] == tableau_de_bord_avant
    assert not any(default_storage.exists(n) for n in fichiers_purges + [fichier_brouillon])
    assert all(default_storage.exists(n) for n in fichiers_gardes)
    for dossier in purges:
        dossier.refresh_from_db()
        assert dossier.anonymise_le is not None and dossier.requerant is None
        for champ, vide in CHAMPS_PERSONNELS.items():
            assert getattr(dossier, champ) == vide, champ
        assert not dossier.pieces.exists() and not dossier.notes.exists() and not dossier.messages.exists()
        assert not dossier.invitations.exists()
        assert not dossier.evenements.filter(type=TypeEvenementDossier.CONSULTATION).exists()
        assert all(set(e.details) <= {"transition"} for e in dossier.evenements.all())
        declaration = Declaration.objects.get(dossier=dossier)
        assert declaration.statut == StatutDeclaration.ENVOYEE and declaration.reference
        textes = repr(Declaration.objects.filter(pk=declaration.pk).values().get())
        assert not any(s in textes for s in SENTINELLES.values()) and "DUPONT" not in textes
        assert not declaration.pieces.exists()
    # Dossiers gardés intacts ; brouillon de 6 mois supprimé, brouillon récent gardé.
    assert {d.pk: repr(Dossier.objects.filter(pk=d.pk).values().get()) for d in (scenario["contentieux"],)} == (
        gardes_avant
    )
    assert not Declaration.objects.filter(pk=scenario["brouillon"].pk).exists()
    assert Declaration.objects.filter(pk=scenario["brouillon_recent"].pk).exists()
    # Une seconde exécution ne trouve plus rien.
    assert not any(purger(simulation=True).compteurs()[nom] for nom in ("dossiers_termines", "brouillons_declarations"))
    # La déclaration reste immuable hors anonymisation.
    with pytest.raises(Exception):  # noqa: B017 (déclencheur : IntegrityError ou DatabaseError selon la base)
        Declaration.objects.filter(dossier=scenario["recent"]).update(usager_nom="X")


def test_un_dossier_en_contentieux_n_est_jamais_purge(scenario):
    dossier = scenario["contentieux"]
    Dossier.objects.filter(pk=dossier.pk).update(indemnise_le=timezone.now() - datetime.timedelta(days=40 * 365))
    EvenementDossier.objects.filter(dossier=dossier).update(date=IL_Y_A_6_ANS)
    avant = repr(Dossier.objects.filter(pk=dossier.pk).values().get())
    consultations = dossier.evenements.filter(type=TypeEvenementDossier.CONSULTATION).count()
    for _ in range(2):
        purger(simulation=False)
    assert repr(Dossier.objects.filter(pk=dossier.pk).values().get()) == avant
    assert dossier.anonymiser() is False
    assert dossier.evenements.filter(type=TypeEvenementDossier.CONSULTATION).count() == consultations
    assert all(default_storage.exists(n) for n in fichiers_du(dossier))


def test_contentieux_pose_et_leve_par_un_bouton_journalise_reserve_aux_roles(client):
    dossier = DossierFactory(cloture=True)
    url = reverse("precontentieux:contentieux", args=[dossier.reference])
    fiche = reverse("precontentieux:dossier", args=[dossier.reference])
    client.force_login(agent(Role.ATTRIBUTEUR))
    assert client.get(url).status_code == 403
    assert "Signaler un contentieux" not in client.get(fiche).content.decode()
    assert client.post(url, {"motif": "x"}).status_code == 403
    validateur = agent(Role.VALIDATEUR)
    client.force_login(validateur)
    assert "Signaler un contentieux" in client.get(fiche).content.decode()
    reponse = client.post(url, {"motif": "", "action": "poser"})
    assert reponse.status_code == 400 and "Indiquez le motif" in reponse.content.decode()
    for _ in range(2):  # double envoi : un seul effet
        assert client.post(url, {"motif": "Requête au tribunal administratif", "action": "poser"}).status_code == 302
    dossier.refresh_from_db()
    assert dossier.en_contentieux and dossier.contentieux_depuis
    (evenement,) = dossier.evenements.filter(type=TypeEvenementDossier.CONTENTIEUX)
    assert evenement.acteur == validateur and evenement.details["motif"] == "Requête au tribunal administratif"
    page = client.get(fiche).content.decode()
    assert "En contentieux depuis le" in page and "Contentieux signalé" in page and "Lever le contentieux" in page
    client.post(url, {"motif": "Jugement rendu", "action": "lever"})
    dossier.refresh_from_db()
    assert not dossier.en_contentieux
    assert dossier.evenements.filter(type=TypeEvenementDossier.CONTENTIEUX).count() == 2


def test_l_usager_est_averti_une_fois_30_jours_avant_la_suppression_de_son_compte():
    maintenant = timezone.now()
    inactif = UtilisateurFactory(email="inactif@exemple.fr", adresse_verifiee=True)
    revenu = UtilisateurFactory(email="revenu@exemple.fr", adresse_verifiee=True)
    avec_demande = DossierFactory(complet=False, requerant=UtilisateurFactory(adresse_verifiee=True)).requerant
    non_verifie = UtilisateurFactory(email="jamais@exemple.fr")
    non_verifie_recent = UtilisateurFactory(email="recent@exemple.fr")
    il_y_a_40_jours = maintenant - datetime.timedelta(days=40)
    Utilisateur.objects.filter(pk__in=[inactif.pk, revenu.pk, avec_demande.pk, non_verifie.pk]).update(
        date_joined=il_y_a_40_jours, last_login=None
    )
    mail.outbox.clear()
    purger_donnees_personnelles.delay().get()
    purger_donnees_personnelles.delay().get()  # deux battements : un seul avertissement
    avertissements = EmailSortant.objects.filter(gabarit="avertissement_suppression_compte")
    assert sorted(avertissements.values_list("destinataire", flat=True)) == ["inactif@exemple.fr", "revenu@exemple.fr"]
    message = next(m for m in mail.outbox if m.to == ["inactif@exemple.fr"])
    date_suppression = timezone.localdate(maintenant) + datetime.timedelta(days=30)
    assert message.body.startswith("Bonjour,") and "connectez-vous avant cette date" in message.body
    assert str(date_suppression.year) in message.subject
    # Le compte jamais confirmé est supprimé sans avertissement (adresse non prouvée) ; le récent est gardé.
    assert not Utilisateur.objects.filter(pk=non_verifie.pk).exists()
    assert (
        Utilisateur.objects.filter(pk__in=[inactif.pk, revenu.pk, non_verifie_recent.pk, avec_demande.pk]).count() == 4
    )

    # 31 jours plus tard : l'inactif est supprimé, celui qui s'est reconnecté est gardé ; personne n'est réaverti.
    Utilisateur.objects.filter(pk=revenu.pk).update(last_login=maintenant + datetime.timedelta(days=1))
    plus_tard = maintenant + datetime.timedelta(days=31)
    purger(simulation=False, maintenant=plus_tard)
    assert not Utilisateur.objects.filter(pk=inactif.pk).exists()
    assert Utilisateur.objects.filter(pk=revenu.pk).exists()
    assert Utilisateur.objects.filter(pk=avec_demande.pk).exists()
    assert avertissements.filter(destinataire="inactif@exemple.fr").count() == 1


def test_corps_des_courriels_et_journaux_apres_un_an():
    dossier = DossierFactory(complet=False)
    redacteur = agent(Role.REDACTEUR)
    ancienne = journaliser_consultation(dossier, redacteur, "fiche")
    recente = journaliser_consultation(dossier, redacteur, "fiche")
    EvenementDossier.objects.filter(pk=ancienne.pk).update(date=timezone.now() - datetime.timedelta(days=370))
    audit_ancien = Evenement.journaliser(TypeEvenement.CONNEXION, acteur=redacteur)
    audit_recent = Evenement.journaliser(TypeEvenement.CONNEXION, acteur=redacteur)
    Evenement.objects.filter(pk=audit_ancien.pk).update(date=timezone.now() - datetime.timedelta(days=370))
    vieux = EmailSortant.objects.create(
        gabarit="cloture",
        destinataire="a@exemple.fr",
        contexte={"nom_requerant": "DUPONT"},
        sujet="Sujet",
        statut=StatutEmail.ENVOYE,
    )
    en_attente = EmailSortant.objects.create(gabarit="cloture", destinataire="b@exemple.fr", contexte={"x": 1})
    EmailSortant.objects.filter(pk__in=[vieux.pk, en_attente.pk]).update(
        cree_le=timezone.now() - datetime.timedelta(days=370)
    )
    texte = purger(simulation=True).texte()
    assert "Contenu des courriels envoyés il y a plus d’un an (contexte et objet effacés) — 1 à traiter" in texte
    purger(simulation=False)
    vieux.refresh_from_db()
    assert vieux.contexte == {} and vieux.sujet == "" and vieux.destinataire == "a@exemple.fr"
    en_attente.refresh_from_db()
    assert en_attente.contexte == {"x": 1}  # pas encore envoyé : intact
    assert not EvenementDossier.objects.filter(pk=ancienne.pk).exists()
    assert EvenementDossier.objects.filter(pk=recente.pk).exists()
    assert not Evenement.objects.filter(pk=audit_ancien.pk).exists()
    assert Evenement.objects.filter(pk=audit_recent.pk).exists()


def test_chaque_colonne_texte_du_dossier_est_classee_pour_l_anonymisation():
    """Une colonne ajoutée au dossier doit dire si l'anonymisation l'efface (CHAMPS_PERSONNELS) ou la garde
    (CHAMPS_CONSERVES) : sinon une donnée personnelle survivrait à la fin de la conservation."""
    textes = {
        f.name
        for f in Dossier._meta.concrete_fields
        if isinstance(f, (models.CharField, models.TextField, models.JSONField, models.FileField))
    }
    textes |= {"date_naissance"}
    non_classees = textes - set(CHAMPS_PERSONNELS) - CHAMPS_CONSERVES
    assert not non_classees, (
        f"À classer dans precontentieux/models.py (CHAMPS_PERSONNELS ou CHAMPS_CONSERVES) : {non_classees}"
    )
    assert not set(CHAMPS_PERSONNELS) & CHAMPS_CONSERVES

"""Boîte d'envoi : écriture transactionnelle, envoi unique, nouvelles tentatives, balayage.

Tâches Celery exécutées dans le processus (mode « eager » des réglages de test). Les tests qui
parlent SMTP utilisent un vrai serveur aiosmtpd local.
"""

import copy
import email
import smtplib
from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.urls import reverse
from django.utils import timezone

from portail.emails import MAX_TENTATIVES, programmer_email
from portail.enums import StatutEmail
from portail.models import EmailSortant
from portail.tasks import balayer_courriels, delai_avant_nouvel_essai, envoyer_email, reserver
from tests.integration.outils import ServeurSMTP, celery_vers, port_libre

pytestmark = pytest.mark.django_db
# Les tests qui portent sur la transaction elle-même (COMMIT, ROLLBACK) utilisent de vraies transactions.
vraie_transaction = pytest.mark.django_db(transaction=True)

Utilisateur = get_user_model()

GABARITS = {
    "essai/sujet.txt": "Bienvenue {{ prenom }}\n",
    "essai/corps.txt": (
        "{% extends 'emails/_base.txt' %}{% block contenu %}Bonjour {{ prenom }},\n"
        "Votre lien : {{ url }}{% endblock contenu %}"
    ),
    "essai/corps.html": (
        "{% extends 'emails/_base.html' %}{% block contenu %}<p>Bonjour {{ prenom }},</p>"
        '<p><a href="{{ url }}">Confirmer</a></p>{% endblock contenu %}'
    ),
}
CONTEXTE = {"prenom": "Camille & Dominique", "url": "https://exemple.fr/confirmer?cle=abc&x=1"}


@pytest.fixture(autouse=True)
def gabarits_essai(settings, tmp_path):
    """Gabarits de courriel propres aux tests, dans un dossier temporaire."""
    for nom, contenu in GABARITS.items():
        chemin = tmp_path / "emails" / nom
        chemin.parent.mkdir(parents=True, exist_ok=True)
        chemin.write_text(contenu, encoding="utf-8")
    gabarits = copy.deepcopy(settings.TEMPLATES)
    gabarits[0]["DIRS"] = [tmp_path, *gabarits[0]["DIRS"]]
    settings.TEMPLATES = gabarits


@pytest.fixture
def smtp(settings):
    """Un vrai serveur SMTP local ; le portail y envoie ses courriels."""
    with ServeurSMTP() as serveur:
        settings.MAILERS = {
            "default": {
                "BACKEND": "portail.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": serveur.port, "timeout": 5},
            }
        }
        yield serveur.boite


@pytest.fixture
def smtp_injoignable(settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "portail.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port_libre(), "timeout": 2},
        }
    }


@pytest.fixture
def redis_injoignable():
    """Celery configuré comme en production (non « eager ») vers un Redis arrêté."""
    with celery_vers(f"redis://127.0.0.1:{port_libre()}/0"):
        yield


@pytest.fixture
def nouveaux_essais_enchaines():
    """Mode « eager » sans propagation : Celery réapplique la tâche à chaque `retry`, sans attendre."""
    from portail.celery import app

    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = True


def creer_usager_et_courriel(email="camille@exemple.fr"):
    usager = Utilisateur.objects.create_user(email=email, password="un-mot-de-passe-solide")
    courriel = programmer_email("essai", usager.email, CONTEXTE)
    return usager, courriel


@vraie_transaction
def test_ligne_ecrite_et_courriel_envoye_une_fois_apres_le_commit():
    with transaction.atomic():
        usager, courriel = creer_usager_et_courriel()
        # Rien ne part avant le COMMIT.
        assert mail.outbox == []
        assert EmailSortant.objects.get().statut == StatutEmail.A_ENVOYER

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["camille@exemple.fr"]
    assert message.subject == "Bienvenue Camille & Dominique"
    # Le texte n'est pas échappé comme du HTML ; il porte l'en-tête et la mention automatique.
    assert "Bonjour Camille & Dominique," in message.body
    assert "Votre lien : https://exemple.fr/confirmer?cle=abc&x=1" in message.body
    assert "Ce message vous a été envoyé automatiquement" in message.body
    [(html, type_mime)] = message.alternatives
    assert type_mime == "text/html"
    assert "<p>Bonjour Camille &amp; Dominique,</p>" in html
    assert 'href="https://exemple.fr/confirmer?cle=abc&amp;x=1"' in html
    assert "Mon Indemnisation Justice" in html and "Ministère de la Justice" in html
    assert "<title>Bienvenue Camille &amp; Dominique</title>" in html
    assert message.extra_headers["Message-ID"] == f"<{courriel.uuid}@indemnisation.justice.gouv.fr>"

    courriel.refresh_from_db()
    assert courriel.statut == StatutEmail.ENVOYE
    assert courriel.envoye_le is not None
    assert courriel.tentatives == 1
    assert courriel.sujet == "Bienvenue Camille & Dominique"
    assert courriel.verrou_jusqu_a is None


@vraie_transaction
def test_annulation_de_la_transaction_ni_ligne_ni_courriel():
    with pytest.raises(RuntimeError), transaction.atomic():
        creer_usager_et_courriel()
        raise RuntimeError("le changement métier échoue")

    assert not Utilisateur.objects.exists()
    assert not EmailSortant.objects.exists()
    assert mail.outbox == []


def test_tache_appelee_deux_fois_un_seul_envoi(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _, courriel = creer_usager_et_courriel()
    assert len(mail.outbox) == 1

    assert envoyer_email.delay(courriel.pk).get() == "ignore"
    assert envoyer_email.delay(courriel.pk).get() == "ignore"
    assert len(mail.outbox) == 1
    courriel.refresh_from_db()
    assert courriel.statut == StatutEmail.ENVOYE
    assert courriel.tentatives == 1


def test_deux_travailleurs_ne_reservent_pas_la_meme_ligne():
    courriel = EmailSortant.objects.create(gabarit="essai", destinataire="a@exemple.fr", contexte=CONTEXTE)

    assert reserver(courriel.pk) is not None
    # Second déclenchement pendant que le premier travailleur tient le bail.
    assert reserver(courriel.pk) is None
    assert envoyer_email.delay(courriel.pk).get() == "ignore"
    assert mail.outbox == []
    courriel.refresh_from_db()
    assert courriel.statut == StatutEmail.EN_COURS
    assert courriel.tentatives == 1


def test_contexte_non_serialisable_refuse():
    with pytest.raises(TypeError, match="sérialisable en JSON"):
        programmer_email("essai", "a@exemple.fr", {"quand": timezone.now()})
    assert not EmailSortant.objects.exists()


def test_gabarit_inconnu_refuse_des_la_programmation():
    with pytest.raises(TemplateDoesNotExist):
        programmer_email("inexistant", "a@exemple.fr", {})
    assert not EmailSortant.objects.exists()


@vraie_transaction
def test_redis_arrete_le_changement_metier_est_enregistre(redis_injoignable, caplog):
    with transaction.atomic():
        usager, courriel = creer_usager_et_courriel()

    # Le déclenchement a échoué sans casser l'appelant : tout est enregistré, rien n'est parti.
    assert Utilisateur.objects.filter(pk=usager.pk).exists()
    courriel.refresh_from_db()
    assert courriel.statut == StatutEmail.A_ENVOYER
    assert mail.outbox == []
    assert "le balayage le rattrapera" in caplog.text


def test_balayage_relance_les_courriels_restes_en_attente():
    ancien = EmailSortant.objects.create(gabarit="essai", destinataire="ancien@exemple.fr", contexte=CONTEXTE)
    recent = EmailSortant.objects.create(gabarit="essai", destinataire="recent@exemple.fr", contexte=CONTEXTE)
    EmailSortant.objects.filter(pk=ancien.pk).update(cree_le=timezone.now() - timedelta(minutes=2))

    resultat = balayer_courriels.delay().get()

    assert resultat == {"relances": 1, "a_verifier": 0}
    assert [m.to for m in mail.outbox] == [["ancien@exemple.fr"]]
    ancien.refresh_from_db()
    recent.refresh_from_db()
    assert ancien.statut == StatutEmail.ENVOYE
    # Une ligne toute récente a encore son propre déclenchement en route.
    assert recent.statut == StatutEmail.A_ENVOYER


def test_balayage_relance_un_envoi_abandonne_avant_smtp():
    il_y_a_10_min = timezone.now() - timedelta(minutes=10)
    abandonne = EmailSortant.objects.create(
        gabarit="essai", destinataire="abandon@exemple.fr", contexte=CONTEXTE, statut=StatutEmail.EN_COURS
    )
    EmailSortant.objects.filter(pk=abandonne.pk).update(
        cree_le=il_y_a_10_min, tentatives=1, verrou_jusqu_a=il_y_a_10_min + timedelta(minutes=5)
    )
    en_cours = EmailSortant.objects.create(
        gabarit="essai",
        destinataire="en-cours@exemple.fr",
        contexte=CONTEXTE,
        statut=StatutEmail.EN_COURS,
        tentatives=1,
        verrou_jusqu_a=timezone.now() + timedelta(minutes=5),
    )
    EmailSortant.objects.filter(pk=en_cours.pk).update(cree_le=il_y_a_10_min)

    balayer_courriels()

    assert [m.to for m in mail.outbox] == [["abandon@exemple.fr"]]
    abandonne.refresh_from_db()
    en_cours.refresh_from_db()
    assert (abandonne.statut, abandonne.tentatives) == (StatutEmail.ENVOYE, 2)
    assert en_cours.statut == StatutEmail.EN_COURS


def test_balayage_ne_renvoie_jamais_une_transmission_smtp_interrompue():
    il_y_a_1_h = timezone.now() - timedelta(hours=1)
    interrompu = EmailSortant.objects.create(
        gabarit="essai",
        destinataire="interrompu@exemple.fr",
        contexte=CONTEXTE,
        statut=StatutEmail.SMTP_EN_COURS,
        tentatives=1,
        verrou_jusqu_a=il_y_a_1_h + timedelta(minutes=15),
    )
    en_transmission = EmailSortant.objects.create(
        gabarit="essai",
        destinataire="en-transmission@exemple.fr",
        contexte=CONTEXTE,
        statut=StatutEmail.SMTP_EN_COURS,
        tentatives=1,
        verrou_jusqu_a=timezone.now() + timedelta(minutes=10),
    )
    EmailSortant.objects.update(cree_le=il_y_a_1_h)

    assert balayer_courriels() == {"relances": 0, "a_verifier": 1}
    assert envoyer_email.delay(interrompu.pk).get() == "ignore"

    assert mail.outbox == []
    interrompu.refresh_from_db()
    en_transmission.refresh_from_db()
    assert interrompu.statut == StatutEmail.A_VERIFIER
    assert "peut-être été envoyé" in interrompu.derniere_erreur
    assert en_transmission.statut == StatutEmail.SMTP_EN_COURS


def test_balayage_respecte_le_nouvel_essai_programme():
    courriel = EmailSortant.objects.create(
        gabarit="essai",
        destinataire="plus-tard@exemple.fr",
        contexte=CONTEXTE,
        tentatives=2,
        verrou_jusqu_a=timezone.now() + timedelta(minutes=3),
    )
    EmailSortant.objects.filter(pk=courriel.pk).update(cree_le=timezone.now() - timedelta(hours=1))

    assert balayer_courriels() == {"relances": 0, "a_verifier": 0}
    assert mail.outbox == []


def test_erreur_reseau_la_ligne_redevient_a_envoyer_et_celery_reessaie_plus_tard(smtp_injoignable):
    courriel = EmailSortant.objects.create(gabarit="essai", destinataire="a@exemple.fr", contexte=CONTEXTE)
    avant = timezone.now()

    with pytest.raises(Retry) as nouvel_essai:
        envoyer_email.apply(args=[courriel.pk], throw=True)

    assert isinstance(nouvel_essai.value.exc, ConnectionRefusedError)
    assert 30 <= nouvel_essai.value.when <= 33
    courriel.refresh_from_db()
    assert courriel.statut == StatutEmail.A_ENVOYER
    assert courriel.tentatives == 1
    assert "ConnectionRefusedError" in courriel.derniere_erreur
    # Le balayage ne devance pas le nouvel essai programmé.
    assert courriel.verrou_jusqu_a >= avant + timedelta(seconds=nouvel_essai.value.when)
    EmailSortant.objects.filter(pk=courriel.pk).update(cree_le=avant - timedelta(hours=1))
    assert balayer_courriels()["relances"] == 0


@vraie_transaction
def test_erreur_reseau_apres_le_commit_ne_casse_pas_l_appelant(smtp_injoignable):
    with transaction.atomic():
        usager, courriel = creer_usager_et_courriel()

    assert Utilisateur.objects.filter(pk=usager.pk).exists()
    courriel.refresh_from_db()
    assert (courriel.statut, courriel.tentatives) == (StatutEmail.A_ENVOYER, 1)
    assert "ConnectionRefusedError" in courriel.derniere_erreur


def test_serveur_smtp_injoignable_echec_definitif_apres_toutes_les_tentatives(
    smtp_injoignable, nouveaux_essais_enchaines
):
    courriel = EmailSortant.objects.create(gabarit="essai", destinataire="a@exemple.fr", contexte=CONTEXTE)

    envoyer_email.apply(args=[courriel.pk], throw=False)

    courriel.refresh_from_db()
    assert courriel.statut == StatutEmail.ECHEC
    assert courriel.tentatives == MAX_TENTATIVES
    assert "ConnectionRefusedError" in courriel.derniere_erreur
    # Une ligne en échec n'est plus relancée.
    EmailSortant.objects.filter(pk=courriel.pk).update(cree_le=timezone.now() - timedelta(hours=1))
    assert balayer_courriels()["relances"] == 0


def test_refus_temporaire_puis_envoi_reussi(smtp, nouveaux_essais_enchaines):
    smtp.reponses = ["451 4.3.0 Réessayez plus tard", "421 4.7.0 Trop de connexions"]
    courriel = EmailSortant.objects.create(gabarit="essai", destinataire="camille@exemple.fr", contexte=CONTEXTE)

    envoyer_email.apply(args=[courriel.pk], throw=False)

    [recu] = smtp.recus()
    assert recu["Message-ID"].strip() == f"<{courriel.uuid}@indemnisation.justice.gouv.fr>"
    assert recu["Subject"] == "Bienvenue Camille & Dominique"
    assert recu["To"] == "camille@exemple.fr"
    assert recu.get_body(("plain",)).get_content().startswith("Bonjour Camille & Dominique,")
    assert "<p>Bonjour Camille &amp; Dominique,</p>" in recu.get_body(("html",)).get_content()
    courriel.refresh_from_db()
    assert (courriel.statut, courriel.tentatives) == (StatutEmail.ENVOYE, 3)


def test_refus_definitif_echec_sans_nouvel_essai(smtp, django_capture_on_commit_callbacks):
    smtp.reponses = ["550 5.1.1 Adresse inconnue"]
    with django_capture_on_commit_callbacks(execute=True):
        _, courriel = creer_usager_et_courriel()

    assert smtp.recus() == []
    courriel.refresh_from_db()
    assert (courriel.statut, courriel.tentatives) == (StatutEmail.ECHEC, 1)
    assert "550" in courriel.derniere_erreur


def test_coupure_pendant_la_transmission_a_verifier_sans_renvoi(smtp, django_capture_on_commit_callbacks):
    smtp.couper = True
    with django_capture_on_commit_callbacks(execute=True):
        _, courriel = creer_usager_et_courriel()

    # Le serveur a reçu le message mais n'a pas confirmé : pas de nouvel essai automatique.
    assert len(smtp.recus()) == 1
    courriel.refresh_from_db()
    assert (courriel.statut, courriel.tentatives) == (StatutEmail.A_VERIFIER, 1)
    assert smtplib.SMTPServerDisconnected.__name__ in courriel.derniere_erreur
    balayer_courriels()
    assert len(smtp.recus()) == 1


def test_delai_exponentiel_plafonne():
    assert 30 <= delai_avant_nouvel_essai(1) <= 33
    assert 60 <= delai_avant_nouvel_essai(2) <= 66
    assert 240 <= delai_avant_nouvel_essai(4) <= 264
    assert 3600 <= delai_avant_nouvel_essai(20) <= 3960


def test_action_admin_renvoyer(client, django_capture_on_commit_callbacks):
    admin = Utilisateur.objects.create_superuser(email="admin@justice.gouv.fr", password="un-mot-de-passe-solide")
    client.force_login(admin)
    a_verifier = EmailSortant.objects.create(
        gabarit="essai", destinataire="verif@exemple.fr", contexte=CONTEXTE, statut=StatutEmail.A_VERIFIER, tentatives=1
    )
    echec = EmailSortant.objects.create(
        gabarit="essai", destinataire="echec@exemple.fr", contexte=CONTEXTE, statut=StatutEmail.ECHEC, tentatives=8
    )
    envoye = EmailSortant.objects.create(
        gabarit="essai", destinataire="envoye@exemple.fr", contexte=CONTEXTE, statut=StatutEmail.ENVOYE, tentatives=1
    )

    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(
            reverse("admin:portail_emailsortant_changelist"),
            {"action": "renvoyer", "_selected_action": [a_verifier.pk, echec.pk, envoye.pk]},
            follow=True,
        )

    assert reponse.status_code == 200
    contenu = reponse.content.decode()
    assert "2 courriel(s) remis en file d’envoi." in contenu
    assert "1 courriel(s) ignoré(s)" in contenu
    assert sorted(m.to[0] for m in mail.outbox) == ["echec@exemple.fr", "verif@exemple.fr"]
    for courriel in (a_verifier, echec):
        courriel.refresh_from_db()
        assert (courriel.statut, courriel.tentatives) == (StatutEmail.ENVOYE, 1)
    envoye.refresh_from_db()
    assert envoye.statut == StatutEmail.ENVOYE


class _BoiteComptantLesConnexions:
    def __init__(self):
        self.messages = []
        self.connexions = set()

    async def handle_DATA(self, server, session, envelope):
        self.connexions.add(id(session))
        self.messages.append(envelope.content)
        return "250 OK"


@vraie_transaction
def test_courriels_d_une_transaction_envoyes_par_lots_une_connexion_par_lot(settings):
    """120 courriels programmés dans une transaction : 3 lots (50, 50, 20), une connexion SMTP par lot,
    chaque courriel une seule fois, une transaction par courriel au lieu de quatre."""
    from aiosmtpd.controller import Controller

    from portail.emails import TAILLE_LOT

    boite = _BoiteComptantLesConnexions()
    port = port_libre()
    controleur = Controller(boite, hostname="127.0.0.1", port=port, ready_timeout=10)
    controleur.start()
    try:
        settings.MAILERS = {
            "default": {
                "BACKEND": "portail.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
            }
        }
        with transaction.atomic():
            courriels = [programmer_email("essai", f"usager-{i}@exemple.fr", CONTEXTE) for i in range(120)]
    finally:
        controleur.stop()
    assert TAILLE_LOT == 50
    assert len(boite.connexions) == 3
    assert len(boite.messages) == 120
    identifiants = {email.message_from_bytes(m)["Message-ID"].strip() for m in boite.messages}
    assert identifiants == {f"<{c.uuid}@indemnisation.justice.gouv.fr>" for c in courriels}
    assert set(EmailSortant.objects.values_list("statut", "tentatives")) == {(StatutEmail.ENVOYE, 1)}
    assert all(c.pk for c in courriels)


def test_lot_rejoue_rien_n_est_renvoye(smtp, django_capture_on_commit_callbacks):
    from portail.tasks import envoyer_lot

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        courriels = [programmer_email("essai", f"usager-{i}@exemple.fr", CONTEXTE) for i in range(3)]
    assert len(smtp.recus()) == 3
    # La même tâche livrée de nouveau (worker tué avant l'acquittement) : tout est déjà envoyé.
    assert envoyer_lot.delay([c.pk for c in courriels]).get() == {}
    assert len(smtp.recus()) == 3


def _reprendre_le_bail_de(adresses):
    """Au RCPT TO de ces adresses, un autre envoi reprend la ligne (bail expiré, nouvelle tentative) : la
    tentative en cours n'est plus propriétaire quand elle atteint le point de non-retour."""
    from django.db import connection
    from django.db.models import F

    def reprendre(adresse):
        try:
            if adresse in adresses:
                EmailSortant.objects.filter(destinataire=adresse).update(tentatives=F("tentatives") + 1)
        finally:
            connection.close()

    return reprendre


@vraie_transaction
def test_bail_perdu_au_point_de_non_retour_rien_n_est_livre(smtp):
    """Le point de non-retour est écrit juste avant la ligne finale du message : s'il échoue, la connexion est
    coupée sans elle et le serveur n'a rien accepté (ni doublon avec l'envoi qui a repris la ligne, ni perte)."""
    courriel = EmailSortant.objects.create(gabarit="essai", destinataire="repris@exemple.fr", contexte=CONTEXTE)
    smtp.sur_rcpt = _reprendre_le_bail_de({"repris@exemple.fr"})

    assert envoyer_email.apply(args=[courriel.pk]).get() == "ignore"

    assert smtp.recus() == []
    courriel.refresh_from_db()
    # La ligne reste à l'envoi qui l'a reprise (tentative 2) : c'est lui qui la transmettra.
    assert (courriel.statut, courriel.tentatives) == (StatutEmail.EN_COURS, 2)


@vraie_transaction
def test_lot_bail_perdu_pour_un_courriel_les_autres_partent_sur_une_nouvelle_connexion(smtp):
    from portail.tasks import envoyer_lot

    courriels = [
        EmailSortant.objects.create(gabarit="essai", destinataire=f"lot{i}@exemple.fr", contexte=CONTEXTE)
        for i in range(3)
    ]
    smtp.sur_rcpt = _reprendre_le_bail_de({"lot1@exemple.fr"})

    resultats = envoyer_lot.apply(args=[[c.pk for c in courriels]]).get()

    assert resultats == {courriels[0].pk: "envoye", courriels[1].pk: "ignore", courriels[2].pk: "envoye"}
    assert sorted(m["To"] for m in smtp.recus()) == ["lot0@exemple.fr", "lot2@exemple.fr"]
    statuts = dict(EmailSortant.objects.values_list("destinataire", "statut"))
    assert statuts == {
        "lot0@exemple.fr": StatutEmail.ENVOYE,
        "lot1@exemple.fr": StatutEmail.EN_COURS,
        "lot2@exemple.fr": StatutEmail.ENVOYE,
    }

"""Stockage objet compatible S3 : un vrai serveur d'API S3 local (moto en mode serveur autonome) et deux
processus web (gunicorn) qui partagent la base de test et le seau.

Un document déposé par l'agent sur l'instance A est téléchargé par la vue (droits vérifiés, en flux) sur
l'instance B, puis retiré sur l'instance B : il disparaît du seau, et l'instance A répond 404.
"""

import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import boto3
import pytest
from django.conf import settings as reglages_django
from django.test import Client

from declarations.models import Declaration, PieceJointeDeclaration
from tests.fabriques import DeclarationFactory, UtilisateurFactory
from tests.fichiers_exemples import png
from tests.integration.outils import RACINE, arreter_processus, attendre, port_libre
from tests.integration.test_courriels import url_base_de_test

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CLE, SECRET, REGION = "cle-essai", "secret-essai", "eu-west-3"
JETON_CSRF = "essaiessaiessaiessaiessaiessai12"


@pytest.fixture
def serveur_s3(tmp_path):
    """moto_server (API S3 complète) sur un port libre, puis un seau privé neuf."""
    port = port_libre()
    journal = open(tmp_path / "moto.log", "wb")  # noqa: SIM115
    processus = subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
        stdout=journal,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"

    def repond():
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310
                return True
        except urllib.error.HTTPError as erreur:
            erreur.close()
            return True
        except OSError:
            return False

    attendre(repond, delai=30, message="moto_server ne démarre pas")
    seau = f"portail-{uuid.uuid4().hex[:8]}"
    client = boto3.client(
        "s3", endpoint_url=url, aws_access_key_id=CLE, aws_secret_access_key=SECRET, region_name=REGION
    )
    client.create_bucket(Bucket=seau, CreateBucketConfiguration={"LocationConstraint": REGION})
    yield {"url": url, "seau": seau, "client": client}
    client.close()
    arreter_processus(processus)
    journal.close()


def objets(s3):
    return [o["Key"] for o in s3["client"].list_objects_v2(Bucket=s3["seau"]).get("Contents", [])]


@pytest.fixture
def stockage_s3(settings, serveur_s3):
    """Ce processus (l'instance A des tests) range ses fichiers dans le seau, comme en production."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": serveur_s3["seau"],
                "endpoint_url": serveur_s3["url"],
                "region_name": REGION,
                "access_key": CLE,
                "secret_key": SECRET,
                "addressing_style": "path",
                "default_acl": "private",
                "file_overwrite": False,
            },
        },
    }
    return serveur_s3


class InstanceWeb:
    """gunicorn sur un port libre, mêmes réglages S3 (variables S3_*) et même base que le test."""

    def __init__(self, tmp_path, s3, nom):
        self.port = port_libre()
        self.journal = tmp_path / f"web-{nom}.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "S3_"))}
        env.update(
            DJANGO_SETTINGS_MODULE="portail.settings.test",
            DATABASE_URL=url_base_de_test(),
            S3_BUCKET=s3["seau"],
            S3_URL=s3["url"],
            S3_REGION=REGION,
            S3_CLE_ACCES=CLE,
            S3_CLE_SECRETE=SECRET,
            DOSSIER_FICHIERS=str(tmp_path / f"disque-{nom}-inutilise"),
        )
        self._fichier = open(self.journal, "wb")  # noqa: SIM115
        self.processus = subprocess.Popen(  # noqa: S603
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "portail.wsgi:application",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{self.port}",
            ],
            cwd=RACINE,
            env=env,
            stdout=self._fichier,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        attendre(lambda: self.statut("/") == 200, delai=60, message=f"gunicorn {nom} ne répond pas")

    def requete(self, chemin, cookie, donnees=None, contenu_type=None):
        requete = urllib.request.Request(f"http://127.0.0.1:{self.port}{chemin}", data=donnees)  # noqa: S310
        requete.add_header("Cookie", f"{cookie}; {reglages_django.CSRF_COOKIE_NAME}={JETON_CSRF}")
        if contenu_type:
            requete.add_header("Content-Type", contenu_type)

        class SansRedirection(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        try:
            with urllib.request.build_opener(SansRedirection).open(requete, timeout=30) as reponse:
                return reponse.status, dict(reponse.headers), reponse.read()
        except urllib.error.HTTPError as erreur:
            with erreur:
                return erreur.code, dict(erreur.headers), erreur.read()

    def statut(self, chemin):
        try:
            return self.requete(chemin, "")[0]
        except OSError:
            return None

    def arreter(self):
        arreter_processus(self.processus)
        self._fichier.close()


def multipart(champs, fichiers):
    limite = uuid.uuid4().hex
    morceaux = []
    for nom, valeur in champs.items():
        morceaux.append(f'--{limite}\r\nContent-Disposition: form-data; name="{nom}"\r\n\r\n{valeur}\r\n'.encode())
    for nom, (nom_fichier, contenu) in fichiers.items():
        morceaux.append(
            f'--{limite}\r\nContent-Disposition: form-data; name="{nom}"; filename="{nom_fichier}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
            + contenu
            + b"\r\n"
        )
    morceaux.append(f"--{limite}--\r\n".encode())
    return b"".join(morceaux), f"multipart/form-data; boundary={limite}"


@pytest.fixture
def instances(tmp_path, stockage_s3):
    lancees = [InstanceWeb(tmp_path, stockage_s3, "a"), InstanceWeb(tmp_path, stockage_s3, "b")]
    yield lancees
    for instance in lancees:
        instance.arreter()


def test_deux_instances_web_partagent_les_fichiers_du_seau(instances, stockage_s3):
    a, b = instances
    agent = UtilisateurFactory(policier=True)
    declaration = DeclarationFactory(agent=agent)
    client = Client()
    client.force_login(agent)
    cookie = f"{reglages_django.SESSION_COOKIE_NAME}={client.cookies[reglages_django.SESSION_COOKIE_NAME].value}"
    etape = f"/forces-de-l-ordre/declarations/{declaration.pk}/etape/service-enqueteur/"

    # Dépôt sur l'instance A : le fichier vérifié (image réencodée) part dans le seau, rien sur le disque.
    corps, type_corps = multipart(
        {"csrfmiddlewaretoken": JETON_CSRF, "version": declaration.version, "action": "televerser"},
        {"pieces": ("porte.png", png())},
    )
    statut, _, _ = a.requete(etape, cookie, corps, type_corps)
    assert statut == 302, a.journal.read_text()
    piece = PieceJointeDeclaration.objects.get(declaration=declaration)
    assert objets(stockage_s3) == [piece.fichier.name]
    assert not (Path(a.journal).parent / "disque-a-inutilise").exists()
    contenu_range = stockage_s3["client"].get_object(Bucket=stockage_s3["seau"], Key=piece.fichier.name)["Body"].read()
    assert contenu_range.startswith(b"\x89PNG")

    # Seau privé : l'objet n'est pas lisible sans signature, et la page ne donne aucune URL du seau.
    with pytest.raises(urllib.error.HTTPError) as refus:
        urllib.request.urlopen(f"{stockage_s3['url']}/{stockage_s3['seau']}/{piece.fichier.name}")  # noqa: S310
    assert refus.value.code == 403
    refus.value.close()
    statut, _, page = b.requete(etape, cookie)
    assert statut == 200 and piece.nom_original.encode() in page
    assert stockage_s3["url"].encode() not in page and stockage_s3["seau"].encode() not in page

    # Téléchargement par la vue sur l'instance B (droits vérifiés), en pièce jointe.
    telechargement = f"/forces-de-l-ordre/declarations/{declaration.pk}/pieces/{piece.pk}/"
    statut, entetes, contenu = b.requete(telechargement, cookie)
    assert statut == 200
    assert contenu == contenu_range
    assert entetes["Content-Disposition"].startswith('attachment; filename="porte.png"')
    assert entetes["X-Content-Type-Options"] == "nosniff"
    # Un autre agent : 404 sur les deux instances.
    intrus = Client()
    intrus.force_login(UtilisateurFactory(policier=True))
    cookie_intrus = f"{reglages_django.SESSION_COOKIE_NAME}={intrus.cookies[reglages_django.SESSION_COOKIE_NAME].value}"
    assert a.requete(telechargement, cookie_intrus)[0] == 404
    assert b.requete(telechargement, cookie_intrus)[0] == 404

    # Retrait sur l'instance B : l'objet quitte le seau, l'instance A ne le sert plus.
    declaration.refresh_from_db()
    corps, type_corps = multipart(
        {"csrfmiddlewaretoken": JETON_CSRF, "version": declaration.version, "retirer_piece": piece.pk}, {}
    )
    statut, _, _ = b.requete(etape, cookie, corps, type_corps)
    assert statut == 302, b.journal.read_text()
    assert not PieceJointeDeclaration.objects.filter(pk=piece.pk).exists()
    assert objets(stockage_s3) == []
    assert a.requete(telechargement, cookie)[0] == 404
    assert Declaration.objects.filter(pk=declaration.pk).exists()
    # Connexions du stockage S3 de ce processus : fermées avant la fin du test (avertissements stricts).
    from django.core.files.storage import default_storage

    default_storage.connection.meta.client.close()


@pytest.fixture
def _vider_declarations_envoyees():
    """Sous SQLite, le vidage de fin de test heurterait l'immuabilité des déclarations envoyées."""
    from tests.e2e.parcours_usager import purger_declarations_envoyees

    yield
    purger_declarations_envoyees()


def test_la_purge_rgpd_supprime_les_fichiers_du_seau(stockage_s3, _vider_declarations_envoyees):
    """La purge (issue 10) retire du seau les pièces d'un dossier anonymisé et d'un brouillon échu, rien d'autre."""
    import datetime
    import io

    from django.core.management import call_command
    from django.utils import timezone

    from portail.enums import Role
    from precontentieux.enums import StatutDossier
    from precontentieux.models import Dossier
    from tests.fabriques import DossierFactory, PieceFactory, agent

    ancien = DossierFactory(complet=False)
    PieceFactory(dossier=ancien, nom="facture.pdf")
    garde = DossierFactory(complet=False)
    PieceFactory(dossier=garde, nom="photo.pdf")
    ancien.cloturer(agent(Role.ATTRIBUTEUR), "Demande retirée")
    Dossier.objects.filter(pk=ancien.pk).update(cloture_le=timezone.now() - datetime.timedelta(days=6 * 366))
    brouillon = DeclarationFactory(complete=True)
    PieceJointeDeclaration.objects.create(
        declaration=brouillon,
        fichier=enregistrer_dans_le_seau("declarations"),
        nom_original="pv.pdf",
        type_mime="application/pdf",
        taille=10,
        etat_analyse="saine",
    )
    Declaration.objects.filter(pk=brouillon.pk).update(modifie_le=timezone.now() - datetime.timedelta(days=200))
    noms_purges = [ancien.pieces.get().fichier.name, brouillon.pieces.get().fichier.name]
    nom_garde = garde.pieces.get().fichier.name
    assert sorted(objets(stockage_s3)) == sorted([*noms_purges, nom_garde])

    sortie = io.StringIO()
    call_command("purger_donnees", "--dry-run", stdout=sortie)
    assert ancien.reference in sortie.getvalue()
    assert sorted(objets(stockage_s3)) == sorted([*noms_purges, nom_garde])  # simulation : rien ne part

    call_command("purger_donnees", "--wet-run", stdout=io.StringIO())
    assert objets(stockage_s3) == [nom_garde]
    ancien.refresh_from_db()
    assert ancien.statut == StatutDossier.CLOTURE and ancien.anonymise_le is not None
    from django.core.files.storage import default_storage

    default_storage.connection.meta.client.close()


def enregistrer_dans_le_seau(dossier):
    from portail.fichiers import enregistrer_prive, verifier_fichier
    from tests.fichiers_exemples import pdf_simple, televerse

    return enregistrer_prive(verifier_fichier(televerse("pv.pdf", pdf_simple())), dossier)

"""Outils des tests hors processus : port libre, serveur SMTP aiosmtpd, attente bornée."""

import asyncio
import contextlib
import email
import email.policy
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller

RACINE = Path(__file__).resolve().parent.parent.parent


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def attendre(condition, delai=20.0, pas=0.05, message="condition non atteinte"):
    """Attend que `condition()` soit vraie, au plus `delai` secondes."""
    limite = time.monotonic() + delai
    while time.monotonic() < limite:
        resultat = condition()
        if resultat:
            return resultat
        time.sleep(pas)
    raise AssertionError(f"{message} (après {delai} s)")


class BoiteSMTP:
    """Gestionnaire aiosmtpd : enregistre les messages reçus.

    - `reponses` : réponses à renvoyer aux prochains DATA (ex. « 451 … ») au lieu d'accepter ;
    - `bloquer` : tant qu'il est levé, le serveur garde le message reçu sans répondre à DATA
      (le message est compté comme délivré : c'est le pire cas pour un client interrompu) ;
    - `couper` : ferme la connexion après réception du DATA, sans répondre ;
    - `sur_rcpt` : appelé (fil du serveur) avec l'adresse de chaque destinataire annoncé (RCPT TO), avant DATA.
    """

    def __init__(self):
        self.messages = []
        self.reponses = []
        self.bloquer = threading.Event()
        self.couper = False
        self.data_recu = threading.Event()
        self.sur_rcpt = None
        self._verrou = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.sur_rcpt is not None:
            await asyncio.to_thread(self.sur_rcpt, address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.reponses:
            return self.reponses.pop(0)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._verrou:
            self.messages.append(message)
        self.data_recu.set()
        if self.couper:
            server.transport.close()
            return "250 OK"
        while self.bloquer.is_set():
            await asyncio.sleep(0.05)
        return "250 OK"

    def recus(self):
        with self._verrou:
            return list(self.messages)


class ServeurSMTP:
    """Serveur SMTP local (aiosmtpd) sur un port libre, dans un fil d'exécution."""

    def __init__(self):
        self.boite = BoiteSMTP()
        self.port = port_libre()
        self._controleur = Controller(self.boite, hostname="127.0.0.1", port=self.port, ready_timeout=10)

    def __enter__(self):
        self._controleur.start()
        return self

    def __exit__(self, *exc):
        self.boite.bloquer.clear()
        self._controleur.stop()


@contextlib.contextmanager
def celery_vers(url_broker):
    """Configure l'application Celery du processus de test comme en production (non « eager »)
    vers `url_broker`, puis rétablit la configuration. Les pools de connexions en cache sont
    vidés pour ne jamais publier vers un autre broker (celui de la machine, par exemple)."""
    from portail.celery import app

    def vider_les_pools():
        app._pool = None
        app.amqp._producer_pool = None

    conf = app.conf
    avant = {"task_always_eager": conf.task_always_eager, "broker_url": conf.broker_url}
    try:
        conf.update(task_always_eager=False, broker_url=url_broker)
        vider_les_pools()
        connexion = app.producer_pool.connections.connection
        attendu = urlsplit(url_broker)
        assert (connexion.hostname, connexion.port) == (attendu.hostname, attendu.port), connexion.as_uri()
        yield app
    finally:
        vider_les_pools()
        conf.update(**avant)


class RedisPrive:
    """Un redis-server privé, sur un port libre, démarré et arrêté par le test (jamais celui de la machine)."""

    def __init__(self, dossier):
        self.port = port_libre()
        self.dossier = dossier
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._processus = None

    def demarrer(self):
        self._processus = subprocess.Popen(  # noqa: S603
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dossier),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

        def repond():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    return s.recv(16).startswith(b"+PONG")
            except OSError:
                return False

        attendre(repond, delai=10, message="redis-server ne répond pas")

    def arreter(self):
        arreter_processus(self._processus)
        self._processus = None


def arreter_processus(processus, delai=15):
    """Arrête un processus lancé par le test (et son groupe), en SIGKILL s'il traîne."""
    if processus is None or processus.poll() is not None:
        return
    os.killpg(processus.pid, signal.SIGTERM)
    try:
        processus.wait(timeout=delai)
    except subprocess.TimeoutExpired:
        os.killpg(processus.pid, signal.SIGKILL)
        processus.wait(timeout=delai)


class WorkerCelery:
    """Un vrai worker Celery (`celery -A portail worker`, prefork, un seul processus fils)."""

    def __init__(self, journal, env):
        self.journal = journal
        self.env = env
        self._processus = None

    def demarrer(self, attendre_pret=True):
        self._fichier = open(self.journal, "ab")  # noqa: SIM115
        self._processus = subprocess.Popen(  # noqa: S603
            [
                str(Path(sys.executable).with_name("celery")),
                "-A",
                "portail",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
                f"--hostname=integration-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=RACINE,
            env=self.env,
            stdout=self._fichier,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if attendre_pret:
            self.attendre_pret()

    def attendre_pret(self):
        attendre(
            lambda: self._processus.poll() is not None or " ready." in self.lire_journal(),
            delai=30,
            message="le worker Celery ne démarre pas",
        )
        assert self._processus.poll() is None, self.lire_journal()

    def en_vie(self):
        return self._processus is not None and self._processus.poll() is None

    @property
    def pid(self):
        return self._processus.pid

    def fils(self):
        """Les processus fils (pool prefork) du worker."""
        with open(f"/proc/{self.pid}/task/{self.pid}/children") as f:
            return [int(pid) for pid in f.read().split()]

    def lire_journal(self):
        return Path(self.journal).read_text(encoding="utf-8", errors="replace")

    def tuer(self):
        """SIGKILL de tout le groupe : le worker et son fils meurent sans rien terminer."""
        if self._processus and self._processus.poll() is None:
            os.killpg(self.pid, signal.SIGKILL)
            self._processus.wait(timeout=15)

    def arreter(self):
        arreter_processus(self._processus)
        self._processus = None
        self._fichier.close()

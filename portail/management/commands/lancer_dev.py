"""`manage.py lancer_dev` : fournisseur OIDC local (sous-processus) + serveur de développement Django."""

import os
import signal
import subprocess
import sys
import time
import urllib.request

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def _interrompre(signum, frame):
    raise KeyboardInterrupt


def _signaler_groupe(processus, numero):
    try:
        os.killpg(processus.pid, numero)
    except ProcessLookupError:
        pass


class Command(BaseCommand):
    help = "Lance le fournisseur OIDC local puis le portail (runserver, réglages dev) ; arrête les deux ensemble."

    def add_arguments(self, parser):
        parser.add_argument("--hote", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--port-oidc", type=int, default=8001)
        parser.add_argument("--sans-oidc", action="store_true", help="ne pas lancer le fournisseur local")

    def handle(self, *args, hote, port, port_oidc, sans_oidc, **options):
        base_oidc = f"http://{hote}:{port_oidc}"
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portail.settings.dev"}
        env.setdefault("URL_PORTAIL", f"http://{hote}:{port}")
        for saveur in ("proconnect", "franceconnect"):
            env.setdefault(f"{saveur.upper()}_URL_DECOUVERTE", f"{base_oidc}/{saveur}/.well-known/openid-configuration")
        racine = str(settings.BASE_DIR)
        processus = []
        # Ctrl+C comme SIGTERM arrêtent proprement les deux serveurs (même lancé en arrière-plan).
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _interrompre)
        try:
            if not sans_oidc:
                oidc = subprocess.Popen(  # noqa: S603 - arguments maîtrisés
                    [sys.executable, "-m", "outils.oidc_local", "--hote", hote, "--port", str(port_oidc)],
                    cwd=racine,
                    env=env,
                    start_new_session=True,
                )
                processus.append(oidc)
                self._attendre(f"{base_oidc}/proconnect/.well-known/openid-configuration", oidc)
                self.stdout.write(f"Fournisseur OIDC local prêt sur {base_oidc}")
            portail = subprocess.Popen(  # noqa: S603 - arguments maîtrisés
                [sys.executable, "manage.py", "runserver", f"{hote}:{port}"],
                cwd=racine,
                env=env,
                start_new_session=True,
            )
            processus.append(portail)
            self.stdout.write(f"Portail sur http://{hote}:{port} (Ctrl+C pour arrêter)")
            self.stdout.write(f"Courriels envoyés, lisibles sur http://{hote}:{port}/dev/courriels/")
            while all(p.poll() is None for p in processus):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            # Chaque serveur a son groupe de processus : on arrête aussi le fils de l'autoreloader.
            for p in reversed(processus):
                _signaler_groupe(p, signal.SIGTERM)
            for p in reversed(processus):
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    _signaler_groupe(p, signal.SIGKILL)
                    p.wait()

    @staticmethod
    def _attendre(url, processus, delai=15):
        fin = time.monotonic() + delai
        while time.monotonic() < fin:
            if processus.poll() is not None:
                raise CommandError("Le fournisseur OIDC local s’est arrêté (port déjà utilisé ?).")
            try:
                with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - adresse locale
                    return
            except OSError:
                time.sleep(0.2)
        raise CommandError(f"Le fournisseur OIDC local ne répond pas sur {url}.")

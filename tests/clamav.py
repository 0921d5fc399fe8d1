"""Un clamd privé pour les tests : base de signatures locale construite à partir de la chaîne EICAR.

Aucun réseau, aucun freshclam : le fixture écrit une signature `.ndb` (la chaîne de test EICAR, cherchée
partout dans le fichier), une configuration qui n'écoute que sur une socket Unix privée, démarre
`clamd` (paquet Debian clamav-daemon) et l'arrête à la fin de la session.
"""

import shutil
import subprocess
import time
from pathlib import Path

import pytest

# La chaîne de test standard EICAR (68 octets), détectée par tous les antivirus comme un faux virus.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
NOM_SIGNATURE = "Eicar-Test-Signature-Portail"
CLAMD = shutil.which("clamd") or "/usr/sbin/clamd"


def ecrire_configuration(dossier: Path) -> Path:
    base = dossier / "signatures"
    base.mkdir(parents=True, exist_ok=True)
    (base / "eicar.ndb").write_text(f"{NOM_SIGNATURE}:0:*:{EICAR.hex()}\n", encoding="ascii")
    configuration = dossier / "clamd.conf"
    configuration.write_text(
        "\n".join(
            [
                f"LocalSocket {dossier / 'clamd.sock'}",
                f"DatabaseDirectory {base}",
                f"TemporaryDirectory {dossier}",
                f"PidFile {dossier / 'clamd.pid'}",
                f"LogFile {dossier / 'clamd.log'}",
                "Foreground yes",
                "StreamMaxLength 25M",
                "",
            ]
        ),
        encoding="ascii",
    )
    return configuration


@pytest.fixture(scope="session")
def clamd_prive(tmp_path_factory):
    """Chemin de la socket d'un clamd privé, prêt à analyser."""
    if not Path(CLAMD).exists():
        raise RuntimeError("clamd introuvable : installez le paquet Debian clamav-daemon (voir .ci/run).")
    dossier = tmp_path_factory.mktemp("clamd")
    configuration = ecrire_configuration(dossier)
    socket = dossier / "clamd.sock"
    processus = subprocess.Popen(  # noqa: S603 - arguments maîtrisés
        [CLAMD, "-c", str(configuration)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        limite = time.monotonic() + 60
        while not socket.exists():
            if processus.poll() is not None or time.monotonic() > limite:
                journal = (
                    (dossier / "clamd.log").read_text(errors="replace") if (dossier / "clamd.log").exists() else ""
                )
                raise RuntimeError(f"clamd n'a pas démarré :\n{journal}")
            time.sleep(0.05)
        yield str(socket)
    finally:
        processus.terminate()
        try:
            processus.wait(10)
        except subprocess.TimeoutExpired:
            processus.kill()
            processus.wait()


@pytest.fixture
def antivirus_actif(settings, clamd_prive):
    """Active l'analyse antivirus avec le clamd privé (réglage CLAMAV_SOCKET)."""
    settings.CLAMAV_SOCKET = clamd_prive
    return clamd_prive

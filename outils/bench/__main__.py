"""Banc de mesure : `make bench` (ou `python -m outils.bench`). Voir docs/performance.md.

1. crée sa propre base PostgreSQL à côté de celle de DATABASE_URL (`<nom>_banc`), migre, rassemble les
   fichiers statiques, sème (semis.py, puis ANALYZE) ;
2. démarre gunicorn (3 workers sync) avec les réglages de production (outils/bench/reglages.py, qui
   ajoutent seulement la vue nue `/banc/vue-nue/`) ;
3. pour chaque page de pages.py, dans le même passage : wrk sur la vue nue puis sur la page, trois fois ;
   le ratio retenu est la médiane des trois ratios. Les requêtes SQL et la taille de la réponse sont
   mesurées à part (client Django dans ce processus, mêmes réglages, même base) ;
4. débit des courriels : un vrai worker Celery, un puits SMTP aiosmtpd, un processus du worker tué en
   cours de route ; compte les perdus et les doublons.

Ce n'est pas un test : les chiffres dépendent de la machine. Seuls les ratios se comparent.
"""

import argparse
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

RACINE = Path(__file__).resolve().parent.parent.parent
JETON_CSRF = "bancbancbancbancbancbancbancbanc"  # 32 caractères : secret CSRF non masqué, accepté par Django


def port_libre():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def attendre(condition, delai, message):
    limite = time.monotonic() + delai
    while time.monotonic() < limite:
        if condition():
            return
        time.sleep(0.1)
    raise SystemExit(f"Banc : {message} (après {delai} s)")


# --- Base et environnement -------------------------------------------------------------------------


def preparer_environnement(args):
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Banc : DATABASE_URL doit désigner un serveur PostgreSQL (postgres://…).")
    if not os.environ.get("REDIS_URL"):
        raise SystemExit("Banc : REDIS_URL est requise (cache partagé et broker Celery, comme en production).")
    morceaux = urlsplit(url)
    nom_base = args.base or f"{morceaux.path.lstrip('/') or 'postgres'}_banc"
    if not re.fullmatch(r"[a-z0-9_]+", nom_base):
        raise SystemExit(f"Banc : nom de base refusé : {nom_base}")
    import psycopg

    with psycopg.connect(url, autocommit=True) as connexion:
        connexion.execute(f'DROP DATABASE IF EXISTS "{nom_base}" WITH (FORCE)')
        connexion.execute(f'CREATE DATABASE "{nom_base}"')
    url_banc = urlunsplit(morceaux._replace(path=f"/{nom_base}"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="outils.bench.reglages",
        DATABASE_URL=url_banc,
        DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", "banc-de-mesure-cle-non-secrete-" + "x" * 40),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DJANGO_REDIRECTION_HTTPS="false",
        DJANGO_HSTS_SECONDES="0",
        CELERY_TACHES_SYNCHRONES="false",
        BANC_PREFIXE_CACHE=f"banc-{os.getpid()}",
    )
    return nom_base


def decrire_machine():
    def lire(chemin, motif):
        try:
            for ligne in Path(chemin).read_text().splitlines():
                if ligne.startswith(motif):
                    return ligne.split(":", 1)[1].strip()
        except OSError:
            return "?"
        return "?"

    from django.db import connection

    with connection.cursor() as curseur:
        curseur.execute("SHOW server_version")
        version_pg = curseur.fetchone()[0]
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.splitlines()  # noqa: S607
    return {
        "processeur": lire("/proc/cpuinfo", "model name"),
        "coeurs": os.cpu_count(),
        "memoire": lire("/proc/meminfo", "MemTotal"),
        "systeme": platform.platform(),
        "python": platform.python_version(),
        "postgresql": version_pg,
        "wrk": (wrk[0] if wrk else "?").split(" [")[0],
        "charge_au_depart": os.getloadavg(),
    }


# --- Serveur -----------------------------------------------------------------------------------------


class Gunicorn:
    def __init__(self, journal):
        self.port = port_libre()
        self.journal = journal

    def __enter__(self):
        self._fichier = open(self.journal, "ab")  # noqa: SIM115
        self.processus = subprocess.Popen(  # noqa: S603
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "portail.wsgi:application",
                "--workers",
                "3",
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "300",
                "--log-level",
                "warning",
            ],
            cwd=RACINE,
            stdout=self._fichier,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

        def repond():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/banc/vue-nue/", timeout=2) as r:  # noqa: S310
                    return r.status == 200
            except OSError:
                return False

        attendre(repond, 60, f"gunicorn ne répond pas (journal : {self.journal})")
        return self

    def __exit__(self, *exc):
        arreter(self.processus)
        self._fichier.close()


def arreter(processus):
    if processus.poll() is None:
        os.killpg(processus.pid, signal.SIGTERM)
        try:
            processus.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(processus.pid, signal.SIGKILL)
            processus.wait(timeout=20)


# --- wrk ---------------------------------------------------------------------------------------------

SCRIPT_AUTOSAVE = """
local chemins = {%(chemins)s}
local versions = {%(versions)s}
local corps = "%(corps)s"
local compteur = 0
function setup(thread)
  compteur = compteur + 1
  thread:set("numero", compteur)
end
function init(args)
  chemin = chemins[numero]
  version = versions[numero]
end
function request()
  return wrk.format("POST", chemin, nil, string.gsub(corps, "VERSION", tostring(version)))
end
function response(status, headers, body)
  local v = string.match(body, '"version": *(%%d+)')
  if v then version = tonumber(v) end
end
"""

SCRIPT_FIXE = """
wrk.method = "%(methode)s"
wrk.body = "%(corps)s"
"""


def wrk(url_base, requete, duree, connexions=3):
    """Lance wrk ; renvoie (requêtes/s, réponses hors 2xx/3xx, erreurs de socket)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(requete["script"])
    commande = ["wrk", f"-t{connexions}", f"-c{connexions}", f"-d{duree}s", "--timeout", "60s", "-s", script.name]
    for nom, valeur in requete["entetes"].items():
        commande += ["-H", f"{nom}: {valeur}"]
    commande.append(url_base + requete["chemin"])
    sortie = subprocess.run(commande, capture_output=True, text=True, check=True).stdout  # noqa: S603
    os.unlink(script.name)
    debit = float(re.search(r"Requests/sec:\s+([\d.]+)", sortie).group(1))
    hors_succes = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", sortie)
    erreurs = re.search(r"Socket errors: (.*)", sortie)
    # Les requêtes encore en cours à la fin de wrk occupent les workers : on attend leur fin (latence maximale).
    latence = re.search(r"Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s|m)\b", sortie)
    if latence:
        time.sleep(float(latence.group(1)) * {"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60}[latence.group(2)] + 0.2)
    if not debit:
        raise SystemExit(f"Banc : aucune réponse de {requete['chemin']} en {duree} s :\n{sortie}")
    return debit, int(hors_succes.group(1)) if hors_succes else 0, erreurs.group(1) if erreurs else ""


def lua(chaine):
    return chaine.replace("\\", "\\\\").replace('"', '\\"')


# --- Mesure des pages --------------------------------------------------------------------------------


class Banc:
    def __init__(self, contexte, args):
        from django.conf import settings
        from django.test import Client

        self.args = args
        self.contexte = contexte
        self.clients = {None: Client()}
        self.cookies = {None: ""}
        for cle, compte in contexte["comptes"].items():
            client = Client()
            client.force_login(compte, backend="django.contrib.auth.backends.ModelBackend")
            self.clients[cle] = client
            self.cookies[cle] = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        self.nom_cookie_csrf = settings.CSRF_COOKIE_NAME

    def chemin(self, page, indice=0):
        return page.chemin.format(
            brouillon=self.contexte["brouillons"][indice], demande=self.contexte["demandes"][indice]
        )

    def versions(self, page):
        from declarations.models import Declaration
        from precontentieux.models import Dossier

        if page.autosave == "declaration":
            return [Declaration.objects.get(pk=pk).version for pk in self.contexte["brouillons"]]
        return [Dossier.objects.get(reference=ref).version for ref in self.contexte["demandes"]]

    def corps(self, page, version):
        from outils.bench.pages import CORPS_AUTOSAVE

        return urlencode({**CORPS_AUTOSAVE[page.autosave], "version": version, "csrfmiddlewaretoken": JETON_CSRF})

    def requetes_wrk(self, page):
        """(requête de la page, requête de la vue nue avec les mêmes en-têtes, méthode et corps)."""
        from outils.bench.urls import CHEMIN_VUE_NUE

        entetes = {
            "Cookie": "; ".join(c for c in (self.cookies[page.qui], f"{self.nom_cookie_csrf}={JETON_CSRF}") if c)
        }
        if page.autosave:
            entetes["Content-Type"] = "application/x-www-form-urlencoded"
            versions = self.versions(page)
            chemins = [self.chemin(page, i) for i in range(len(versions))]
            script = SCRIPT_AUTOSAVE % {
                "chemins": ", ".join(f'"{lua(c)}"' for c in chemins),
                "versions": ", ".join(str(v) for v in versions),
                "corps": lua(self.corps(page, "VERSION")),
            }
            nue = SCRIPT_FIXE % {"methode": "POST", "corps": lua(self.corps(page, 1))}
            return (
                {"chemin": chemins[0], "entetes": entetes, "script": script},
                {"chemin": CHEMIN_VUE_NUE, "entetes": entetes, "script": nue},
            )
        fixe = SCRIPT_FIXE % {"methode": "GET", "corps": ""}
        return (
            {"chemin": self.chemin(page), "entetes": entetes, "script": fixe},
            {"chemin": CHEMIN_VUE_NUE, "entetes": entetes, "script": fixe},
        )

    def requetes_sql_et_taille(self, page):
        """Nombre de requêtes SQL et taille de la réponse, à la deuxième requête (caches chauds)."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        from django.urls import Resolver404, resolve

        chemin = self.chemin(page)
        try:
            resolve(urlsplit(chemin).path)
        except Resolver404:
            return None
        client = self.clients[page.qui]
        for _ in range(2):
            version = self.versions(page)[0] if page.autosave else None
            debut = time.perf_counter()
            with CaptureQueriesContext(connection) as requetes:
                if page.autosave:
                    reponse = client.post(chemin, data=self.corps_dict(page, version))
                else:
                    reponse = client.get(chemin)
            duree = time.perf_counter() - debut
        if reponse.status_code >= 300:
            raise SystemExit(f"Banc : {page.nom} répond {reponse.status_code} ({chemin}).")
        taille = len(b"".join(reponse)) if reponse.streaming else len(reponse.content)
        return {
            "requetes": len(requetes),
            "taille": taille,
            "duree": duree,
            "sql": [q["sql"] for q in requetes.captured_queries],
        }

    def corps_dict(self, page, version):
        from outils.bench.pages import CORPS_AUTOSAVE

        return {**CORPS_AUTOSAVE[page.autosave], "version": version}

    def mesurer(self, page, url_base):
        mesure = self.requetes_sql_et_taille(page)
        if mesure is None:
            return {"nom": page.nom, "absente": True}
        requete, nue = self.requetes_wrk(page)
        duree, connexions, passages = self.args.duree, 3, self.args.passages
        lente = mesure["duree"] > 2
        if lente:
            # Page de plusieurs secondes (liste non paginée) : une connexion, un passage, assez long pour
            # quelques réponses ; la vue nue est alors mesurée elle aussi avec une connexion.
            duree, connexions, passages = math.ceil(mesure["duree"] * 4), 1, 1
        else:
            wrk(url_base, requete, duree)  # chauffe (les trois workers)
        ratios, debits, debits_nue, hors_succes = [], [], [], 0
        for _ in range(passages):
            if page.autosave:
                requete, nue = self.requetes_wrk(page)  # versions à jour
            d_nue, h_nue, _ = wrk(url_base, nue, self.args.duree, connexions)
            d_page, h_page, erreurs = wrk(url_base, requete, duree, connexions)
            ratios.append(d_page / d_nue)
            debits.append(d_page)
            debits_nue.append(d_nue)
            hors_succes += h_nue + h_page
        return {
            "nom": page.nom,
            "chemin": requete["chemin"],
            "ratio": statistics.median(ratios),
            "ratios": ratios,
            "debit": statistics.median(debits),
            "debit_vue_nue": statistics.median(debits_nue),
            "lente": lente,
            "cible": page.cible,
            "requetes_max": page.requetes_max,
            "duree_max": page.duree_max,
            # Temps moyen par requête sous wrk (connexions / débit) : rendu en concurrence des 3 workers.
            "duree_wrk": connexions / statistics.median(debits),
            "hors_succes": hors_succes,
            **{k: v for k, v in mesure.items() if k != "sql"},
            "sql": mesure["sql"],
        }


# --- Courriels ---------------------------------------------------------------------------------------


class Puits:
    """Gestionnaire aiosmtpd : compte chaque Message-ID reçu."""

    def __init__(self):
        self.recus = Counter()
        self.instants = []
        self.verrou = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message_id = re.search(rb"^Message-ID:\s*(\S+)", envelope.content, re.MULTILINE | re.IGNORECASE)
        with self.verrou:
            self.recus[message_id.group(1).decode() if message_id else "?"] += 1
            self.instants.append(time.monotonic())
        return "250 OK"

    def nombre(self):
        with self.verrou:
            return len(self.instants)


def mesurer_courriels(nombre, concurrence, journal):
    from aiosmtpd.controller import Controller
    from django.db import connection, transaction

    from portail.celery import app
    from portail.emails import message_id, programmer_email
    from portail.enums import StatutEmail
    from portail.models import EmailSortant
    from portail.tasks import balayer_courriels

    EmailSortant.objects.all().delete()
    app.control.purge()
    puits = Puits()
    port = port_libre()
    controleur = Controller(puits, hostname="127.0.0.1", port=port, ready_timeout=10)
    controleur.start()
    env = {**os.environ, "SMTP_HOTE": "127.0.0.1", "SMTP_PORT": str(port), "PYTHONUNBUFFERED": "1"}
    fichier = open(journal, "ab")  # noqa: SIM115
    worker = subprocess.Popen(  # noqa: S603
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "portail",
            "worker",
            "--pool=prefork",
            f"--concurrency={concurrence}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
            f"--hostname=banc-{os.getpid()}@%h",
        ],
        cwd=RACINE,
        env=env,
        stdout=fichier,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def fils():
        try:
            return [int(p) for p in Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()]
        except OSError:
            return []

    attendre(lambda: len(fils()) >= concurrence, 60, "le worker Celery ne démarre pas")
    time.sleep(1)

    def statistiques():
        with connection.cursor() as curseur:
            curseur.execute("SELECT pg_stat_clear_snapshot()")
            curseur.execute(
                "SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = %s", [EmailSortant._meta.db_table]
            )
            mises_a_jour = curseur.fetchone()[0]
            curseur.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
            return mises_a_jour, curseur.fetchone()[0]

    time.sleep(1.5)
    stats_avant = statistiques()
    contexte = {
        "civilite": "Madame",
        "prenom": "Camille",
        "nom": "Durand",
        "date_operation": "2 novembre 2026",
        "adresse": "12 rue des Lilas, 69003 Lyon",
        "url_invitation": "https://indemnisation.justice.gouv.fr/mon-espace/invitation/jeton/",
        "expire_le": "16 novembre 2026",
    }
    debut = time.monotonic()
    # Les courriels arrivent par transactions métier de 100 (envoi groupé d'invitations, balayage…).
    for lot in range(0, nombre, 100):
        with transaction.atomic():
            for i in range(lot, min(lot + 100, nombre)):
                programmer_email("invitation_usager", f"usager-{i}@exemple.fr", contexte)
    fin_programmation = time.monotonic()

    arret = threading.Event()

    def balayage():  # Celery beat, en accéléré (baux du banc : 5 s)
        from django.db import connection as connexion_fil

        while not arret.wait(1):
            balayer_courriels()
        connexion_fil.close()

    fil = threading.Thread(target=balayage, daemon=True)
    fil.start()
    tue = None
    en_cours = (StatutEmail.A_ENVOYER, StatutEmail.EN_COURS, StatutEmail.SMTP_EN_COURS)
    limite = time.monotonic() + 120 + nombre / 5
    while time.monotonic() < limite:
        if tue is None and puits.nombre() >= nombre * 0.3 and fils():
            tue = fils()[0]
            os.kill(tue, signal.SIGKILL)
        if puits.nombre() >= nombre and not EmailSortant.objects.filter(statut__in=en_cours).exists():
            break
        if not EmailSortant.objects.filter(statut__in=en_cours).exists():
            break
        time.sleep(0.2)
    fin = time.monotonic()
    arret.set()
    fil.join()
    time.sleep(1.5)
    stats_apres = statistiques()
    arreter(worker)
    fichier.close()
    controleur.stop()

    etats = Counter(EmailSortant.objects.values_list("statut", flat=True))
    attendus = {message_id(e): e.statut for e in EmailSortant.objects.all()}
    recus = dict(puits.recus)
    perdus = [m for m in attendus if m not in recus]
    doublons = sum(n - 1 for n in recus.values() if n > 1)
    instants = sorted(puits.instants)
    quatre_vingts = instants[int(len(instants) * 0.8) - 1] if instants else fin
    return {
        "courriels": nombre,
        "concurrence": concurrence,
        "processus_tue": tue,
        "debit_80": int(nombre * 0.8) / (quatre_vingts - debut),
        "duree_totale": fin - debut,
        "duree_programmation": fin_programmation - debut,
        "recus_uniques": len(recus),
        "doublons": doublons,
        "perdus": len(perdus),
        "a_verifier": etats.get(StatutEmail.A_VERIFIER, 0),
        "a_verifier_recus": sum(1 for m, s in attendus.items() if s == StatutEmail.A_VERIFIER and m in recus),
        "etats": dict(etats),
        "maj_par_courriel": (stats_apres[0] - stats_avant[0]) / nombre,
        "transactions_par_courriel": (stats_apres[1] - stats_avant[1]) / nombre,
    }


# --- Affichage ---------------------------------------------------------------------------------------


def taille_lisible(octets):
    if octets >= 1_000_000:
        return f"{octets / 1_000_000:.1f} Mo"
    if octets >= 1000:
        return f"{octets / 1000:.1f} ko"
    return f"{octets} o"


def tableau_pages(resultats):
    lignes = [
        "| page | ratio à la vue nue (médiane de 3) | requêtes/s (page / vue nue) | requêtes SQL | taille | cible |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in resultats:
        if r.get("absente"):
            lignes.append(f"| {r['nom']} | absente (route inexistante) | | | | |")
            continue
        cible = []
        if r["cible"] is not None:
            cible.append(f"≥ {r['cible']}" + (" ✔" if r["ratio"] >= r["cible"] else " ✘"))
        if r["requetes_max"] is not None:
            cible.append(f"≤ {r['requetes_max']} req." + (" ✔" if r["requetes"] <= r["requetes_max"] else " ✘"))
        if r.get("duree_max") is not None:
            cible.append(
                f"rendu ≤ {r['duree_max']:g} s : {r['duree']:.2f} s seule, {r['duree_wrk']:.2f} s sous wrk"
                + (" ✔" if r["duree"] <= r["duree_max"] else " ✘")
            )
        alerte = f" ({r['hors_succes']} réponses en erreur)" if r["hors_succes"] else ""
        if r.get("lente"):
            alerte += " (page lente : 1 connexion, 1 passage)"
        ratio = f"{r['ratio']:.2f}" if r["ratio"] >= 0.1 else f"{r['ratio']:.4f}"
        debit = f"{r['debit']:.0f}" if r["debit"] >= 10 else f"{r['debit']:.2f}"
        lignes.append(
            f"| {r['nom']} | {ratio}{alerte} | {debit} / {r['debit_vue_nue']:.0f} | "
            f"{r['requetes']} | {taille_lisible(r['taille'])} | {', '.join(cible)} |"
        )
    return "\n".join(lignes)


def tableau_courriels(resultats):
    lignes = [
        "| processus du worker | courriels | débit (80 % premiers) | programmation | durée totale (reprise comprise) | "
        "perdus | doublons | à vérifier (dont reçus) | mises à jour / courriel | transactions / courriel |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in resultats:
        lignes.append(
            f"| {r['concurrence']} | {r['courriels']} | {r['debit_80']:.0f}/s | {r['duree_programmation']:.1f} s | "
            f"{r['duree_totale']:.1f} s | "
            f"{r['perdus']} | {r['doublons']} | {r['a_verifier']} ({r['a_verifier_recus']}) | "
            f"{r['maj_par_courriel']:.2f} | {r['transactions_par_courriel']:.2f} |"
        )
    return "\n".join(lignes)


def statiques_a_jour():
    """Le manifeste du banc est plus récent que tous les fichiers statiques du dépôt (collectstatic : 1 à 2 min)."""
    from django.conf import settings

    manifeste = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifeste.exists():
        return False
    sources = [f for d in settings.STATICFILES_DIRS for f in Path(d).rglob("*") if f.is_file()]
    return all(f.stat().st_mtime < manifeste.stat().st_mtime for f in sources)


def main():
    parser = argparse.ArgumentParser(description="Banc de mesure des performances (docs/performance.md).")
    parser.add_argument("--duree", type=int, default=int(os.environ.get("BANC_DUREE", "3")), help="secondes par wrk")
    parser.add_argument("--passages", type=int, default=3)
    parser.add_argument("--pages", default="", help="filtre : seules les pages dont le nom contient ce texte")
    parser.add_argument("--courriels", type=int, default=int(os.environ.get("BANC_COURRIELS", "3000")))
    parser.add_argument("--concurrences", default=os.environ.get("BANC_CONCURRENCES", "2,8"))
    parser.add_argument("--base", default=os.environ.get("BANC_BASE", ""), help="nom de la base du banc")
    parser.add_argument("--sortie", default="", help="fichier JSON des résultats détaillés")
    parser.add_argument(
        "--statiques", action="store_true", help="relancer collectstatic même si le manifeste est à jour"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("Banc : wrk est introuvable (Debian : apt-get install wrk ; voir docs/performance.md).")

    nom_base = preparer_environnement(args)
    sys.path.insert(0, str(RACINE))
    import django

    django.setup()
    from django.core.management import call_command

    debut = time.monotonic()
    print(f"== Base du banc : {nom_base} ; migrations, fichiers statiques, semis…", flush=True)
    call_command("migrate", verbosity=0)
    print(f"   migrations : {time.monotonic() - debut:.0f} s", flush=True)
    if args.statiques or not statiques_a_jour():
        call_command("collectstatic", interactive=False, verbosity=0)
    print(f"   fichiers statiques : {time.monotonic() - debut:.0f} s", flush=True)
    from outils.bench.pages import PAGES
    from outils.bench.semis import semer

    contexte = semer()
    print(f"   semis : {time.monotonic() - debut:.0f} s", flush=True)
    machine = decrire_machine()
    journaux = Path(tempfile.mkdtemp(prefix="banc-"))
    resultats = {"machine": machine, "pages": [], "courriels": []}
    with Gunicorn(journaux / "gunicorn.log") as serveur:
        banc = Banc(contexte, args)
        url_base = f"http://127.0.0.1:{serveur.port}"
        for page in PAGES:
            if args.pages and args.pages.lower() not in page.nom.lower():
                continue
            print(f"== {page.nom}", flush=True)
            resultats["pages"].append(banc.mesurer(page, url_base))
    for concurrence in [int(c) for c in args.concurrences.split(",") if c]:
        if args.courriels <= 0:
            break
        print(f"== Courriels : {args.courriels}, worker à {concurrence} processus", flush=True)
        resultats["courriels"].append(
            mesurer_courriels(args.courriels, concurrence, journaux / f"worker-{concurrence}.log")
        )

    print()
    print("Machine : " + ", ".join(f"{k} : {v}" for k, v in machine.items()))
    print()
    print(tableau_pages(resultats["pages"]))
    if resultats["courriels"]:
        print()
        print(tableau_courriels(resultats["courriels"]))
    print(f"\nJournaux : {journaux}")
    if args.sortie:
        Path(args.sortie).write_text(json.dumps(resultats, indent=2, ensure_ascii=False, default=str))
        print(f"Résultats détaillés : {args.sortie}")


if __name__ == "__main__":
    main()

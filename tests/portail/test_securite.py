"""Socle de sécurité : refus par défaut, CSP à nonce, réglages de production."""

import importlib.util
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from portail.enums import TypeUtilisateur
from portail.models import Utilisateur

RACINE = Path(settings.BASE_DIR)

# Les SEULES routes accessibles sans connexion. Toute nouvelle route publique doit être ajoutée ici,
# en connaissance de cause (revue de sécurité).
ROUTES_PUBLIQUES = {
    # Pages publiques du portail
    "portail:accueil",
    "portail:connexion",
    "portail:deconnexion",
    "portail:accessibilite",
    "portail:mentions_legales",
    "portail:donnees_personnelles",
    "portail:plan_du_site",
    "portail:qui_sommes_nous",
    # Courriels envoyés en développement : 404 hors DEBUG (tests/portail/test_dev_local.py)
    "portail:courriels_dev",
    # ProConnect / FranceConnect : départ, retour et retour de déconnexion
    "oidc:connexion",
    "oidc:retour",
    "oidc:retour_deconnexion",
    # Comptes par courriel (django-allauth) : connexion, inscription, vérification, mot de passe oublié
    "account_login",
    "account_logout",
    "account_inactive",
    "account_signup",
    "account_email_verification_sent",
    "account_confirm_email",
    "account_confirm_login_code",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    # Foire aux questions publique
    "faq:liste",
    "faq:detail",
    # Lien d'invitation reçu par courriel par l'usager
    "usagers:invitation",
    # Nouveau lien d’invitation en libre-service (adresse saisie, rien n’est révélé, débit limité)
    "usagers:nouveau_lien",
    # Test d'éligibilité public (sans invitation)
    "eligibilite:debut",
    "eligibilite:question",
    "eligibilite:resultat",
    # Formulaire de connexion de l'admin Django (le reste de l'admin exige la connexion)
    "admin:login",
}

# Routes qui se soustraient au middleware (`login_not_required`) mais vérifient elles-mêmes la connexion :
# un anonyme y reçoit 401/403 ou une redirection vers la page de connexion. À garder aussi courte que possible.
ROUTES_CONTROLEES_PAR_LA_VUE = {
    "declarations:etape",  # assistant formtools : redirige vers la connexion en conservant l'étape
    "declarations:brouillon",  # sauvegarde automatique (fetch) : 401 plutôt qu'une redirection
    # Même moteur d'assistant (portail/assistants.py) pour la demande de l'usager.
    "usagers:completer_etape",
    "usagers:brouillon_demande",
}

_VALEURS_FACTICES = {"int": "1", "uuid": "00000000-0000-0000-0000-000000000001"}


def _chemin_factice(motif):
    """Construit une URL concrète pour un motif, avec des arguments factices."""
    motif = str(motif)
    if motif.startswith("^") or "(?P<" in motif:
        motif = motif.lstrip("^").rstrip("$")
        # Première alternative d'un groupe « (?P<nom>a|b) », sinon une valeur simple.
        motif = re.sub(r"\(\?P<\w+>(\w+)(\|[\w|]+)\)", r"\1", motif)
        motif = re.sub(r"\(\?P<\w+>[^)]*\)", "1", motif)
        return motif
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: _VALEURS_FACTICES.get(m.group(1), "1"), motif)


def _routes(motifs=None, prefixe="", espace=""):
    for motif in get_resolver().url_patterns if motifs is None else motifs:
        if isinstance(motif, URLResolver):
            sous_espace = f"{espace}{motif.namespace}:" if motif.namespace else espace
            yield from _routes(motif.url_patterns, prefixe + _chemin_factice(motif.pattern), sous_espace)
        elif isinstance(motif, URLPattern):
            nom = f"{espace}{motif.name}" if motif.name else f"{espace}<sans nom>:{motif.pattern}"
            yield nom, "/" + prefixe + _chemin_factice(motif.pattern), motif


@pytest.mark.django_db
def test_toute_route_non_publique_redirige_vers_la_connexion(client):
    routes = list(_routes())
    assert len(routes) > 20
    connexion = reverse(settings.LOGIN_URL)
    publiques, protegees = set(), []
    for nom, chemin, motif in routes:
        # Le chemin factice résout bien vers ce motif (sinon le test ne prouverait rien).
        assert resolve(chemin).func == motif.callback, (nom, chemin)
        reponse = client.get(chemin)
        # Les vues de l'admin renvoient vers son formulaire ou vers la page de connexion ; le reste vers la seconde.
        connexions = [connexion] + ([reverse("admin:login")] if nom.startswith("admin:") else [])
        if reponse.status_code == 302 and reponse["Location"] in [f"{c}?next={quote(chemin)}" for c in connexions]:
            protegees.append(nom)
        elif nom in ROUTES_CONTROLEES_PAR_LA_VUE:
            assert reponse.status_code in (401, 403) or (
                reponse.status_code == 302 and reponse["Location"].startswith(f"{connexion}?next=")
            ), (nom, reponse.status_code)
            protegees.append(nom)
        else:
            publiques.add(nom)
    assert publiques <= ROUTES_PUBLIQUES, f"Routes publiques non déclarées : {sorted(publiques - ROUTES_PUBLIQUES)}"
    # Chaque route déclarée existe ; les vues marquées `login_not_required` sont exactement celles déclarées.
    noms = {nom for nom, _, _ in routes}
    assert ROUTES_PUBLIQUES <= noms, sorted(ROUTES_PUBLIQUES - noms)
    hors_middleware = {nom for nom, _, motif in routes if getattr(motif.callback, "login_required", True) is False}
    assert hors_middleware == ROUTES_PUBLIQUES | ROUTES_CONTROLEES_PAR_LA_VUE
    assert "declarations:accueil" in protegees and "admin:index" in protegees


def test_le_chemin_factice_couvre_les_motifs_regex():
    assert _chemin_factice("^confirm-email/(?P<key>[-:\\w]+)/$") == "confirm-email/1/"
    assert _chemin_factice("^(?P<app_label>auth|dsfr)/$") == "auth/"
    assert _chemin_factice("<str:fournisseur>/retour/") == "1/retour/"


@pytest.mark.django_db
def test_en_tete_csp_avec_nonce_identique_sur_les_scripts(client):
    reponse = client.get(reverse("portail:accueil"))
    politique = reponse["Content-Security-Policy"]
    nonce = re.search(r"script-src 'self' 'nonce-([\w-]+)'", politique).group(1)
    assert len(nonce) >= 16
    assert "style-src 'self'" in politique and "unsafe-inline" not in politique
    assert "frame-ancestors 'none'" in politique and "object-src 'none'" in politique
    html = reponse.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    # Les deux scripts du DSFR (module et nomodule) et le nôtre, tous externes (script-src 'self') ; ceux du
    # DSFR portent le nonce de l'en-tête, le nôtre n'en a pas besoin (page publique servie depuis le cache).
    assert len(scripts) == 3
    for balise in scripts:
        assert "src=" in balise
        assert "nonce=" not in balise or f'nonce="{nonce}"' in balise
    assert sum(f'nonce="{nonce}"' in balise for balise in scripts) == 2
    assert any("dsfr.module.min.js" in s for s in scripts)
    # Nonce renouvelé à chaque réponse.
    autre = client.get(reverse("portail:accueil"))["Content-Security-Policy"]
    assert f"'nonce-{nonce}'" not in autre


def test_gabarits_sans_script_ni_style_en_ligne():
    """La CSP interdit styles et scripts en ligne : nos gabarits n'en contiennent pas.

    Les courriels (templates/emails/) ne sont pas servis par le portail : les styles en ligne y sont la norme.
    """
    fautifs = []
    for gabarit in (RACINE / "templates").rglob("*.html"):
        if "emails" in gabarit.relative_to(RACINE / "templates").parts:
            continue
        texte = gabarit.read_text()
        if re.search(r"\sstyle\s*=", texte) or re.search(r"\son[a-z]+\s*=", texte) or "<style" in texte:
            fautifs.append(str(gabarit))
        for balise in re.findall(r"<script\b[^>]*>", texte):
            if "src=" not in balise:
                fautifs.append(f"{gabarit} : script en ligne")
    assert fautifs == []


def _env_production():
    return {
        **os.environ,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_ALLOWED_HOSTS": "example.gouv.fr",
        "DJANGO_SETTINGS_MODULE": "portail.settings.prod",
        "CLAMAV_SOCKET": "/run/clamav/clamd.ctl",
    }


def test_check_deploy_sans_avertissement():
    resultat = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=RACINE,
        env=_env_production(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    assert "System check identified no issues (0 silenced)." in resultat.stdout


def test_production_refuse_de_demarrer_sans_secret():
    env = _env_production()
    del env["DJANGO_SECRET_KEY"]
    resultat = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=RACINE, env=env, capture_output=True, text=True, timeout=120
    )
    assert resultat.returncode != 0
    assert "DJANGO_SECRET_KEY" in resultat.stderr


@pytest.fixture
def reglages_production(monkeypatch):
    """Le module portail.settings.prod, chargé à part avec un environnement de production."""
    for cle, valeur in _env_production().items():
        monkeypatch.setenv(cle, valeur)
    spec = importlib.util.find_spec("portail.settings.prod")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    noms = [
        "ALLOWED_HOSTS",
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_NAME",
        "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_NAME",
        "CSRF_COOKIE_HTTPONLY",
        "X_FRAME_OPTIONS",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "SECURE_REFERRER_POLICY",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY",
        "SECURE_CSP",
    ]
    with override_settings(**{nom: getattr(module, nom) for nom in noms}):
        yield module


@pytest.mark.django_db
def test_en_tetes_et_cookies_de_production(reglages_production):
    assert reglages_production.DEBUG is False
    assert reglages_production.SESSION_COOKIE_NAME == "__Host-sessionid"
    assert reglages_production.SESSION_COOKIE_SECURE and reglages_production.SESSION_COOKIE_HTTPONLY

    client = Client(HTTP_HOST="example.gouv.fr")
    # HTTP → HTTPS
    reponse = client.get("/mentions-legales/")
    assert reponse.status_code == 301
    assert reponse["Location"] == "https://example.gouv.fr/mentions-legales/"

    usager = Utilisateur.objects.create_user("u@exemple.fr", email="u@exemple.fr", type=TypeUtilisateur.USAGER)
    client.force_login(usager)
    reponse = client.get("/mon-espace/", HTTP_X_FORWARDED_PROTO="https")
    assert reponse.status_code == 200
    assert reponse["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert reponse["X-Frame-Options"] == "DENY"
    assert reponse["X-Content-Type-Options"] == "nosniff"
    assert reponse["Referrer-Policy"] == "same-origin"
    assert reponse["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "upgrade-insecure-requests" in reponse["Content-Security-Policy"]
    assert "'nonce-" in reponse["Content-Security-Policy"]
    # Le formulaire de déconnexion pose le cookie CSRF : préfixe __Host-, Secure, HttpOnly, sans Domain.
    cookie = reponse.cookies["__Host-csrftoken"]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["path"] == "/"
    assert not cookie["domain"]


@pytest.mark.django_db
def test_hote_inconnu_refuse(reglages_production):
    reponse = Client(HTTP_HOST="pirate.example").get("/", HTTP_X_FORWARDED_PROTO="https")
    assert reponse.status_code == 400

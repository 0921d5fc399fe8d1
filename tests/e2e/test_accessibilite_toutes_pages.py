"""Déclaration d'accessibilité : ce qu'elle affirme est vérifié ici (docs/accessibilite.md).

Pour chaque profil (visiteur, usager, agent des forces de l'ordre, agent du ministère de la Justice), le
navigateur parcourt **toutes les pages atteignables par un lien** depuis l'accueil de son espace (une page par
route : les pages d'une même route partagent leur gabarit) et, sur chacune :
- axe-core, règles WCAG 2.1 A et AA : aucune violation ;
- un seul titre de premier niveau, un titre de page (`<title>`) propre à la route, `lang="fr"` ;
- aucun texte de bouton ou de lien masqué par la feuille de style ;
- redistribution (WCAG 1.4.10, RGAA 10.11) : à 320 px de large, rien ne défile horizontalement, sauf les
  non-conformités connues listées ci-dessous (et dans la déclaration).
Un second test fait un parcours entier au clavier seul (lien d'évitement, focus visible, test d'éligibilité).
"""

from collections import deque
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import Resolver404, resolve

from declarations.models import envoyer_declaration
from precontentieux.enums import TypePiece
from tests.e2e.outils import verifier_accessibilite, verifier_textes_visibles
from tests.e2e.parcours_usager import purger_declarations_envoyees
from tests.fabriques import DeclarationFactory, UtilisateurFactory, ajouter_piece, completer, dossier_declare

# Pages non parcourues : déconnexion et sorties, téléchargements, admin technique de Django (hors DSFR,
# réservée aux gestionnaires : signalée comme non conforme dans la déclaration), outils de développement.
PREFIXES_EXCLUS = ("/admin/", "/oidc/", "/dev/", "/static/", "/media/", "/erreurs/")
ROUTES_EXCLUES = {"portail:deconnexion", "account_logout"}

# Non-conformités connues, écrites dans la déclaration d'accessibilité (templates/portail/pages/accessibilite.html).
REDISTRIBUTION_CONNUE = {
    "declarations:mes_declarations": "le tableau « Mes déclarations » défile horizontalement à 320 px",
}

LARGEUR_MOBILE = 320


def _route(chemin):
    try:
        correspondance = resolve(chemin)
    except Resolver404:
        return None
    return correspondance.view_name


def _connecter(page, live_server, utilisateur):
    client = Client()
    client.force_login(utilisateur)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def _verifier_page(page, chemin, titres):
    verifier_accessibilite(page)
    verifier_textes_visibles(page)
    assert page.locator("h1").count() == 1, f"{chemin} : un seul h1 attendu"
    assert page.locator("html[lang='fr']").count() == 1
    titre = page.title()
    assert titre.strip() and titre not in titres.values(), f"{chemin} : titre de page vide ou déjà pris ({titre})"
    page.set_viewport_size({"width": LARGEUR_MOBILE, "height": 800})
    try:
        debord = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    finally:
        page.set_viewport_size({"width": 1280, "height": 800})
    return titre, debord


def parcourir(page, live_server, departs, limite=60):
    """Parcours en largeur des liens internes ; renvoie {route: chemin} des pages vérifiées."""
    vues, titres, debords = {}, {}, {}
    file = deque(departs)
    deja = set()
    while file and len(vues) < limite:
        chemin = file.popleft()
        if chemin in deja:
            continue
        deja.add(chemin)
        route = _route(urlsplit(chemin).path)
        if route is None or route in vues or route in ROUTES_EXCLUES or chemin.startswith(PREFIXES_EXCLUS):
            continue
        reponse = page.request.get(live_server.url + chemin, max_redirects=0)
        if reponse.status in (301, 302) and reponse.headers.get("location", "").startswith("/"):
            deja.discard(reponse.headers["location"])
            file.append(reponse.headers["location"])
            continue
        if reponse.status != 200 or not reponse.headers.get("content-type", "").startswith("text/html"):
            continue
        page.goto(chemin)
        titre, debord = _verifier_page(page, chemin, titres)
        vues[route], titres[route] = chemin, titre
        if debord > 0:
            debords[route] = debord
        for href in page.eval_on_selector_all("a[href]", "liens => liens.map((a) => a.getAttribute('href'))"):
            morceaux = urlsplit(href)
            if morceaux.netloc and morceaux.netloc != urlsplit(live_server.url).netloc:
                continue
            if morceaux.scheme not in ("", "http", "https") or not morceaux.path.startswith("/"):
                continue
            file.append(morceaux.path + (f"?{morceaux.query}" if morceaux.query else ""))
    inattendus = {r: d for r, d in debords.items() if r not in REDISTRIBUTION_CONNUE}
    assert not inattendus, f"Défilement horizontal à {LARGEUR_MOBILE} px (px de trop) : {inattendus}"
    return vues


@pytest.fixture(autouse=True)
def _fichiers(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"


@pytest.fixture(autouse=True)
def _purger_declarations_envoyees(transactional_db):
    yield
    purger_declarations_envoyees()


def test_toutes_les_pages_publiques(page, live_server):
    vues = parcourir(page, live_server, ["/", "/connexion/", "/tester-mon-eligibilite/", "/plan-du-site/"])
    for route in (
        "portail:accueil",
        "portail:accessibilite",
        "portail:mentions_legales",
        "faq:liste",
        "account_signup",
    ):
        assert route in vues, sorted(vues)


def test_toutes_les_pages_de_l_usager(page, live_server):
    usager = UtilisateurFactory()
    depose = completer(dossier_declare(requerant=usager))
    depose.deposer(usager)
    ajouter_piece(depose, TypePiece.FACTURE)
    a_completer = dossier_declare(requerant=usager)
    _connecter(page, live_server, usager)
    vues = parcourir(
        page,
        live_server,
        [
            "/mon-espace/",
            f"/mon-espace/demandes/{depose.reference}/deposee/",
            f"/mon-espace/demandes/{depose.reference}/documents/ajouter/",
            f"/mon-espace/demandes/{a_completer.reference}/completer/",
        ],
    )
    assert {"usagers:accueil", "usagers:demande", "usagers:completer_etape"} <= set(vues), sorted(vues)


def test_toutes_les_pages_des_forces_de_l_ordre(page, live_server):
    policier = UtilisateurFactory(policier=True)
    DeclarationFactory(agent=policier)  # un brouillon
    envoyer_declaration(DeclarationFactory(complete=True, agent=policier).pk, policier)
    _connecter(page, live_server, policier)
    vues = parcourir(page, live_server, ["/forces-de-l-ordre/", "/forces-de-l-ordre/declarations/nouvelle/"])
    assert {"declarations:accueil", "declarations:mes_declarations", "declarations:serrurier"} <= set(vues), sorted(
        vues
    )


def test_toutes_les_pages_du_ministere(page, live_server):
    from django.contrib.auth.models import Group

    from portail.enums import ROLES_MJ

    agent = UtilisateurFactory(agent_mj=True)
    agent.groups.add(*Group.objects.filter(name__in=[str(r) for r in ROLES_MJ]))
    usager = UtilisateurFactory()
    dossier = completer(dossier_declare(requerant=usager))
    dossier.deposer(usager)
    _connecter(page, live_server, agent)
    vues = parcourir(page, live_server, ["/precontentieux/"])
    assert "precontentieux:accueil" in vues


# --- parcours au clavier seul ---------------------------------------------------------------------------


def _focus(page):
    return page.evaluate(
        """() => {
          const e = document.activeElement;
          if (!e || e === document.body) return null;
          const r = e.getBoundingClientRect();
          // Indicateur sur l'élément, ou sur le bloc cliquable qui l'englobe (DSFR fr-enlarge-link : :focus-within).
          let contour = false;
          for (let n = e, i = 0; n && n !== document.body && i < 4; n = n.parentElement, i++) {
            const s = getComputedStyle(n);
            const t = getComputedStyle(n, '::before');
            if ((s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'
                || (t.outlineStyle !== 'none' && parseFloat(t.outlineWidth) > 0)) { contour = true; break; }
          }
          return {
            texte: (e.innerText || e.getAttribute('aria-label') || e.value || '').trim().slice(0, 60),
            balise: e.tagName,
            visible: r.width > 0 && r.height > 0,
            contour: contour
          };
        }"""
    )


def test_parcours_au_clavier_seul(page, live_server):
    page.goto("/")
    # Premier arrêt : le lien d'évitement vers le contenu, qui y mène.
    page.keyboard.press("Tab")
    premier = _focus(page)
    assert premier and premier["texte"] == "Contenu", premier
    page.keyboard.press("Enter")
    assert page.url.endswith("#content")

    # Tout l'accueil au clavier : chaque arrêt est visible et porte un indicateur de focus.
    page.goto("/")
    arrets = []
    for _ in range(80):
        page.keyboard.press("Tab")
        etat = _focus(page)
        if etat is None:
            break
        assert etat["visible"] and etat["contour"], f"Focus invisible sur {etat}"
        arrets.append(etat["texte"])
    assert "Qui sommes-nous ?" in arrets and "Se connecter" in arrets
    assert any("éligibilité" in a for a in arrets), arrets

    # Le test d'éligibilité entier sans souris : Tab jusqu'au bouton ou à la première réponse, Espace, Entrée.
    page.goto("/tester-mon-eligibilite/")
    _tabuler_jusqu_a(page, "#commencer")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    for _ in range(8):
        if "resultat" in page.url:
            break
        _tabuler_jusqu_a(page, "main input[type=radio]")
        page.keyboard.press("Space")
        assert page.evaluate("() => document.activeElement.checked")
        _tabuler_jusqu_a(page, "#continuer")
        with page.expect_navigation():
            page.keyboard.press("Enter")
    assert "resultat" in page.url, page.url
    verifier_accessibilite(page)


def _tabuler_jusqu_a(page, selecteur, maximum=80):
    for _ in range(maximum):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selecteur):
            return
    raise AssertionError(f"{selecteur} jamais atteint au clavier sur {page.url}")

"""En-tête et menu principal selon le type d'utilisateur connecté."""

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import NoReverseMatch, reverse

from portail.context_processors import MENU_FORCES_DE_L_ORDRE
from portail.enums import CodeAdministration, Role, TypeUtilisateur
from portail.models import Administration, Utilisateur

pytestmark = pytest.mark.django_db


def _menu(reponse):
    """(libellé, href) des liens du menu principal, dans l'ordre."""
    html = reponse.content.decode()
    debut = html.index('id="navigation-principale"')
    bloc = html[debut : html.index("</nav>", debut)]
    liens = re.findall(r'<a class="fr-nav__link"\s+href="([^"]+)"[^>]*>([^<]+)</a>', bloc)
    return [(libelle.strip(), href) for href, libelle in liens]


def _outils(reponse):
    html = reponse.content.decode()
    debut = html.index('class="fr-header__tools-links"')
    return html[debut : html.index("</ul>", debut)]


def _agent(identifiant, administration, *roles, **extra):
    user = Utilisateur.objects.create_user(
        identifiant,
        email=f"{identifiant}@exemple.gouv.fr",
        type=TypeUtilisateur.AGENT,
        administration=Administration.objects.filter(code=administration).first(),
        prenom="Camille",
        nom="Martin",
        **extra,
    )
    for role in roles:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def usager():
    return Utilisateur.objects.create_user(
        "usager@exemple.fr", email="usager@exemple.fr", prenom="Martin", nom="Dupont", type=TypeUtilisateur.USAGER
    )


def test_anonyme(client):
    reponse = client.get(reverse("portail:accueil"))
    assert _menu(reponse) == [("Accueil", "/"), ("Se connecter", "/connexion/")]
    outils = _outils(reponse)
    assert f'href="{reverse("portail:connexion")}"' in outils
    assert "Se déconnecter" not in reponse.content.decode()
    # Page courante signalée aux technologies d'assistance.
    assert re.search(r'href="/"\s+aria-current="page"', reponse.content.decode())


def test_usager(client, usager):
    client.force_login(usager)
    reponse = client.get(reverse("usagers:accueil"))
    assert reponse.status_code == 200
    assert _menu(reponse) == [("Mon espace", reverse("usagers:accueil"))]
    outils = _outils(reponse)
    assert "Martin Dupont" in outils
    assert "Se connecter" not in outils
    html = reponse.content.decode()
    assert re.search(
        r'<form method="post" action="'
        + re.escape(reverse("portail:deconnexion"))
        + r'">\s*<input type="hidden" name="csrfmiddlewaretoken"',
        html,
    )
    assert "Précontentieux" not in html
    assert reverse("declarations:accueil") not in html


def test_agent_forces_de_l_ordre(client):
    policier = _agent("policier", CodeAdministration.PN, Role.FORCES_DE_L_ORDRE)
    client.force_login(policier)
    reponse = client.get(reverse("declarations:accueil"))
    assert reponse.status_code == 200
    menu = _menu(reponse)
    # Le menu du guide, entrée par entrée.
    attendu = [
        (sous_libelle, reverse(nom))
        for libelle, cible in MENU_FORCES_DE_L_ORDRE
        for sous_libelle, nom in (cible if isinstance(cible, list) else [(libelle, cible)])
    ]
    assert menu == attendu
    assert menu[0] == ("Accueil", reverse("declarations:accueil"))
    if any(libelle == "Nouvelle déclaration" for libelle, _ in menu):
        assert re.search(r'<button type="button"\s+class="fr-nav__btn"', reponse.content.decode())
        assert "Déclaration d’un bris de porte" in reponse.content.decode()
    libelles = [libelle for libelle, _ in menu]
    assert "Mon espace" not in libelles
    assert "Précontentieux" not in libelles
    assert "Administration" not in libelles
    assert "Camille Martin" in _outils(reponse)


def test_agent_mj_avec_role(client):
    redacteur = _agent("redacteur", CodeAdministration.MJ, Role.REDACTEUR)
    client.force_login(redacteur)
    reponse = client.get(reverse("precontentieux:accueil"))
    assert reponse.status_code == 200
    assert _menu(reponse) == [("Précontentieux", reverse("precontentieux:accueil"))]


def test_seul_un_superutilisateur_voit_l_administration(client):
    gestionnaire = _agent("gestionnaire", CodeAdministration.MJ, Role.GESTIONNAIRE, is_staff=True)
    client.force_login(gestionnaire)
    reponse = client.get(reverse("precontentieux:accueil"))
    assert _menu(reponse) == [("Précontentieux", reverse("precontentieux:accueil"))]

    gestionnaire.is_superuser = True
    gestionnaire.save()
    reponse = client.get(reverse("precontentieux:accueil"))
    assert _menu(reponse) == [
        ("Précontentieux", reverse("precontentieux:accueil")),
        ("Administration", reverse("admin:index")),
    ]


def test_agent_mj_sans_role(client):
    agent = _agent("nouveau", CodeAdministration.MJ)
    client.force_login(agent)
    reponse = client.get(reverse("portail:acces_en_attente"))
    assert reponse.status_code == 200
    assert _menu(reponse) == [("Mon accès", reverse("portail:acces_en_attente"))]
    html = reponse.content.decode()
    assert reverse("precontentieux:accueil") not in html
    assert reverse("declarations:accueil") not in html
    assert "gestionnaire" in html


def test_sous_menu_et_lien_casse_signale():
    """Le menu suit la liste ; une route absente est une erreur (tests/test_coherence.py), jamais masquée."""
    from portail import context_processors

    entrees = [("Accueil", "declarations:accueil"), ("Sous-menu", [("Existe", "portail:accueil")])]
    menu = context_processors._construire(entrees, "/forces-de-l-ordre/")
    assert menu[0] == {"libelle": "Accueil", "url": "/forces-de-l-ordre/", "actif": True, "sous_menu": []}
    assert menu[1]["libelle"] == "Sous-menu"
    assert [e["libelle"] for e in menu[1]["sous_menu"]] == ["Existe"]
    with pytest.raises(NoReverseMatch):
        context_processors._construire([("Vide", [("Absente", "x:y")])], "/")


def test_nom_saisi_par_l_utilisateur_echappe(client):
    pirate = Utilisateur.objects.create_user(
        "pirate@exemple.fr", email="pirate@exemple.fr", prenom="<script>alert(1)</script>", type=TypeUtilisateur.USAGER
    )
    client.force_login(pirate)
    reponse = client.get(reverse("usagers:accueil"))
    assert "<script>alert(1)</script>" not in reponse.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in _outils(reponse)


def test_liens_d_evitement_et_pied_de_page(client):
    html = client.get(reverse("portail:accueil")).content.decode()
    for cible in ('href="#content"', 'href="#navigation-principale"', 'href="#footer"'):
        assert cible in html
    assert 'id="content"' in html and 'id="navigation-principale"' in html and 'id="footer"' in html
    for nom in (
        "portail:accessibilite",
        "portail:mentions_legales",
        "portail:donnees_personnelles",
        "portail:plan_du_site",
    ):
        assert f'href="{reverse(nom)}"' in html
    assert "Accessibilité : non conforme" in html
    assert 'aria-controls="fr-theme-modal"' in html and 'id="fr-theme-modal"' in html
    assert re.search(r'<p class="fr-logo">\s*Ministère\s*<br>\s*de la Justice\s*</p>', html)
    assert "Mon Indemnisation Justice" in html

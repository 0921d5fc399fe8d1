"""Page d'accueil des forces de l'ordre : les cartes du guide et le menu."""

import pytest
from django.urls import reverse

from portail.enums import Role
from tests.fabriques import UtilisateurFactory

URL = reverse("declarations:accueil")

CARTES = [
    ("Déclarer un bris de porte", "declarations:nouvelle", None),
    ("Réquisitionner un serrurier", "declarations:serrurier", "Retrouvez les numéros utiles des serruriers."),
    ("Mes déclarations", "declarations:mes_declarations", "Ici retrouvez vos déclarations (brouillon, envoyées,...)"),
    ("Foire aux questions", "faq:liste", "Ici retrouvez les questions les plus fréquentes."),
    ("Mes documents", "declarations:documents", "Ici retrouvez les guides utilisateurs."),
]


@pytest.mark.django_db
def test_cartes_du_guide_pour_un_policier(client):
    client.force_login(UtilisateurFactory(policier=True))
    reponse = client.get(URL)
    contenu = reponse.content.decode()
    assert reponse.status_code == 200
    assert contenu.count("<h1") == 1
    for titre, route, description in CARTES:
        lien = f'<a href="{reverse(route)}">{titre}</a>'
        assert lien in contenu, titre
        if description:
            assert f'<p class="fr-tile__desc">{description}</p>' in contenu
    assert contenu.count('class="fr-tile fr-enlarge-link"') == len(CARTES)
    # Chaque lien des cartes mène à une page accessible au policier.
    for _, route, _ in CARTES:
        if route != "declarations:nouvelle":
            assert client.get(reverse(route)).status_code == 200, route


@pytest.mark.django_db
def test_menu_du_guide(client):
    client.force_login(UtilisateurFactory(policier=True))
    contenu = client.get(URL).content.decode()
    menu = contenu[contenu.index('id="navigation-principale"') :]
    menu = menu[: menu.index("</nav>")]
    assert f'href="{URL}"' in menu and "Accueil" in menu
    assert "Déclaration d’un bris de porte" in menu
    for libelle, route in [
        ("Nouvelle déclaration", "declarations:nouvelle"),
        ("Mes déclarations", "declarations:mes_declarations"),
        ("Réquisition d’un serrurier", "declarations:serrurier"),
        ("Foire aux questions", "faq:liste"),
    ]:
        assert f'href="{reverse(route)}"' in menu, libelle
        assert libelle in menu
    # L'ordre du guide : Accueil, Déclaration…, Réquisition…, Foire aux questions.
    positions = [
        menu.index(t)
        for t in ("Accueil", "Déclaration d’un bris de porte", "Réquisition d’un serrurier", "Foire aux questions")
    ]
    assert positions == sorted(positions)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "utilisateur",
    [
        lambda: UtilisateurFactory(),
        lambda: UtilisateurFactory(agent_mj=True, roles=[Role.REDACTEUR]),
        lambda: UtilisateurFactory(agent_mj=True),
    ],
    ids=["usager", "agent-mj", "agent-mj-sans-role"],
)
def test_interdit_hors_forces_de_l_ordre(client, utilisateur):
    client.force_login(utilisateur())
    assert client.get(URL).status_code == 403


@pytest.mark.django_db
def test_anonyme_renvoye_vers_la_connexion(client):
    reponse = client.get(URL)
    assert reponse.status_code == 302
    assert reponse["Location"].startswith(reverse("portail:connexion"))
    assert "next=" in reponse["Location"]

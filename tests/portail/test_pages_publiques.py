import re

import pytest
from django.urls import reverse

# Page → phrases françaises qui doivent y figurer.
PAGES_PUBLIQUES = {
    "portail:accueil": [
        "Qui peut être indemnisé ?",
        "Erreur opérationnelle",
        "Dénonciation mensongère d’une urgence vitale",
        "Flagrance chez un tiers",
        "Situation incertaine",
        "Ce qu’il faut préparer",
        "photos de la porte endommagée",
        "facture ou le devis",
        "relevé d’identité bancaire (RIB)",
        "pièce d’identité",
        "ne prend pas en charge le sinistre",
        "titre de propriété, bail",
        "Comment ça se passe ?",
    ],
    "portail:connexion": ["S’identifier avec", "FranceConnect", "ProConnect", "adresse email"],
    "portail:accessibilite": [
        "Déclaration d’accessibilité",
        "État de conformité",
        "non conforme",
        "Aucun audit",
        "axe-core",
        "Retour d’information et contact",
        "Voies de recours",
        "Défenseur des droits",
        "Toutes les pages, par profil",
        "Parcours au clavier",
        "Vérifications manuelles",
        "Non-conformités connues",
        "Cette déclaration a été établie le 2 décembre 2026.",
        "par courrier",
    ],
    "portail:mentions_legales": ["Éditeur", "ministère de la Justice", "Directeur de la publication", "Hébergement"],
    "portail:donnees_personnelles": [
        "Responsable du traitement",
        "Finalités",
        "Base légale",
        "Données traitées",
        "Durées de conservation",
        "Destinataires",
        "Vos droits",
        "délégué à la protection des données",
        "CNIL",
    ],
    "portail:plan_du_site": ["Pages publiques", "Espaces réservés"],
    "portail:qui_sommes_nous": ["Bureau du précontentieux", "forces de l’ordre", "Tester mon éligibilité"],
}


def _texte(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.django_db
@pytest.mark.parametrize("nom", PAGES_PUBLIQUES)
def test_page_publique_accessible_sans_connexion(client, nom):
    reponse = client.get(reverse(nom))
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert html.count("<h1") == 1
    assert '<html lang="fr"' in html
    assert re.search(r"<title>\s*\S.* — Mon Indemnisation Justice\s*</title>", html)
    texte = _texte(html)
    for phrase in PAGES_PUBLIQUES[nom]:
        assert phrase in texte, phrase
    # Aucun reste anglais des gabarits par défaut.
    for anglais in ("Untitled page", "Skip links", "Main menu", "Close", "Display settings"):
        assert anglais not in html


@pytest.mark.django_db
def test_statut_d_accessibilite_coherent(client):
    """Le statut du pied de page est celui de la déclaration d'accessibilité."""
    html = client.get(reverse("portail:accessibilite")).content.decode()
    statut = re.search(r'<strong id="statut-accessibilite">([^<]+)</strong>', html).group(1)
    assert statut in ("non conforme", "partiellement conforme", "totalement conforme")
    assert f"Accessibilité : {statut}</a>" in html


@pytest.mark.django_db
def test_plan_du_site_liste_les_pages_publiques_et_les_espaces(client):
    html = client.get(reverse("portail:plan_du_site")).content.decode()
    for nom in [
        *PAGES_PUBLIQUES,
        "account_login",
        "account_signup",
        "usagers:accueil",
        "declarations:accueil",
        "precontentieux:accueil",
    ]:
        assert f'href="{reverse(nom)}"' in html, nom


@pytest.mark.django_db
@pytest.mark.parametrize("nom", ["declarations:accueil", "usagers:accueil", "precontentieux:accueil"])
def test_espaces_exigent_la_connexion(client, nom):
    reponse = client.get(reverse(nom))
    assert reponse.status_code == 302
    assert reponse["Location"].startswith(reverse("portail:connexion"))


@pytest.mark.django_db
def test_declaration_d_accessibilite_sans_texte_provisoire_et_contact_configurable(client, settings):
    html = client.get(reverse("portail:accessibilite")).content.decode()
    assert "À compléter" not in html
    assert "mailto:" not in html  # sans COURRIEL_CONTACT : le courrier postal seulement
    settings.COURRIEL_CONTACT = "contact@exemple.fr"
    html = client.get(reverse("portail:accessibilite")).content.decode()
    assert '<a href="mailto:contact@exemple.fr">contact@exemple.fr</a>' in html

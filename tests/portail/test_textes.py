"""Textes lus par les personnes : français correct, rien de provisoire (issue 11, item 19)."""

import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from declarations.models import inviter_usager
from faq.models import Entree
from portail.emails import rendre
from portail.models import EmailSortant
from portail.utils import date_fr
from precontentieux.enums import Civilite, OrigineDossier, TypeEvenementDossier
from precontentieux.models import EvenementDossier
from tests.fabriques import UtilisateurFactory, dossier_declare
from usagers.suivi import phrase_evenement

pytestmark = pytest.mark.django_db


# --- « à le ministère » ------------------------------------------------------------------------------


def test_historique_dit_au_ministere(client):
    usager = UtilisateurFactory()
    dossier = dossier_declare(requerant=usager)
    assert dossier.origine == OrigineDossier.DECLARATION
    client.force_login(usager)
    html = client.get(reverse("usagers:demande", args=[dossier.reference])).content.decode()
    assert "Les forces de l’ordre ont signalé le bris de porte au ministère de la Justice" in html
    assert "à le " not in html
    creation = EvenementDossier(dossier=dossier, type=TypeEvenementDossier.CREATION)
    assert "à le " not in phrase_evenement(creation, dossier)


# --- « 1er janvier » ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("jour", "attendu"),
    [
        (datetime.date(2026, 1, 1), "1er janvier 2026"),
        (datetime.date(2026, 1, 2), "2 janvier 2026"),
        (datetime.date(2026, 3, 11), "11 mars 2026"),
        (datetime.date(2026, 5, 21), "21 mai 2026"),
        (None, ""),
    ],
)
def test_date_fr_premier_du_mois(jour, attendu):
    assert date_fr(jour) == attendu


def test_filtre_date_fr_dans_tous_les_gabarits():
    instant = timezone.make_aware(datetime.datetime(2026, 7, 1, 14, 5))
    rendu = Template('{{ jour|date_fr }} / {{ instant|date_fr:"H:i" }} / {{ rien|date_fr|default:"—" }}').render(
        Context({"jour": datetime.date(2026, 8, 1), "instant": instant, "rien": None})
    )
    assert rendu == "1er août 2026 / 1er juillet 2026 à 14:05 / —"


def test_aucun_gabarit_n_ecrit_une_date_longue_avec_le_filtre_date():
    """`|date:"j F Y"` écrit « 1 janvier » : les gabarits utilisent `|date_fr`."""
    racine = Path(settings.BASE_DIR) / "templates"
    fautifs = [str(f.relative_to(racine)) for f in racine.rglob("*.html") if 'date:"j F' in f.read_text()]
    assert not fautifs


# --- « Bonjour  Martin » -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "identite",
    [
        {"civilite": "", "prenom": "", "nom": "Martin"},
        {"civilite": Civilite.MONSIEUR, "prenom": "", "nom": "Martin"},
        {"civilite": Civilite.MADAME, "prenom": "Lina", "nom": "Martin"},
        {"civilite": "", "prenom": "", "nom": ""},
    ],
)
def test_salutation_de_l_invitation_sans_double_espace_ni_texte_saisi(identite):
    """« Bonjour, » : jamais de double espace, et la salutation ne commence jamais par un texte saisi par
    l'agent (issue 11, item 5 : un nom tapé ne doit pas pouvoir ouvrir un courriel officiel)."""
    dossier = dossier_declare()
    inviter_usager(dossier, courriel="martin@exemple.fr", **identite)
    rendu = rendre(EmailSortant.objects.filter(gabarit="invitation_usager").latest("pk"))
    assert rendu.texte.splitlines()[0] == "Bonjour,"
    assert "<p>Bonjour,</p>" in rendu.html


# --- ⚠ doublé dans les alertes ------------------------------------------------------------------------


class _Alertes(HTMLParser):
    """Texte contenu dans chaque `fr-alert` : la DSFR y met déjà son pictogramme."""

    def __init__(self):
        super().__init__()
        self.profondeur = 0
        self.textes = []

    def handle_starttag(self, balise, attributs):
        classes = (dict(attributs).get("class") or "").split()
        if self.profondeur or "fr-alert" in classes:
            self.profondeur += 1
            if self.profondeur == 1:
                self.textes.append("")

    def handle_endtag(self, balise):
        if self.profondeur:
            self.profondeur -= 1

    def handle_data(self, donnees):
        if self.profondeur:
            self.textes[-1] += donnees


def test_aucune_alerte_dsfr_ne_double_son_pictogramme():
    racine = Path(settings.BASE_DIR) / "templates"
    fautifs = []
    for gabarit in racine.rglob("*.html"):
        analyse = _Alertes()
        analyse.feed(gabarit.read_text())
        fautifs += [str(gabarit.relative_to(racine)) for texte in analyse.textes if "⚠" in texte]
    assert not fautifs


# --- FAQ : liste rendue en liste ----------------------------------------------------------------------


def test_faq_liste_apres_une_phrase_d_introduction(client):
    entree = Entree.objects.create(
        rubrique="public",
        question="Comment déclarer ?",
        reponse="Déclarez en ligne :\n- étape 1 ;\n- étape 2 ;\n- étape 3.\nPuis attendez.\n\nDernier paragraphe.",
    )
    assert entree.blocs == [
        {"paragraphe": "Déclarez en ligne :"},
        {"liste": ["étape 1 ;", "étape 2 ;", "étape 3."]},
        {"paragraphe": "Puis attendez."},
        {"paragraphe": "Dernier paragraphe."},
    ]
    html = client.get(reverse("faq:detail", args=[entree.slug])).content.decode()
    assert "<li>étape 2 ;</li>" in html
    assert "<p>Déclarez en ligne :</p>" in html


def test_faq_semee_violences_conjugales_affiche_sa_liste():
    entree = Entree.objects.get(slug="que-faire-en-cas-de-violences-conjugales")
    listes = [b["liste"] for b in entree.blocs if "liste" in b]
    assert len(listes) == 1 and len(listes[0]) == 3
    assert listes[0][0].startswith("à l'étape 1")


# --- Mentions légales, « Qui sommes-nous ? », champs obligatoires -------------------------------------


def test_mentions_legales_sans_texte_provisoire(client, settings):
    html = client.get(reverse("portail:mentions_legales")).content.decode()
    assert "À compléter" not in html and "[" not in html.split("<main", 1)[1].split("</main>")[0]
    assert "Le secrétaire général du ministère de la Justice" in html
    settings.MENTIONS_HEBERGEUR = "Hébergeur Exemple SAS, 1 rue de l’Exemple, 75001 Paris, 01 23 45 67 89"
    assert "Hébergeur Exemple SAS" in client.get(reverse("portail:mentions_legales")).content.decode()


def test_lien_qui_sommes_nous_dans_l_en_tete(client):
    html = client.get(reverse("portail:accueil")).content.decode()
    assert f'href="{reverse("portail:qui_sommes_nous")}">Qui sommes-nous ?</a>' in html
    page = client.get(reverse("portail:qui_sommes_nous"))
    assert page.status_code == 200
    assert "Bureau du précontentieux" in page.content.decode()


PHRASE_OBLIGATOIRES = "Sauf mention contraire, tous les champs sont obligatoires."


@pytest.mark.parametrize("nom", ["account_signup", "account_login", "account_reset_password"])
def test_formulaires_de_compte_disent_quels_champs_sont_obligatoires(client, nom):
    html = client.get(reverse(nom)).content.decode()
    assert html.count(PHRASE_OBLIGATOIRES) == 1


def test_assistant_de_declaration_dit_quels_champs_sont_obligatoires(client):
    client.force_login(UtilisateurFactory(policier=True))
    reponse = client.post(reverse("declarations:nouvelle"), follow=True)
    assert PHRASE_OBLIGATOIRES in reponse.content.decode()


def test_demande_de_l_usager_dit_quels_champs_sont_obligatoires(client):
    usager = UtilisateurFactory()
    dossier = dossier_declare(requerant=usager)
    client.force_login(usager)
    reponse = client.get(reverse("usagers:completer", args=[dossier.reference]), follow=True)
    assert reponse.status_code == 200
    assert PHRASE_OBLIGATOIRES in reponse.content.decode()

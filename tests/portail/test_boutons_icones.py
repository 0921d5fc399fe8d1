"""Boutons à icône : le texte reste visible (nom accessible visible).

Dans un `fr-btns-group` sans `fr-btns-group--icon-left`/`--icon-right`, la DSFR réduit tout `fr-btn` portant
une classe `fr-icon-*` à un carré de 2,5 rem, texte masqué : « Télécharger le récépissé de dépôt (PDF) » et
« Modifier mes réponses » n'étaient plus que des icônes. Le parcours navigateur le vérifie sur chaque page
(`tests/e2e/outils.py::verifier_textes_visibles`) ; ce test lit tous les gabarits.
"""

from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings

# L'en-tête : la DSFR y affiche le texte des boutons d'outils (`fr-header__tools-links`).
EXCEPTIONS = {"_entete.html"}


class _Analyse(HTMLParser):
    def __init__(self):
        super().__init__()
        self.pile = []  # (balise, est un groupe à icônes gérées)
        self.fautifs = []

    def handle_starttag(self, balise, attributs):
        classes = (dict(attributs).get("class") or "").split()
        groupe = None
        if "fr-btns-group" in classes:
            groupe = any(c.startswith("fr-btns-group--icon-") for c in classes)
        if "fr-btn" in classes and any(c.startswith("fr-icon-") for c in classes):
            groupes = [g for _, g in self.pile if g is not None]
            if groupes and not groupes[-1]:
                self.fautifs.append((self.getpos()[0], " ".join(classes)))
        if balise not in {"input", "img", "br", "meta", "link", "hr", "source"}:
            self.pile.append((balise, groupe))

    def handle_endtag(self, balise):
        for i in range(len(self.pile) - 1, -1, -1):
            if self.pile[i][0] == balise:
                del self.pile[i:]
                break


def test_aucun_bouton_a_icone_dans_un_groupe_qui_masque_son_texte():
    racine = Path(settings.BASE_DIR) / "templates"
    fautifs = []
    for gabarit in sorted(racine.rglob("*.html")):
        if gabarit.name in EXCEPTIONS:
            continue
        analyse = _Analyse()
        analyse.feed(gabarit.read_text())
        fautifs += [f"{gabarit.relative_to(racine)}:{ligne} ({classes})" for ligne, classes in analyse.fautifs]
    assert not fautifs, "Bouton à icône au texte masqué par la DSFR :\n" + "\n".join(fautifs)

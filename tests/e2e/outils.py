"""Outils des parcours navigateur : accessibilité (axe-core) et surveillance de la console (CSP)."""

from axe_playwright_python.sync_playwright import Axe

# Règles WCAG 2.1 niveaux A et AA (RGAA).
ETIQUETTES_WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_axe = Axe()

# Écouteur injecté avant chaque document : les violations CSP sont aussi renvoyées sur la console,
# où le journal du navigateur (voir `JournalNavigateur`) les relève. Les scripts d'initialisation
# passent par le protocole DevTools : la CSP de la page ne s'y applique pas.
SCRIPT_ECOUTE_CSP = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error("securitypolicyviolation: " + e.violatedDirective + " a bloqué " + (e.blockedURI || "(en ligne)")
    + " dans " + e.documentURI + (e.sourceFile ? " (" + e.sourceFile + ":" + e.lineNumber + ")" : ""));
}, true);
"""


def _est_refus_csp(texte):
    return (
        texte.startswith("Refused to")
        or "Content Security Policy" in texte
        or texte.startswith("securitypolicyviolation:")
    )


class JournalNavigateur:
    """Relève, sur toute la durée d'un test, les refus CSP, les erreurs JavaScript et les ressources en échec."""

    def __init__(self):
        self.refus_csp = []
        self.erreurs_js = []
        self.ressources_en_echec = []

    def brancher(self, page):
        page.on("console", self._sur_console)
        page.on("pageerror", lambda erreur: self.erreurs_js.append(f"{page.url} : {erreur}"))
        page.on("requestfailed", self._sur_requete_echouee)
        page.on("response", self._sur_reponse)

    def _sur_console(self, message):
        texte = message.text
        if _est_refus_csp(texte):
            self.refus_csp.append(f"[{message.type}] {texte}")
        elif "'integrity' attribute" in texte:
            # Empreinte SRI invalide : le navigateur bloque la feuille de style ou le script.
            self.ressources_en_echec.append(texte)

    def _sur_requete_echouee(self, requete):
        # Un chargement annulé par la navigation suivante (net::ERR_ABORTED) n'est pas une ressource manquante ;
        # une ressource absente répond 404 et est relevée par `_sur_reponse`.
        if requete.resource_type != "document" and "ERR_ABORTED" not in (requete.failure or ""):
            self.ressources_en_echec.append(f"{requete.url} : {requete.failure}")

    def _sur_reponse(self, reponse):
        if reponse.request.resource_type in {"stylesheet", "script", "font", "image"} and reponse.status >= 400:
            self.ressources_en_echec.append(f"{reponse.url} : HTTP {reponse.status}")

    def problemes(self):
        lignes = []
        if self.refus_csp:
            lignes.append("Refus CSP dans la console :")
            lignes += [f"  - {ligne}" for ligne in self.refus_csp]
        if self.erreurs_js:
            lignes.append("Erreurs JavaScript :")
            lignes += [f"  - {ligne}" for ligne in self.erreurs_js]
        if self.ressources_en_echec:
            lignes.append("Ressources non chargées :")
            lignes += [f"  - {ligne}" for ligne in self.ressources_en_echec]
        return "\n".join(lignes)


def rapport_axe(violations):
    """Liste lisible des violations : règle, impact, aide, puis chaque élément fautif."""
    lignes = []
    for violation in violations:
        lignes.append(f"- {violation['id']} ({violation['impact']}) : {violation['help']} — {violation['helpUrl']}")
        for noeud in violation["nodes"]:
            cible = ", ".join(str(c) for c in noeud["target"])
            extrait = " ".join(noeud["html"].split())
            lignes.append(f"    · {cible}\n      {extrait}")
            if noeud.get("failureSummary"):
                resume = " ".join(noeud["failureSummary"].split())
                lignes.append(f"      {resume}")
    return "\n".join(lignes)


def verifier_accessibilite(page):
    """Lance axe-core (WCAG 2.1 A et AA) sur la page affichée et échoue s'il trouve une violation.

    `page.evaluate` passe par le protocole DevTools : l'injection d'axe n'est pas soumise à la CSP de la page
    et ne produit donc pas de refus dans la console.
    """
    page.wait_for_load_state("load")
    resultats = _axe.run(
        page,
        options={"runOnly": {"type": "tag", "values": ETIQUETTES_WCAG}, "resultTypes": ["violations"]},
    )
    violations = resultats.response["violations"]
    assert not violations, f"{len(violations)} violation(s) d'accessibilité sur {page.url} :\n{rapport_axe(violations)}"
    return resultats


# Boutons et liens DSFR dont le texte est rogné par la feuille de style (bouton à icône dans un groupe sans
# `fr-btns-group--icon-left` : la DSFR le réduit à 2,5 rem, texte masqué) : leur nom n'est plus visible.
# Les boutons que la DSFR veut à icône seule (menu, fermer, recherche, infobulle) portent un `title` : exclus.
_TEXTES_ROGNES = """() => [...document.querySelectorAll('.fr-btn, .fr-link')]
  .filter((e) => !e.matches('.fr-btn--menu, .fr-btn--close, .fr-btn--search, .fr-btn--tooltip, [title]'))
  .filter((e) => e.offsetParent !== null && e.textContent.trim() && e.scrollWidth > e.clientWidth + 1)
  .map((e) => e.textContent.trim())"""


def verifier_textes_visibles(page):
    """Aucun bouton ni lien à icône n'a son texte masqué (nom accessible visible, RGAA 11.9 / WCAG 2.5.3)."""
    rognes = page.evaluate(_TEXTES_ROGNES)
    assert not rognes, f"Texte de bouton masqué sur {page.url} : {rognes}"


def verifier_page(page, journal):
    """Contrôle commun à chaque page d'un parcours : axe-core, textes des boutons visibles, puis aucun refus
    CSP ni erreur jusqu'ici."""
    verifier_accessibilite(page)
    verifier_textes_visibles(page)
    # Le script DSFR a démarré : le nonce CSP a été accepté.
    assert page.locator("html[data-fr-js='true']").count() == 1, f"Le JavaScript du DSFR n'a pas démarré sur {page.url}"
    probleme = journal.problemes()
    assert not probleme, f"Sur {page.url} :\n{probleme}"
    verifier_redistribution(page)


def verifier_redistribution(page, largeur=320):
    """WCAG 1.4.10 : à 320 px de large, la page ne défile pas horizontalement (les tableaux défilent dans leur
    propre cadre)."""
    taille = page.viewport_size
    page.set_viewport_size({"width": largeur, "height": 800})
    try:
        page.wait_for_timeout(50)
        debord = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        fautifs = page.evaluate(JS_ELEMENTS_QUI_DEBORDENT) if debord > 0 else []
    finally:
        page.set_viewport_size(taille)
    assert debord <= 0, f"{page.url} défile de {debord} px à {largeur} px de large (WCAG 1.4.10) : {fautifs}"


# Les éléments les plus profonds qui dépassent le bord droit de la fenêtre (pour le message d'échec).
JS_ELEMENTS_QUI_DEBORDENT = """() => {
  const largeur = document.documentElement.clientWidth;
  const depasse = (e) => e.getBoundingClientRect().right > largeur + 1;
  const texteDebordant = (e) => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === "visible";
  return [...document.querySelectorAll("body *")]
    .filter((e) => (depasse(e) && ![...e.children].some(depasse)) || (texteDebordant(e) && e.clientWidth > 0))
    .slice(-6)
    .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join(".")} « ${(e.textContent || "").trim().slice(0, 50)} »`);
}"""

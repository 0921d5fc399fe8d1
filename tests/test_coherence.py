"""Cohérence du code, lue dans le source (`ast`) : ce qu'une revue oublierait.

- Les espaces (`declarations` : forces de l'ordre, `usagers`) ne s'importent jamais l'un l'autre ;
  `precontentieux` (domaine et back-office), `portail` et `faq` n'importent jamais un espace.
- Rien n'écrit le statut d'un dossier, son requérant ni l'attestation sur l'honneur hors du domaine
  (`precontentieux/models.py`, `precontentieux/workflow.py`) : tout passe par `Dossier.transitionner`.
- Chaque nom d'URL cité dans le code (`reverse`, `redirect`, `reverse_lazy`, « espace:nom ») et dans les
  gabarits (`{% url %}`) se résout : aucun repli `except NoReverseMatch` ne cache un lien cassé.

Chaque détecteur est aussi essayé sur un extrait fautif (tests `test_detecteur_*`).
"""

import ast
import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

RACINE = Path(__file__).resolve().parent.parent
APPLICATIONS = ("declarations", "usagers", "precontentieux", "portail", "faq")
ESPACES = {"declarations", "usagers"}
# Application → applications qu'elle ne doit jamais importer.
INTERDITS = {
    "declarations": {"usagers"},
    "usagers": {"declarations"},
    "precontentieux": ESPACES,
    "portail": ESPACES,
    "faq": ESPACES,
}
DOMAINE = {"precontentieux/models.py", "precontentieux/workflow.py"}
CHAMPS_DU_DOMAINE = {"statut", "requerant", "requerant_id", "attestation_honneur"}
METHODES_D_ECRITURE = {"update", "create", "get_or_create", "update_or_create", "bulk_update"}


def sources():
    for application in APPLICATIONS:
        for chemin in sorted((RACINE / application).rglob("*.py")):
            relatif = chemin.relative_to(RACINE).as_posix()
            if "/migrations/" not in relatif:
                yield relatif, chemin.read_text(encoding="utf-8")


# --- Imports --------------------------------------------------------------------------------------


def modules_importes(source):
    for noeud in ast.walk(ast.parse(source)):
        if isinstance(noeud, ast.Import):
            yield from (alias.name for alias in noeud.names)
        elif isinstance(noeud, ast.ImportFrom) and noeud.module and noeud.level == 0:
            yield noeud.module


def imports_interdits(application, source):
    return sorted(m for m in modules_importes(source) if m.split(".")[0] in INTERDITS.get(application, ()))


def test_aucun_import_interdit_entre_applications():
    fautes = [
        f"{chemin} importe {module}"
        for chemin, source in sources()
        for module in imports_interdits(chemin.split("/")[0], source)
    ]
    assert fautes == []


def test_detecteur_d_imports():
    assert imports_interdits("precontentieux", "from declarations.models import Declaration") == ["declarations.models"]
    assert imports_interdits("usagers", "import declarations.suivi") == ["declarations.suivi"]
    assert imports_interdits("declarations", "from usagers import invitations") == ["usagers"]
    assert imports_interdits("declarations", "from precontentieux.models import Dossier") == []


# --- Écritures du statut, du requérant et de l'attestation ----------------------------------------


def _noms(noeud):
    return {n.id for n in ast.walk(noeud) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(noeud) if isinstance(n, ast.Attribute)
    }


def _vise_un_dossier(noeud):
    """L'expression parle d'un dossier : modèle `Dossier`, variable `dossier…`, valeur `StatutDossier`."""
    return any(nom == "Dossier" or nom.lower().startswith("dossier") or nom == "StatutDossier" for nom in _noms(noeud))


def ecritures_du_domaine(source):
    """[(ligne, champ)] : `….update(statut=…)`, `create(statut=…)`, `dossier.statut = …` sur un dossier."""
    fautes = []
    for noeud in ast.walk(ast.parse(source)):
        if isinstance(noeud, ast.Call) and isinstance(noeud.func, ast.Attribute):
            if noeud.func.attr in METHODES_D_ECRITURE:
                for mot in noeud.keywords:
                    if mot.arg in CHAMPS_DU_DOMAINE and (_vise_un_dossier(noeud.func) or _vise_un_dossier(mot.value)):
                        fautes.append((noeud.lineno, mot.arg))
        elif isinstance(noeud, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            cibles = noeud.targets if isinstance(noeud, ast.Assign) else [noeud.target]
            for cible in cibles:
                if isinstance(cible, ast.Attribute) and cible.attr in CHAMPS_DU_DOMAINE:
                    if _vise_un_dossier(cible.value) or (noeud.value is not None and _vise_un_dossier(noeud.value)):
                        fautes.append((noeud.lineno, cible.attr))
        elif isinstance(noeud, ast.Call) and isinstance(noeud.func, ast.Name) and noeud.func.id == "setattr":
            if len(noeud.args) >= 2 and isinstance(noeud.args[1], ast.Constant):
                if noeud.args[1].value in CHAMPS_DU_DOMAINE and _vise_un_dossier(noeud.args[0]):
                    fautes.append((noeud.lineno, noeud.args[1].value))
    return fautes


def test_seul_le_domaine_ecrit_statut_requerant_et_attestation():
    fautes = [
        f"{chemin}:{ligne} écrit {champ}"
        for chemin, source in sources()
        if chemin not in DOMAINE
        for ligne, champ in ecritures_du_domaine(source)
    ]
    assert fautes == [], "Passer par Dossier.transitionner (precontentieux/workflow.py) : " + "; ".join(fautes)


@pytest.mark.parametrize(
    "extrait",
    [
        "Dossier.objects.filter(pk=1).update(statut=StatutDossier.DEPOSE)",
        "Dossier.objects.filter(pk=1).update(requerant=user)",
        "qs.update(statut=StatutDossier.CLOTURE)",
        "Dossier.objects.create(reference='x', statut='depose')",
        "dossier.statut = StatutDossier.INDEMNISE",
        "self.dossier.attestation_honneur = True",
        "setattr(dossier, 'statut', 'rejete')",
        "Dossier.objects.filter(pk=1).update(attestation_honneur=True)",
    ],
)
def test_detecteur_d_ecritures_voit_la_faute(extrait):
    assert ecritures_du_domaine(extrait)


@pytest.mark.parametrize(
    "extrait",
    [
        "Declaration.objects.filter(pk=1).update(statut=StatutDeclaration.ENVOYEE)",
        "EmailSortant.objects.filter(pk=1).update(statut=StatutEmail.ENVOYE)",
        "email.statut = StatutEmail.ECHEC",
        "dossier.transitionner('cloturer', acteur, motif='x')",
    ],
)
def test_detecteur_d_ecritures_laisse_les_autres_modeles(extrait):
    assert ecritures_du_domaine(extrait) == []


# --- Noms d'URL -----------------------------------------------------------------------------------

FONCTIONS_URL = {"reverse", "reverse_lazy", "redirect", "resolve_url"}
NOM_QUALIFIE = re.compile(r"^([a-z_]+):([a-z0-9_]+)$")
BALISE_URL = re.compile(r"""{%\s*url\s+["']([^"']+)["']""")


def noms_d_url_connus():
    noms, espaces = set(), set()

    def parcourir(motifs, espace=""):
        for motif in motifs:
            if isinstance(motif, URLResolver):
                sous = f"{espace}{motif.namespace}:" if motif.namespace else espace
                if motif.namespace:
                    espaces.add(sous.rstrip(":").split(":")[-1])
                parcourir(motif.url_patterns, sous)
            elif isinstance(motif, URLPattern) and motif.name:
                noms.add(f"{espace}{motif.name}")

    parcourir(get_resolver().url_patterns)
    return noms, espaces


def noms_cites_dans_le_code(source, espaces):
    """Noms d'URL cités : 1er argument constant de reverse/redirect…, et toute chaîne « espace:nom »."""
    cites = set()
    for noeud in ast.walk(ast.parse(source)):
        if isinstance(noeud, ast.Call) and noeud.args and isinstance(noeud.args[0], ast.Constant):
            fonction = noeud.func.id if isinstance(noeud.func, ast.Name) else getattr(noeud.func, "attr", "")
            valeur = noeud.args[0].value
            if fonction in FONCTIONS_URL and isinstance(valeur, str) and not valeur.startswith(("/", "http", ".")):
                cites.add(valeur)
        if isinstance(noeud, ast.Constant) and isinstance(noeud.value, str):
            correspondance = NOM_QUALIFIE.match(noeud.value)
            if correspondance and correspondance.group(1) in espaces:
                cites.add(noeud.value)
    return cites


def noms_cites():
    _, espaces = noms_d_url_connus()
    cites = {}
    for chemin, source in sources():
        for nom in noms_cites_dans_le_code(source, espaces):
            cites.setdefault(nom, chemin)
    for chemin in sorted((RACINE / "templates").rglob("*.html")) + sorted((RACINE / "templates").rglob("*.txt")):
        for nom in BALISE_URL.findall(chemin.read_text(encoding="utf-8")):
            cites.setdefault(nom, chemin.relative_to(RACINE).as_posix())
    return cites


def test_chaque_nom_d_url_cite_se_resout():
    connus, _ = noms_d_url_connus()
    cites = noms_cites()
    assert len(cites) > 40  # le test lit bien le code et les gabarits
    inconnus = sorted(f"{nom} ({chemin})" for nom, chemin in cites.items() if nom not in connus)
    assert inconnus == []


def test_detecteur_de_noms_d_url():
    _, espaces = noms_d_url_connus()
    extrait = 'redirect("usagers:inexistant")\nreverse_lazy("portail:accueil")\nMENU = [("X", "faq:nulle_part")]'
    assert noms_cites_dans_le_code(extrait, espaces) == {"usagers:inexistant", "portail:accueil", "faq:nulle_part"}
    assert BALISE_URL.findall("{% url 'usagers:demande' dossier.reference %}") == ["usagers:demande"]


def test_aucun_repli_sur_noreversematch():
    fautes = [chemin for chemin, source in sources() if "NoReverseMatch" in source]
    assert fautes == []

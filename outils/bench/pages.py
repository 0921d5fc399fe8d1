"""Les pages mesurées par le banc : des données. Une page de plus = une ligne de plus.

`chemin` peut citer les objets semés (`semis.py`) : {brouillon} (déclaration en brouillon de l'agent),
{demande} (référence d'une demande à compléter de l'usager). `qui` nomme un compte semé (None : visiteur
anonyme). Une page dont la route n'existe pas (encore) est signalée « absente », sans faire échouer le banc :
le back-office s'ajoute donc ici d'une ligne, avant même d'être livré.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    nom: str
    chemin: str
    qui: str | None = None
    # Ratio visé (débit de la page / débit de la vue nue, même passage) et nombre de requêtes SQL maximal.
    cible: float | None = None
    requetes_max: int | None = None
    # Enregistrement automatique : POST d'un champ modifié, une ligne en brouillon par connexion de wrk.
    autosave: str | None = None  # "declaration" | "demande"
    # Durée de rendu maximale (secondes), mesurée par le client de Django à la deuxième requête.
    duree_max: float | None = None


PAGES = [
    Page("Accueil public", "/", cible=0.8),
    Page("Connexion", "/connexion/", cible=0.6),
    Page("Test d’éligibilité", "/tester-mon-eligibilite/", cible=0.6),
    Page("Accueil forces de l’ordre", "/forces-de-l-ordre/", qui="agent", cible=0.4),
    Page(
        "Assistant, étape 1 (agent)",
        "/forces-de-l-ordre/declarations/{brouillon}/etape/bris-de-porte/",
        qui="agent",
        cible=0.25,
    ),
    Page(
        "Assistant, étape 1 (usager)",
        "/mon-espace/demandes/{demande}/completer/le-bris-de-porte/",
        qui="usager",
        cible=0.25,
    ),
    Page(
        "Enregistrement automatique (agent)",
        "/forces-de-l-ordre/declarations/{brouillon}/brouillon/",
        qui="agent",
        cible=0.3,
        requetes_max=3,
        autosave="declaration",
    ),
    Page(
        "Enregistrement automatique (usager)",
        "/mon-espace/demandes/{demande}/brouillon/",
        qui="usager",
        cible=0.3,
        requetes_max=3,
        autosave="demande",
    ),
    Page("« Mes déclarations » (5 000 lignes)", "/forces-de-l-ordre/mes-declarations/", qui="agent_volume", cible=0.3),
    Page("« Mes demandes » (5 000 lignes)", "/mon-espace/", qui="usager_volume", cible=0.3),
    Page("Réquisition d’un serrurier (recherche)", "/forces-de-l-ordre/requisition-serrurier/?q=69", qui="agent"),
    # Back-office (issue 8) : ajoutez ici les files, la recherche et les statistiques, par exemple
    # Back-office (issue 8), sur les dossiers de `semer_volume` (100 000 par défaut, BANC_DOSSIERS).
    Page("File « À attribuer », page 1", "/precontentieux/files/a-attribuer/", qui="attributeur", cible=0.1),
    Page(
        "File « À attribuer », page 500",
        "/precontentieux/files/a-attribuer/?page=500",
        qui="attributeur",
        cible=0.1,
    ),
    Page("Recherche « dup » (plein texte)", "/precontentieux/recherche/?q=dup", qui="attributeur", cible=0.1),
    # Statistiques (issue 10) : six requêtes agrégées sur tous les dossiers ; rendu en moins d'une seconde.
    Page("Statistiques (tous les dossiers)", "/precontentieux/statistiques/", qui="attributeur", duree_max=1.0),
    Page(
        "Statistiques, export CSV « délais »",
        "/precontentieux/statistiques/delais.csv",
        qui="attributeur",
        duree_max=1.0,
    ),
]

# Corps des POST d'enregistrement automatique : un champ de l'étape 1 modifié ({version} : version lue).
CORPS_AUTOSAVE = {
    "declaration": {
        "etape": "bris-de-porte",
        "bris-de-porte-description_operation": "Porte palière forcée au bélier, serrure trois points arrachée.",
    },
    "demande": {
        "etape": "le-bris-de-porte",
        "le-bris-de-porte-adresse_voie": "12 rue des Lilas",
    },
}

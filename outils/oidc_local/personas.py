"""Personas du fournisseur OIDC local : une seule source, lue aussi par le semis de démonstration."""

import hashlib
import uuid

SIRET_PN = "12001501100014"
SIRET_GN = "15700001900461"
SIRET_PP = "17750151700011"
SIRET_MJ = "11001001400014"
SIRET_INCONNU = "21750001600019"

_ESPACE_SUB = uuid.UUID("6f1c1f8e-5a0b-4f52-9a57-3b0f6b2c9d10")


def _sub(saveur, cle):
    """`sub` stable d'une persona : UUID pour ProConnect, 64 hexadécimaux pour FranceConnect (comme les vrais)."""
    if saveur == "proconnect":
        return str(uuid.uuid5(_ESPACE_SUB, f"proconnect:{cle}"))
    return hashlib.sha256(f"franceconnect:{cle}".encode()).hexdigest()


def _agent(cle, libelle, prenom, nom, email, siret, roles=()):
    return {
        "cle": cle,
        "libelle": libelle,
        "roles": list(roles),
        "claims": {
            "sub": _sub("proconnect", cle),
            "given_name": prenom,
            "usual_name": nom,
            "email": email,
            "siret": siret,
            "uid": cle,
            "idp_id": "local",
        },
    }


def _usager(cle, libelle, claims):
    return {"cle": cle, "libelle": libelle, "roles": [], "claims": {"sub": _sub("franceconnect", cle), **claims}}


PERSONAS = {
    "proconnect": [
        _agent("policier", "Policier (Police nationale)", "Paul", "Martin", "paul.martin@interieur.gouv.fr", SIRET_PN),
        _agent(
            "gendarme",
            "Gendarme (Gendarmerie nationale)",
            "Gaëlle",
            "Bernard",
            "gaelle.bernard@gendarmerie.interieur.gouv.fr",
            SIRET_GN,
        ),
        _agent(
            "agent-pp",
            "Agent de la préfecture de police",
            "Pierre",
            "Petit",
            "pierre.petit@interieur.gouv.fr",
            SIRET_PP,
        ),
        _agent(
            "attributeur",
            "Attributeur (ministère de la Justice)",
            "Alice",
            "Attal",
            "alice.attal@justice.gouv.fr",
            SIRET_MJ,
            ["attributeur"],
        ),
        _agent(
            "redacteur",
            "Rédacteur (ministère de la Justice)",
            "Rémi",
            "Roux",
            "remi.roux@justice.gouv.fr",
            SIRET_MJ,
            ["redacteur"],
        ),
        _agent(
            "validateur",
            "Validateur (ministère de la Justice)",
            "Valérie",
            "Vidal",
            "valerie.vidal@justice.gouv.fr",
            SIRET_MJ,
            ["validateur"],
        ),
        _agent(
            "liaison-budget",
            "Liaison budget (ministère de la Justice)",
            "Louis",
            "Lambert",
            "louis.lambert@justice.gouv.fr",
            SIRET_MJ,
            ["liaison_budget"],
        ),
        _agent(
            "gestionnaire",
            "Gestionnaire (ministère de la Justice)",
            "Gisèle",
            "Garnier",
            "gisele.garnier@justice.gouv.fr",
            SIRET_MJ,
            ["gestionnaire"],
        ),
        _agent(
            "agent-mj-sans-role",
            "Agent du ministère de la Justice sans rôle",
            "Nadia",
            "Noël",
            "nadia.noel@justice.gouv.fr",
            SIRET_MJ,
        ),
        _agent(
            "agent-siret-inconnu",
            "Agent d’une administration inconnue (SIRET non reconnu)",
            "Xavier",
            "Xu",
            "xavier.xu@paris.fr",
            SIRET_INCONNU,
        ),
    ],
    "franceconnect": [
        _usager(
            "usager-camille",
            "Camille Durand (usager FranceConnect)",
            {
                "given_name": "Camille Marie",
                "family_name": "DURAND",
                "preferred_username": "",
                "birthdate": "1985-04-12",
                "birthplace": "69123",
                "birthcountry": "99100",
                "gender": "female",
                "email": "camille.durand@exemple.fr",
            },
        ),
        _usager(
            "usager-jean",
            "Jean Lefèvre (usager FranceConnect)",
            {
                "given_name": "Jean",
                "family_name": "LEFÈVRE",
                "preferred_username": "MOREAU",
                "birthdate": "1972-11-03",
                "birthplace": "75056",
                "birthcountry": "99100",
                "gender": "male",
                "email": "jean.lefevre@exemple.fr",
            },
        ),
    ],
}


def persona(saveur, cle):
    for p in PERSONAS[saveur]:
        if p["cle"] == cle:
            return p
    raise KeyError(cle)

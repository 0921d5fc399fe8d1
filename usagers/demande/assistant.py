"""Le brouillon de la demande est le stockage de l'assistant (moteur : `portail/assistants.py`, même principe
que `declarations/assistant.py`) : `Dossier.brouillon` contient les données brutes de chaque étape, chaque
écriture est un UPDATE conditionné à la version lue (concurrence entre onglets), au statut « à compléter »
et au requérant. Les colonnes du dossier reçoivent en même temps les seules valeurs valides : le dépôt
(`Dossier.deposer`) les revalide toutes.
"""

from django.utils.datastructures import MultiValueDict

from portail import assistants
from portail.assistants import BrouillonIndisponible, StockageBrouillon, ecrire_si_version
from portail.enums import Fournisseur
from precontentieux.enums import OrigineDossier, StatutDossier, TypeRequerant
from precontentieux.models import Dossier
from usagers.demande.forms import (
    CHAMPS_DECLARES,
    CHAMPS_PERSONNE_MORALE,
    CHAMPS_PERSONNE_PHYSIQUE,
    ETAPES,
    OUI_NON_BOOLEENS,
)

CHAMPS_BOOLEENS = ("porte_blindee", "reparation_effectuee", "logement_assure")
CHAMPS_DATES = ("date_operation", "date_naissance")
CHAMPS_MONTANTS = ("montant_demande",)
CIVILITES_FC = {"female": "mme", "male": "m"}


class ConflitDeVersion(assistants.ConflitDeVersion):
    message = (
        "Cette demande a été modifiée dans un autre onglet ou un autre navigateur depuis l’ouverture de cette "
        "page. Vos dernières modifications n’ont pas été enregistrées pour ne pas écraser l’autre saisie : "
        "rechargez la page pour reprendre la version la plus récente."
    )


class DemandeVerrouillee(BrouillonIndisponible):
    message = (
        "Cette demande a été déposée : elle ne peut plus être modifiée. Vous pouvez encore y ajouter des documents."
    )
    motif = "deposee"
    lien = "Voir ma demande déposée"


# Identité certifiée lue une fois par session (et non à chaque enregistrement) ; oubliée à chaque connexion.
CLE_CHAMPS_CERTIFIES = "demande_champs_certifies"


def champs_certifies(request):
    """`champs_verrouilles` de la personne connectée, gardés dans sa session."""
    certifies = request.session.get(CLE_CHAMPS_CERTIFIES)
    if certifies is None:
        certifies = request.session[CLE_CHAMPS_CERTIFIES] = champs_verrouilles(request.user)
    return certifies


def champs_verrouilles(user):
    """Identité certifiée par FranceConnect (dernière connexion) : ces champs ne sont pas modifiables."""
    identite = user.identites_oidc.filter(fournisseur=Fournisseur.FRANCECONNECT).order_by("-derniere_connexion").first()
    if identite is None:
        return {}
    claims = identite.claims or {}
    valeurs = {
        "civilite": CIVILITES_FC.get(claims.get("gender"), ""),
        "prenoms": str(claims.get("given_name") or ""),
        "nom_naissance": str(claims.get("family_name") or ""),
        "nom_usage": str(claims.get("preferred_username") or ""),
        "date_naissance": str(claims.get("birthdate") or ""),
        "lieu_naissance": _lieu_naissance(claims),
        # Adresse de contact prouvée par un code (usagers/contact.py), sinon l'adresse FranceConnect.
        "courriel": user.courriel_contact or str(claims.get("email") or ""),
    }
    return {nom: valeur for nom, valeur in valeurs.items() if valeur}


def _lieu_naissance(claims):
    """Commune de naissance en toutes lettres depuis le COG embarqué (portail/cog.py) : « Lyon (69) ». Un code
    inconnu du COG (commune disparue avant le millésime embarqué) reste affiché avec son code, jamais inventé."""
    from portail.cog import CODE_FRANCE, commune

    lieu = str(claims.get("birthplace") or "")
    if lieu:
        return commune(lieu) or f"Commune de code Insee {lieu}"
    pays = str(claims.get("birthcountry") or "")
    # Né(e) à l'étranger : aucune table des pays du COG n'est embarquée (docs/donnees-cog.md) ; le code est affiché.
    return f"Né(e) à l’étranger (pays de code Insee {pays})" if pays and pays != CODE_FRANCE else ""


class StockageDemande(StockageBrouillon):
    """Stockage formtools adossé à la ligne `Dossier` ; `verrouilles` : identité certifiée par FranceConnect."""

    conflit = ConflitDeVersion

    def __init__(self, *args, verrouilles, **kwargs):
        super().__init__(*args, **kwargs)
        self.verrouilles = verrouilles

    def ecrire(self, version_attendue):
        dossier = self.objet
        etapes = set(self.etapes_modifiees)
        if "le-bris-de-porte" in etapes:
            # Le type de requérant (étape 1) décide des champs de l'étape 2.
            etapes.add("vos-informations")
        colonnes = colonnes_depuis_brouillon(
            self.data, self.verrouilles, dossier.type_requerant, etapes, champs_declares(dossier)
        )
        lignes = Dossier.objects.filter(
            pk=dossier.pk, statut=StatutDossier.A_COMPLETER, requerant_id=dossier.requerant_id
        )
        if ecrire_si_version(lignes, version_attendue, self.data, colonnes):
            for nom, valeur in colonnes.items():
                setattr(dossier, nom, valeur)
            return version_attendue + 1
        statut = Dossier.objects.filter(pk=dossier.pk).values_list("statut", flat=True).first()
        if statut != StatutDossier.A_COMPLETER:
            raise DemandeVerrouillee
        raise ConflitDeVersion


def type_requerant_du_brouillon(brouillon, defaut=""):
    donnees = (brouillon.get("step_data") or {}).get("le-bris-de-porte") or {}
    valeur = (donnees.get("le-bris-de-porte-type_requerant") or [defaut])[0]
    return valeur if valeur in TypeRequerant.values else ""


def champs_declares(dossier):
    """Date et adresse déclarées par les forces de l'ordre (colonnes reprises de la déclaration à l'envoi) quand
    la demande vient d'une déclaration : l'usager ne peut pas les modifier. {} sinon."""
    if dossier.origine != OrigineDossier.DECLARATION:
        return {}
    return {nom: getattr(dossier, nom) for nom in CHAMPS_DECLARES}


def kwargs_formulaire(etape, brouillon, verrouilles, defaut_type="", declares=None):
    if etape == "le-bris-de-porte":
        return {"declares": declares or {}}
    if etape == "vos-informations":
        return {"type_requerant": type_requerant_du_brouillon(brouillon, defaut_type), "verrouilles": verrouilles}
    return {}


def colonnes_depuis_brouillon(brouillon, verrouilles, defaut_type="", etapes=None, declares=None):
    """Colonnes du dossier : valeurs valides du brouillon ; un champ invalide ou absent reste vide.
    Une étape jamais enregistrée ne touche pas à ses colonnes (pré-remplies depuis la déclaration ou le test
    d'éligibilité). Les champs verrouillés (FranceConnect) prennent toujours la valeur certifiée.
    `etapes` : seulement les colonnes de ces étapes (celles qu'une requête a touchées) ; None : toutes."""
    colonnes = {}
    for etape, formulaire in ETAPES:
        if etapes is not None and etape not in etapes:
            continue
        donnees = (brouillon.get("step_data") or {}).get(etape) or {}
        if not donnees:
            continue
        form = formulaire(
            data=MultiValueDict(donnees),
            prefix=etape,
            **kwargs_formulaire(etape, brouillon, verrouilles, defaut_type, declares),
        )
        form.is_valid()
        propres = getattr(form, "cleaned_data", {})
        for nom in form.fields:
            valeur = propres.get(nom) if nom not in form.errors else None
            if nom in CHAMPS_BOOLEENS:
                valeur = OUI_NON_BOOLEENS.get(valeur)
            elif nom in CHAMPS_DATES or nom in CHAMPS_MONTANTS:
                valeur = valeur or None
            else:
                valeur = valeur or ""
            colonnes[nom] = valeur
    # Changer de type de requérant efface les champs de l'autre type.
    type_requerant = colonnes.get("type_requerant", defaut_type)
    if type_requerant == TypeRequerant.PERSONNE_MORALE:
        for nom in CHAMPS_PERSONNE_PHYSIQUE:
            colonnes[nom] = None if nom in CHAMPS_DATES else ""
    else:
        for nom in CHAMPS_PERSONNE_MORALE:
            colonnes[nom] = ""
    return colonnes

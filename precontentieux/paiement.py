"""La chaîne du paiement : arrêté de paiement, dossier de paiement de la liaison budget, indemnisation.

- `banque_du_compte(iban)` : la banque (nom, BIC) d'un IBAN, lue dans le registre de schwifty ;
- `preparer_arrete` : le rédacteur en charge prépare l'arrêté (transition et courrier dans la même
  transaction), dont le contexte est enregistré ici par `@contexte_pour(TypeCourrier.ARRETE)` ;
- `pieces_du_dossier_de_paiement` et `flux_zip` : le ZIP d'un dossier à transmettre, produit en flux ;
- `transmettre_au_budget`, `marquer_indemnise` : les transitions de la liaison budget.

Décrit dans `docs/paiement.md`.
"""

import datetime
import zipfile
from collections import Counter
from dataclasses import dataclass
from functools import cache

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from schwifty import IBAN, registry
from schwifty.exceptions import SchwiftyException

from portail.utils import date_fr
from portail.validateurs import compacter, iban_lisible
from precontentieux.courriers import (
    Courrier,
    TypeCourrier,
    contexte_pour,
    courrier_actif,
    montant_en_chiffres,
    montant_en_lettres,
    preparer_courrier,
    rendre_html,
)
from precontentieux.enums import TypePiece

# --- La banque d'un IBAN ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Banque:
    nom: str
    bic: str


@cache
def _codes_banque_par_bic(pays):
    """{BIC: nombre de codes banque qui le portent} dans le registre de schwifty (calculé une fois par pays)."""
    try:
        entrees = registry.get_banks_by_country(pays)
    except (KeyError, SchwiftyException):
        return Counter()
    return Counter(bic for bic, _ in {(e.bic, e.bank_code) for e in entrees if e.bic})


def _generique(bic):
    """BIC de l'établissement (8 caractères ou agence « XXX »), par opposition au BIC d'une agence."""
    return len(bic) == 8 or bic.endswith("XXX")


def banque_du_compte(iban):
    """La banque (nom et BIC) qui tient le compte, d'après le code banque de l'IBAN ; None si inconnue.

    Le registre de schwifty liste une ligne par agence et par BIC. `IBAN.bank_name` prend la première ligne
    « principale », qui peut nommer un autre établissement que celui de `IBAN.bic` (pour le code 30003 de la
    Société Générale, « Inter Europe Conseil SAS ») ; et le BIC générique du réseau des Caisses d'épargne
    (« CAISSE D'EPARGNE CEPAC ») est inscrit sous les codes de toutes les caisses régionales. On choisit donc
    une ligne cohérente (nom et BIC du même établissement) :
    1. parmi les BIC d'établissement, ceux propres à ce code banque, ou partagés mais au nom de
       l'établissement qui a des BIC propres à ce code ;
    2. à défaut, les BIC propres à ce code (caisse régionale) ;
    3. à défaut, toutes les lignes ; le BIC sans agence d'abord, puis « XXX », puis la ligne principale.
    """
    try:
        compte = IBAN(iban)
    except (SchwiftyException, ValueError, TypeError):
        return None
    try:
        entrees = [e for e in registry.get_banks_by_code(compte.country_code, compte.bank_code) if e.bic]
    except (KeyError, SchwiftyException):
        entrees = []
    if not entrees:
        if compte.bank_name and compte.bic:
            return Banque(compte.bank_name.strip(), str(compte.bic))
        return None
    usages = _codes_banque_par_bic(compte.country_code)
    propres = [e for e in entrees if usages[e.bic] <= 1]
    noms_propres = {e.name for e in propres}
    retenues = [
        e for e in entrees if _generique(e.bic) and (not propres or usages[e.bic] <= 1 or e.name in noms_propres)
    ]
    retenues = retenues or propres or entrees
    choisie = max(retenues, key=lambda e: (len(e.bic) == 8, e.bic.endswith("XXX"), bool(e.primary)))
    return Banque(choisie.name.strip(), choisie.bic)


# --- L'arrêté de paiement -----------------------------------------------------------------------------------


def donnees_arrete(dossier):
    """Ce que l'arrêté arrête, figé à sa préparation : la somme acceptée et le compte qui la reçoit."""
    banque = banque_du_compte(dossier.iban)
    return {
        "montant": str(dossier.montant_propose),
        "iban": compacter(dossier.iban),
        "titulaire": dossier.titulaire_compte,
        "banque": banque.nom if banque else "",
        "bic": banque.bic if banque else "",
    }


def _date(moment):
    return date_fr(timezone.localdate(moment)) if moment else ""


@contexte_pour(TypeCourrier.ARRETE)
def contexte_arrete(courrier):
    """Ce que dit l'arrêté : la somme allouée, le compte qui la reçoit (figés à la préparation), les visas."""
    dossier = courrier.dossier
    donnees = courrier.donnees
    montant = courrier.montant
    moment = courrier.signe_le or timezone.now()
    return {
        "titre": "Arrêté de paiement d’une indemnité",
        "annee": timezone.localdate(moment).year,
        "montant": montant_en_chiffres(montant),
        "montant_lettres": montant_en_lettres(montant),
        "iban": iban_lisible(donnees.get("iban", "")),
        "titulaire": donnees.get("titulaire", ""),
        "banque": donnees.get("banque", ""),
        "bic": donnees.get("bic", ""),
        "date_proposition": _date(dossier.decision_signee_le),
        "date_acceptation": _date(dossier.reponse_usager_le),
    }


def preparer_arrete(dossier, redacteur):
    """Proposition acceptée → Arrêté de paiement à signer, par le rédacteur en charge : la transition et le
    courrier (aperçu produit après le COMMIT) dans la même transaction. Lève TransitionInterdite."""
    with transaction.atomic():
        dossier.transitionner("preparer_arrete", redacteur)
        return preparer_courrier(dossier, TypeCourrier.ARRETE, auteur=redacteur, **donnees_arrete(dossier))


def apercu_arrete(dossier, auteur):
    """L'arrêté tel qu'il sera préparé (HTML, même gabarit que le PDF), sans rien enregistrer."""
    courrier = Courrier(dossier=dossier, type=TypeCourrier.ARRETE, cree_par=auteur, donnees=donnees_arrete(dossier))
    return rendre_html(courrier)


# --- Le dossier de paiement (ZIP) ---------------------------------------------------------------------------


class DossierDePaiementIncomplet(Exception):
    """Une pièce du dossier de paiement manque ou n'est pas encore prête ; `manquants` les nomme."""

    def __init__(self, manquants):
        self.manquants = list(manquants)
        super().__init__("Dossier de paiement incomplet : " + " ; ".join(self.manquants) + ".")


EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "image/heic": "heic"}


def _derniere_piece(dossier, type_piece):
    """La dernière pièce utilisable (analysée, saine) de ce type, ou None."""
    return next(
        (p for p in dossier.pieces.filter(type=type_piece).order_by("-ajoutee_le", "-id") if p.utilisable), None
    )


def pieces_du_dossier_de_paiement(dossier):
    """[(nom dans le ZIP, nom de stockage)] : la déclaration d'acceptation et l'arrêté signés, la pièce
    d'identité et le RIB (les derniers déposés). Rien d'autre : ni la déclaration des forces de l'ordre, ni
    les autres pièces. Lève DossierDePaiementIncomplet si l'une manque ou si son PDF n'est pas encore produit."""
    reference = dossier.reference
    fichiers, manquants = [], []
    for type_courrier, nom in (
        (TypeCourrier.ACCEPTATION, "declaration-acceptation"),
        (TypeCourrier.ARRETE, "arrete-de-paiement"),
    ):
        courrier = courrier_actif(dossier, type_courrier)
        if courrier is None or not courrier.est_signe or not courrier.pdf_pret:
            manquants.append(f"{TypeCourrier(type_courrier).label} (PDF signé en cours de production)")
        else:
            fichiers.append((f"{reference}-{nom}.pdf", courrier.fichier.name))
    for type_piece, nom in ((TypePiece.PIECE_IDENTITE, "piece-identite"), (TypePiece.RIB, "rib")):
        piece = _derniere_piece(dossier, type_piece)
        if piece is None:
            manquants.append(TypePiece(type_piece).label)
        else:
            extension = EXTENSIONS.get(piece.type_mime, "bin")
            fichiers.append((f"{reference}-{nom}.{extension}", piece.fichier.name))
    if manquants:
        raise DossierDePaiementIncomplet(manquants)
    return fichiers


class _Tampon:
    """Flux d'écriture non positionnable : `zipfile` y écrit l'archive, qu'on vide au fur et à mesure."""

    def __init__(self):
        self.morceaux = []
        self.position = 0

    def write(self, donnees):
        self.morceaux.append(bytes(donnees))
        self.position += len(donnees)
        return len(donnees)

    def tell(self):
        return self.position

    def flush(self):
        pass

    def vider(self):
        donnees = b"".join(self.morceaux)
        self.morceaux.clear()
        return donnees


TAILLE_MORCEAU = 64 * 1024


def flux_zip(fichiers):
    """Génère l'archive ZIP des fichiers privés [(nom dans le ZIP, nom de stockage)] morceau par morceau :
    la mémoire ne grandit pas avec la taille des pièces et la requête ne calcule rien d'avance. Les pièces
    (PDF, JPEG, PNG) sont déjà compressées : elles sont rangées telles quelles (ZIP_STORED)."""
    tampon = _Tampon()
    horodatage = timezone.localtime().timetuple()[:6]
    with zipfile.ZipFile(tampon, "w", compression=zipfile.ZIP_STORED) as archive:
        for nom, stockage in fichiers:
            info = zipfile.ZipInfo(nom, date_time=horodatage)
            with default_storage.open(stockage, "rb") as source, archive.open(info, "w") as cible:
                while morceau := source.read(TAILLE_MORCEAU):
                    cible.write(morceau)
                    yield tampon.vider()
            yield tampon.vider()
    yield tampon.vider()


# --- Transitions de la liaison budget -----------------------------------------------------------------------


def transmettre_au_budget(dossier, agent):
    """À indemniser → Transmis au budget. Lève TransitionInterdite."""
    return dossier.transitionner("transmettre_budget", agent)


def marquer_indemnise(dossier, agent, date_virement: datetime.date):
    """Transmis au budget → Indemnisé, avec la date du virement (ni future, ni antérieure à la transmission) ;
    courriel à l'usager. Lève TransitionInterdite."""
    return dossier.transitionner("marquer_indemnise", agent, date_virement=date_virement)

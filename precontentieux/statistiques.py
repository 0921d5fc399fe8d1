"""Statistiques du précontentieux : le tableau de bord chiffré (règles : docs/statistiques.md).

Chaque tableau vient d'UNE requête agrégée (GROUP BY, COUNT, SUM, percentile_cont) : le nombre de requêtes
est fixe quel que soit le nombre de dossiers (six pour la page, une par export CSV).

- **Stock** (aujourd'hui) : volumes par statut, et dossiers au-delà de leur date de rejet implicite parmi
  ceux dont l'horloge légale court (`horloge.filtre_echeance_depassee`, même règle que la recherche).
- **Flux** (les 12 derniers mois, mois en cours compris, heure de Paris) : dépôts par mois ; délais médian
  et 90e centile du dépôt à la décision signée et de l'acceptation (réponse de l'usager) au paiement ;
  propositions signées et indemnisations par mois, avec leurs montants ; répartition des dossiers déposés
  par origine et par administration de l'agent déclarant.

Centiles : `percentile_cont` de PostgreSQL (interpolation linéaire entre les deux valeurs encadrantes) ;
SQLite (mode embarqué) ne l'a pas : les durées y sont lues par la même requête unique et le centile est
calculé en Python avec la même définition (`centile`).

Montants : `Dossier.montant_propose` (décision du rédacteur, issue 9). Tant que ce champ n'existe pas, les
colonnes de montants restent vides (« — ») et le tableau le dit ; le nombre de requêtes ne change pas.
"""

import datetime
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import formats, timezone, translation

from portail.enums import CodeAdministration
from portail.utils import date_fr
from precontentieux.enums import ETATS_DECISION_RENDUE, ETATS_HORLOGE, OrigineDossier, StatutDossier
from precontentieux.horloge import debut_du_jour, premier_depot_non_echu
from precontentieux.models import Dossier

NOMBRE_DE_MOIS = 12
CHAMP_MONTANT = "montant_propose"
# Une proposition d'indemnisation a été signée et envoyée (tout ce qui suit « Proposition envoyée »).
ETATS_PROPOSITION_SIGNEE = ETATS_DECISION_RENDUE - {StatutDossier.REJETE}
# Administrations des forces de l'ordre toujours listées (les autres seulement si elles ont des dossiers).
ADMINISTRATIONS_LISTEES = (CodeAdministration.PN, CodeAdministration.GN, CodeAdministration.PP)
ESPACE_FINE = "\u202f"


def champ_montant():
    """Nom du champ du montant proposé s'il existe (branche « décision »), sinon None."""
    try:
        Dossier._meta.get_field(CHAMP_MONTANT)
    except FieldDoesNotExist:
        return None
    return CHAMP_MONTANT


# --- Centiles ------------------------------------------------------------------------------------------


class Centile(Aggregate):
    """`percentile_cont(f) WITHIN GROUP (ORDER BY expression)` (PostgreSQL) : centile continu, interpolé."""

    function = "PERCENTILE_CONT"
    name = "Centile"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)%(filter)s"
    arity = 1

    def __init__(self, expression, fraction, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("Le centile est une fraction entre 0 et 1.")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def centile(valeurs_triees, fraction):
    """Même définition que `percentile_cont` : position fraction × (n − 1), interpolation linéaire."""
    if not valeurs_triees:
        return None
    position = fraction * (len(valeurs_triees) - 1)
    bas = math.floor(position)
    haut = min(bas + 1, len(valeurs_triees) - 1)
    return valeurs_triees[bas] + (valeurs_triees[haut] - valeurs_triees[bas]) * (position - bas)


# --- Mise en forme -------------------------------------------------------------------------------------


def _nombre(valeur, decimales=0):
    texte = f"{valeur:,.{decimales}f}".replace(",", ESPACE_FINE)
    return texte.replace(".", ",")


def _mois_fr(mois):
    with translation.override("fr"):
        return formats.date_format(mois, "F Y")


@dataclass(frozen=True)
class Colonne:
    libelle: str
    # texte | nombre | euros | jours | pourcentage | mois
    format: str = "nombre"
    # Colonne tracée sur le graphique.
    serie: bool = False

    def texte(self, valeur):
        """Ce que lit la personne (tableau de la page)."""
        if valeur is None:
            return "—"
        if self.format == "mois":
            return _mois_fr(valeur)
        if self.format == "nombre":
            return _nombre(valeur)
        if self.format == "euros":
            return f"{_nombre(valeur, 2)}{ESPACE_FINE}€"
        if self.format == "jours":
            return _nombre(valeur, 1)
        if self.format == "pourcentage":
            return f"{_nombre(valeur * 100, 1)}{ESPACE_FINE}%"
        return str(valeur)

    def brut(self, valeur):
        """Valeur machine (attribut data-valeur lu par le graphique) : point décimal, sans séparateur."""
        if valeur is None:
            return ""
        if self.format == "mois":
            return f"{valeur:%Y-%m}"
        if self.format == "euros":
            return f"{Decimal(valeur):.2f}"
        if self.format in ("jours", "pourcentage"):
            return f"{valeur * (100 if self.format == 'pourcentage' else 1):.1f}"
        return str(valeur)

    def csv(self, valeur):
        """Cellule du CSV (tableur français : virgule décimale, pas de séparateur de milliers)."""
        if self.format == "texte":
            return "" if valeur is None else str(valeur)
        return self.brut(valeur).replace(".", ",")


@dataclass
class Tableau:
    cle: str
    titre: str
    colonnes: list
    lignes: list
    # Ce que couvrent les chiffres (« aujourd'hui », « depuis le 1er janvier 2026 ») : sous le titre, dans la
    # légende du tableau et du graphique.
    portee: str = ""
    # barres | barres_horizontales | lignes
    graphique: str = "barres"
    unite: str = ""
    note: str = ""
    # Lignes de synthèse (chiffres clés) : [(libellé, texte)].
    chiffres: list = field(default_factory=list)

    @property
    def legende(self):
        return f"{self.titre} ({self.portee})" if self.portee else self.titre

    @property
    def url_csv(self):
        return reverse(NOMS_URL_CSV[self.cle])

    def cellules(self):
        """[[(colonne, texte, brut)]] : une ligne par ligne du tableau (la première cellule est l'en-tête de ligne)."""
        return [
            [
                (colonne, colonne.texte(valeur), colonne.brut(valeur))
                for colonne, valeur in zip(self.colonnes, ligne, strict=True)
            ]
            for ligne in self.lignes
        ]

    def lignes_csv(self):
        yield [c.libelle for c in self.colonnes]
        for ligne in self.lignes:
            yield [colonne.csv(valeur) for colonne, valeur in zip(self.colonnes, ligne, strict=True)]


# --- Période -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Periode:
    """Les `NOMBRE_DE_MOIS` derniers mois, mois en cours compris (heure de Paris)."""

    aujourd_hui: datetime.date

    @property
    def mois(self):
        annee, mois = self.aujourd_hui.year, self.aujourd_hui.month
        liste = []
        for _ in range(NOMBRE_DE_MOIS):
            liste.append(datetime.date(annee, mois, 1))
            annee, mois = (annee - 1, 12) if mois == 1 else (annee, mois - 1)
        return liste[::-1]

    @property
    def debut(self):
        return debut_du_jour(self.mois[0])

    @property
    def libelle(self):
        return f"depuis le {date_fr(self.mois[0])}"


def _par_mois(lignes, periode):
    """{premier jour du mois: ligne} depuis des lignes agrégées par TruncMonth (date-heure de Paris)."""
    return {timezone.localtime(ligne["mois"]).date().replace(day=1): ligne for ligne in lignes if ligne["mois"]}


# --- Les tableaux (une requête chacun) -----------------------------------------------------------------


def statuts(periode):
    seuil = debut_du_jour(premier_depot_non_echu(periode.aujourd_hui))
    nombres = {
        ligne["statut"]: ligne
        for ligne in Dossier.objects.order_by()
        .values("statut")
        .annotate(nombre=Count("pk"), depasses=Count("pk", filter=Q(depose_le__lt=seuil)))
    }
    lignes = []
    for statut in StatutDossier:
        ligne = nombres.get(statut, {"nombre": 0, "depasses": 0})
        lignes.append((statut.label, ligne["nombre"], ligne["depasses"] if statut in ETATS_HORLOGE else None))
    horloge = sum(nombres.get(s, {"nombre": 0})["nombre"] for s in ETATS_HORLOGE)
    depasses = sum(nombres.get(s, {"depasses": 0})["depasses"] for s in ETATS_HORLOGE)
    part = depasses / horloge if horloge else None
    return Tableau(
        cle="statuts",
        titre="Dossiers par statut",
        portee=f"au {date_fr(periode.aujourd_hui)}",
        colonnes=[
            Colonne("Statut", "texte"),
            Colonne("Dossiers", serie=True),
            Colonne("Dont au-delà de la date de rejet implicite", serie=True),
        ],
        lignes=lignes,
        graphique="barres_horizontales",
        note=(
            "La date de rejet implicite (dépôt + 2 mois) ne compte que tant que la décision n’est pas signée : "
            "la dernière colonne ne concerne que ces statuts."
        ),
        chiffres=[
            ("Dossiers dont l’horloge légale court", _nombre(horloge)),
            ("Au-delà de la date de rejet implicite", _nombre(depasses)),
            ("Part au-delà de la date de rejet implicite", Colonne("", "pourcentage").texte(part)),
        ],
    )


def depots(periode):
    lignes = (
        Dossier.objects.filter(depose_le__gte=periode.debut)
        .annotate(mois=TruncMonth("depose_le"))
        .order_by()
        .values("mois")
        .annotate(nombre=Count("pk"))
    )
    par_mois = _par_mois(lignes, periode)
    return Tableau(
        cle="depots",
        titre="Dossiers déposés par mois",
        portee=periode.libelle,
        colonnes=[Colonne("Mois", "mois"), Colonne("Dossiers déposés", serie=True)],
        lignes=[(mois, par_mois.get(mois, {"nombre": 0})["nombre"]) for mois in periode.mois],
    )


def _jours(duree):
    if duree is None:
        return None
    secondes = duree.total_seconds() if isinstance(duree, datetime.timedelta) else float(duree)
    return secondes / 86400


def delais(periode):
    decision = Q(decision_signee_le__gte=periode.debut, depose_le__isnull=False)
    paiement = Q(indemnise_le__gte=periode.debut, reponse_usager_le__isnull=False)
    if connection.vendor == "postgresql":
        duree_decision = ExpressionWrapper(F("decision_signee_le") - F("depose_le"), output_field=DurationField())
        duree_paiement = ExpressionWrapper(F("indemnise_le") - F("reponse_usager_le"), output_field=DurationField())
        r = Dossier.objects.filter(decision | paiement).aggregate(
            decision_n=Count("pk", filter=decision),
            decision_50=Centile(duree_decision, 0.5, filter=decision, output_field=DurationField()),
            decision_90=Centile(duree_decision, 0.9, filter=decision, output_field=DurationField()),
            paiement_n=Count("pk", filter=paiement),
            paiement_50=Centile(duree_paiement, 0.5, filter=paiement, output_field=DurationField()),
            paiement_90=Centile(duree_paiement, 0.9, filter=paiement, output_field=DurationField()),
        )
        mesures = {
            nom: (r[f"{nom}_n"], _jours(r[f"{nom}_50"]), _jours(r[f"{nom}_90"])) for nom in ("decision", "paiement")
        }
    else:
        # SQLite : une requête lit les dates des dossiers concernés ; centiles calculés ici (même définition).
        durees = {"decision": [], "paiement": []}
        debut = periode.debut
        for depose, signee, reponse, indemnise in Dossier.objects.filter(decision | paiement).values_list(
            "depose_le", "decision_signee_le", "reponse_usager_le", "indemnise_le"
        ):
            if depose and signee and signee >= debut:
                durees["decision"].append(_jours(signee - depose))
            if reponse and indemnise and indemnise >= debut:
                durees["paiement"].append(_jours(indemnise - reponse))
        mesures = {}
        for nom, valeurs in durees.items():
            valeurs.sort()
            mesures[nom] = (len(valeurs), centile(valeurs, 0.5), centile(valeurs, 0.9))
    return Tableau(
        cle="delais",
        titre="Délais de traitement",
        portee=f"décisions et paiements {periode.libelle}",
        colonnes=[
            Colonne("Délai", "texte"),
            Colonne("Dossiers mesurés"),
            Colonne("Médiane (jours)", "jours", serie=True),
            Colonne("90e centile (jours)", "jours", serie=True),
        ],
        lignes=[
            ("Du dépôt à la décision signée", *mesures["decision"]),
            ("De l’acceptation de la proposition au paiement", *mesures["paiement"]),
        ],
        unite="jours",
        note=(
            "La moitié des dossiers a été traitée en moins de la médiane, neuf sur dix en moins du 90e centile. "
            "Décision : proposition ou rejet signé par le validateur ; paiement : dossier marqué indemnisé."
        ),
    )


def montants(periode):
    champ = champ_montant()

    def agreger(colonne_date, filtre):
        agregats = {"nombre": Count("pk")}
        if champ:
            agregats["montant"] = Sum(champ)
        lignes = (
            Dossier.objects.filter(filtre, **{f"{colonne_date}__gte": periode.debut})
            .annotate(mois=TruncMonth(colonne_date))
            .order_by()
            .values("mois")
            .annotate(**agregats)
        )
        return _par_mois(lignes, periode)

    propositions = agreger("decision_signee_le", Q(statut__in=ETATS_PROPOSITION_SIGNEE))
    paiements = agreger("indemnise_le", Q())
    vide = {"nombre": 0, "montant": Decimal(0) if champ else None}
    lignes = []
    for mois in periode.mois:
        p, i = propositions.get(mois, vide), paiements.get(mois, vide)
        lignes.append((mois, p["nombre"], p.get("montant"), i["nombre"], i.get("montant")))
    return Tableau(
        cle="montants",
        titre="Montants proposés et payés par mois",
        portee=periode.libelle,
        # Sans montants (champ pas encore livré), le graphique trace les nombres de dossiers.
        colonnes=[
            Colonne("Mois", "mois"),
            Colonne("Propositions signées", serie=not champ),
            Colonne("Montant proposé (€)", "euros", serie=bool(champ)),
            Colonne("Dossiers indemnisés", serie=not champ),
            Colonne("Montant payé (€)", "euros", serie=bool(champ)),
        ],
        lignes=lignes,
        graphique="barres",
        unite="€" if champ else "",
        note=(
            "Montant proposé : propositions d’indemnisation signées dans le mois ; montant payé : dossiers marqués "
            "indemnisés dans le mois (montant de la proposition acceptée)."
            if champ
            else "Les montants s’afficheront avec la saisie du montant proposé par le rédacteur (décision) ; "
            "seuls les nombres de dossiers sont disponibles."
        ),
    )


def repartition(periode):
    lignes = (
        Dossier.objects.filter(depose_le__gte=periode.debut)
        .order_by()
        .values("origine", "declaration__agent__administration__code")
        .annotate(nombre=Count("pk"))
    )
    declarations, usager_seul = {}, 0
    for ligne in lignes:
        if ligne["origine"] == OrigineDossier.DECLARATION:
            code = ligne["declaration__agent__administration__code"] or ""
            declarations[code] = declarations.get(code, 0) + ligne["nombre"]
        else:
            usager_seul += ligne["nombre"]
    total = sum(declarations.values()) + usager_seul
    resultat = []
    codes = list(ADMINISTRATIONS_LISTEES) + sorted(c for c in declarations if c not in ADMINISTRATIONS_LISTEES)
    for code in codes:
        libelle = CodeAdministration(code).label if code in CodeAdministration.values else "Administration inconnue"
        resultat.append((f"Déclaration — {libelle}", declarations.get(code, 0)))
    resultat.append(("Demande de l’usager seul (sans déclaration)", usager_seul))
    return Tableau(
        cle="repartition",
        titre="Dossiers déposés par origine et administration déclarante",
        portee=periode.libelle,
        colonnes=[Colonne("Origine", "texte"), Colonne("Dossiers déposés", serie=True), Colonne("Part", "pourcentage")],
        lignes=[(libelle, nombre, nombre / total if total else None) for libelle, nombre in resultat],
        graphique="barres_horizontales",
    )


# Export CSV de chaque tableau : une adresse sans paramètre par tableau (precontentieux/urls.py), que le test
# d'accès du back-office parcourt pour chaque persona.
NOMS_URL_CSV = {
    "statuts": "precontentieux:statistiques_statuts",
    "depots": "precontentieux:statistiques_depots",
    "delais": "precontentieux:statistiques_delais",
    "montants": "precontentieux:statistiques_montants",
    "repartition": "precontentieux:statistiques_repartition",
}

TABLEAUX = {
    "statuts": statuts,
    "depots": depots,
    "delais": delais,
    "montants": montants,
    "repartition": repartition,
}


def periode_courante():
    return Periode(timezone.localdate())


def calculer(periode=None):
    """Tous les tableaux du tableau de bord, dans l'ordre de la page (une requête chacun, six au total)."""
    periode = periode or periode_courante()
    return [fonction(periode) for fonction in TABLEAUX.values()]

"""Purges RGPD : le calendrier de conservation (`portail/conservation.py`, docs/rgpd.md) appliqué en règles.

Chaque règle sait SÉLECTIONNER ce qui est échu, le DÉCRIRE (simulation : `manage.py purger_donnees` imprime la
liste sans rien toucher) et l'APPLIQUER, objet par objet, chacun dans sa transaction, en revérifiant la
condition (une seconde exécution ne trouve plus rien). Les fichiers sont supprimés du stockage
(`default_storage` : disque ou S3) après le COMMIT. Un dossier en contentieux n'est jamais purgé.

Les règles de l'espace des forces de l'ordre (brouillons, déclarations liées) sont enregistrées par
`declarations/rgpd.py` (precontentieux n'importe jamais declarations) ; l'ordre compte : les dossiers sont
anonymisés avant que les comptes devenus sans demande ne soient avertis puis supprimés.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from portail import conservation as c
from portail.adresses import adresse_prouvee
from portail.emails import programmer_email
from portail.enums import StatutEmail, TypeUtilisateur
from portail.models import EmailSortant, Evenement, ExecutionTache, IdentiteOIDC, Utilisateur
from portail.utils import ajouter_mois, date_fr
from precontentieux.enums import StatutDossier, TypeEvenementDossier
from precontentieux.instruction import deja_fait, une_seule_fois
from precontentieux.models import Dossier, EvenementDossier

S = StatutDossier


@dataclass(frozen=True)
class Regle:
    nom: str
    libelle: str
    ordre: int
    selectionner: Callable  # (maintenant) -> itérable (QuerySet ou liste)
    appliquer: Callable  # (objet ou QuerySet, maintenant) -> nombre traité
    decrire: Callable | None = None  # (objet) -> str ; None : règle « en bloc » (lignes de journal)


REGLES: dict[str, Regle] = {}


def enregistrer(regle):
    REGLES[regle.nom] = regle
    return regle


def il_y_a(maintenant, *, mois=0, jours=0):
    return ajouter_mois(maintenant, -mois) - datetime.timedelta(days=jours)


def _jour(date_heure):
    return date_fr(timezone.localdate(date_heure)) if date_heure else ""


# --- Dossiers terminés ------------------------------------------------------------------------------------------


def dossiers_echus(maintenant):
    cinq_ans = il_y_a(maintenant, mois=c.MOIS_DOSSIER_TERMINE)
    un_an = il_y_a(maintenant, mois=c.MOIS_DOSSIER_JAMAIS_DEPOSE)
    echus = (
        Q(statut=S.CLOTURE, depose_le__isnull=False, cloture_le__lt=cinq_ans)
        | Q(statut=S.CLOTURE, depose_le__isnull=True, cloture_le__lt=un_an)
        | Q(statut=S.REJETE, decision_signee_le__lt=cinq_ans)
        | Q(statut=S.INDEMNISE, indemnise_le__lt=cinq_ans)
    )
    return Dossier.objects.filter(echus, en_contentieux=False, anonymise_le__isnull=True).order_by("pk")


def _fin_du_dossier(dossier):
    return {S.CLOTURE: dossier.cloture_le, S.REJETE: dossier.decision_signee_le, S.INDEMNISE: dossier.indemnise_le}[
        dossier.statut
    ]


enregistrer(
    Regle(
        "dossiers_termines",
        "Dossiers terminés à anonymiser (5 ans ; 1 an pour une demande jamais déposée)",
        20,
        dossiers_echus,
        lambda dossier, maintenant: int(dossier.anonymiser()),
        lambda d: f"Dossier {d.reference} — {d.get_statut_display()} le {_jour(_fin_du_dossier(d))}",
    )
)


# --- Comptes usagers ---------------------------------------------------------------------------------------------


def _usagers():
    return Utilisateur.objects.filter(type=TypeUtilisateur.USAGER, is_staff=False, is_superuser=False).exclude(
        Exists(Dossier.objects.filter(requerant=OuterRef("pk")))
    )


def comptes_non_verifies(maintenant):
    limite = il_y_a(maintenant, jours=c.JOURS_COMPTE_NON_VERIFIE)
    return (
        _usagers()
        .filter(date_joined__lt=limite)
        .exclude(Exists(IdentiteOIDC.objects.filter(utilisateur=OuterRef("pk"))))
        .exclude(Exists(EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)))
        .order_by("pk")
    )


def _supprimer_compte(selection, utilisateur, maintenant):
    with transaction.atomic():
        supprimes, _ = selection(maintenant).filter(pk=utilisateur.pk).delete()
    return int(bool(supprimes))


enregistrer(
    Regle(
        "comptes_non_verifies",
        "Comptes usagers jamais confirmés (30 jours après la création)",
        30,
        comptes_non_verifies,
        lambda u, maintenant: _supprimer_compte(comptes_non_verifies, u, maintenant),
        lambda u: f"Compte {u.email or u.identifiant} — créé le {_jour(u.date_joined)}, adresse jamais confirmée",
    )
)


def _comptes_sans_demande_inactifs(maintenant):
    limite = il_y_a(maintenant, jours=c.JOURS_COMPTE_SANS_DEMANDE)
    return (
        _usagers()
        .annotate(activite=Coalesce("last_login", "date_joined"))
        .filter(activite__lt=limite)
        .filter(
            Q(Exists(IdentiteOIDC.objects.filter(utilisateur=OuterRef("pk"))))
            | Q(Exists(EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)))
        )
        .order_by("pk")
    )


def cle_avertissement(utilisateur):
    """Un avertissement par période d'inactivité : une connexion change la date de référence, donc la clé."""
    activite = utilisateur.last_login or utilisateur.date_joined
    return f"avertissement_suppression:{utilisateur.pk}:{activite.isoformat()}"


def comptes_a_avertir(maintenant):
    return [
        u
        for u in _comptes_sans_demande_inactifs(maintenant)
        if adresse_prouvee(u) and not deja_fait(cle_avertissement(u))
    ]


def avertir(utilisateur, maintenant):
    date_suppression = timezone.localdate(maintenant) + datetime.timedelta(days=c.JOURS_AVERTISSEMENT_COMPTE)
    with transaction.atomic():
        if not une_seule_fois(cle_avertissement(utilisateur), utilisateur):
            return 0
        programmer_email(
            "avertissement_suppression_compte",
            adresse_prouvee(utilisateur),
            {
                "derniere_activite": _jour(utilisateur.last_login or utilisateur.date_joined),
                "date_suppression": date_fr(date_suppression),
                "url_connexion": settings.URL_PORTAIL + reverse("portail:connexion"),
            },
        )
    return 1


enregistrer(
    Regle(
        "avertissements_comptes",
        "Comptes usagers sans demande, inactifs depuis 30 jours : avertissement (un courriel)",
        40,
        comptes_a_avertir,
        avertir,
        lambda u: f"Compte {u.email} — dernière activité le {_jour(u.last_login or u.date_joined)} : avertissement",
    )
)


def comptes_avertis_echus(maintenant):
    limite = maintenant - datetime.timedelta(days=c.JOURS_AVERTISSEMENT_COMPTE)
    echus = []
    for utilisateur in _comptes_sans_demande_inactifs(maintenant):
        avertissement = deja_fait(cle_avertissement(utilisateur))
        if avertissement is not None and avertissement.cree_le <= limite:
            utilisateur.averti_le = avertissement.cree_le
            echus.append(utilisateur)
    return echus


def supprimer_compte_averti(utilisateur, maintenant):
    with transaction.atomic():
        # Revérifié dans la transaction : ni connexion ni demande depuis l'avertissement.
        if not _comptes_sans_demande_inactifs(maintenant).filter(pk=utilisateur.pk).exists():
            return 0
        courant = Utilisateur.objects.select_for_update().get(pk=utilisateur.pk)
        if cle_avertissement(courant) != cle_avertissement(utilisateur):
            return 0
        courant.delete()
    return 1


enregistrer(
    Regle(
        "comptes_sans_demande",
        "Comptes usagers sans demande, avertis il y a 30 jours sans s’être reconnectés : suppression",
        50,
        comptes_avertis_echus,
        supprimer_compte_averti,
        lambda u: f"Compte {u.email} — averti le {_jour(u.averti_le)}",
    )
)


# --- Journaux et courriels (en bloc) ----------------------------------------------------------------------------


def _en_bloc(queryset, maintenant, **mise_a_jour):
    with transaction.atomic():
        if mise_a_jour:
            return queryset.update(**mise_a_jour)
        return queryset.delete()[0]


def courriels_echus(maintenant):
    return EmailSortant.objects.filter(
        cree_le__lt=il_y_a(maintenant, mois=c.MOIS_CORPS_COURRIELS),
        statut__in=(StatutEmail.ENVOYE, StatutEmail.ECHEC, StatutEmail.A_VERIFIER),
    ).exclude(contexte={}, sujet="")


enregistrer(
    Regle(
        "corps_courriels",
        "Contenu des courriels envoyés il y a plus d’un an (contexte et objet effacés)",
        60,
        courriels_echus,
        lambda qs, maintenant: _en_bloc(qs, maintenant, contexte={}, sujet=""),
    )
)


def consultations_echues(maintenant):
    return EvenementDossier.objects.filter(
        type=TypeEvenementDossier.CONSULTATION, date__lt=il_y_a(maintenant, mois=c.MOIS_JOURNAUX)
    ).exclude(dossier__en_contentieux=True)


enregistrer(
    Regle(
        "journal_consultations",
        "Journal des consultations de dossiers de plus d’un an (hors contentieux)",
        70,
        consultations_echues,
        lambda qs, maintenant: _en_bloc(qs, maintenant),
    )
)

enregistrer(
    Regle(
        "evenements_audit",
        "Journal d’audit (connexions, actions) de plus d’un an",
        80,
        lambda maintenant: Evenement.objects.filter(date__lt=il_y_a(maintenant, mois=c.MOIS_JOURNAUX)),
        lambda qs, maintenant: _en_bloc(qs, maintenant),
    )
)

enregistrer(
    Regle(
        "journal_taches",
        "Journal des tâches planifiées de plus d’un an",
        90,
        lambda maintenant: ExecutionTache.objects.filter(debut__lt=il_y_a(maintenant, mois=c.MOIS_JOURNAUX)),
        lambda qs, maintenant: _en_bloc(qs, maintenant),
    )
)


# --- Exécution --------------------------------------------------------------------------------------------------


@dataclass
class Resultat:
    regle: Regle
    nombre: int = 0
    traites: int = 0
    lignes: list = field(default_factory=list)


@dataclass
class Rapport:
    simulation: bool
    resultats: list = field(default_factory=list)

    def compteurs(self):
        return {r.regle.nom: (r.nombre if self.simulation else r.traites) for r in self.resultats}

    def texte(self):
        entete = (
            "Simulation : rien n’est modifié (relancez avec --wet-run pour appliquer)."
            if self.simulation
            else "Purge appliquée."
        )
        lignes = [entete]
        for r in self.resultats:
            verbe = "à traiter" if self.simulation else f"traités : {r.traites}"
            lignes.append(f"{r.regle.libelle} — {r.nombre} {verbe}")
            lignes += [f"  - {ligne}" for ligne in r.lignes]
        return "\n".join(lignes)


def _bornes(queryset):
    champ = next(n for n in ("date", "cree_le", "debut") if hasattr(queryset.model, n))
    dates = queryset.order_by(champ).values_list(champ, flat=True)
    premier, dernier = dates.first(), dates.last()
    return f"{queryset.model._meta.verbose_name_plural} du {_jour(premier)} au {_jour(dernier)}"


def purger(simulation=True, maintenant=None, regles=None):
    """Applique (ou simule) le calendrier ; renvoie un `Rapport` (texte imprimé par la commande)."""
    maintenant = maintenant or timezone.now()
    rapport = Rapport(simulation=simulation)
    for regle in sorted(REGLES.values(), key=lambda r: r.ordre):
        if regles and regle.nom not in regles:
            continue
        resultat = Resultat(regle)
        selection = regle.selectionner(maintenant)
        if regle.decrire is None:
            resultat.nombre = selection.count()
            if resultat.nombre:
                resultat.lignes.append(_bornes(selection))
            if not simulation and resultat.nombre:
                resultat.traites = regle.appliquer(selection, maintenant)
        else:
            objets = list(selection)
            resultat.nombre = len(objets)
            resultat.lignes = [regle.decrire(o) for o in objets]
            if not simulation:
                resultat.traites = sum(regle.appliquer(o, maintenant) for o in objets)
        rapport.resultats.append(resultat)
    return rapport

"""Statistiques du back-office (precontentieux/statistiques.py, docs/statistiques.md).

Chaque chiffre de la page est comparé à un décompte fait ici, indépendamment (dossiers relus un à un en
Python, délais connus par construction) ; le nombre de requêtes ne dépend pas du volume ; chaque tableau
s'exporte en CSV (UTF-8 avec BOM, « ; ») ; la page est réservée aux agents de la Justice.
"""

import datetime
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portail.enums import CodeAdministration, Role
from portail.models import Administration
from precontentieux import statistiques, volume
from precontentieux.enums import OrigineDossier, StatutDossier
from precontentieux.horloge import Echeance
from precontentieux.models import Dossier
from tests.fabriques import Acteurs, DossierFactory, UtilisateurFactory, agent, amener, completer, dossier_usager
from tests.precontentieux.outils_backoffice import agents, dossier_en_instruction, urls_backoffice

pytestmark = pytest.mark.django_db

S = StatutDossier
JOUR = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _fichiers(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"


def _policier(code):
    return UtilisateurFactory(policier=True, administration=Administration.objects.get(code=code))


def _demande_de_l_usager(etat):
    """Dossier commencé par l'usager seul (sans déclaration), amené à `etat` par les transitions."""
    dossier = completer(
        dossier_usager(),
        date_operation=datetime.date(2026, 3, 2),
        adresse_voie="4 rue des Lilas",
        adresse_code_postal="69003",
        adresse_ville="Lyon",
    )
    return amener(dossier, etat, Acteurs(dossier))


def _dater(dossier, **champs):
    Dossier.objects.filter(pk=dossier.pk).update(**champs)
    dossier.refresh_from_db()
    return dossier


@pytest.fixture
def dossiers():
    """Des dossiers dans plusieurs états, administrations et origines, aux dates choisies.

    Délais du dépôt à la décision signée, dans la période : 10, 20, 30 et 40 jours (médiane 25, 90e centile
    30 + 0,7 × 10 = 37) ; de l'acceptation au paiement : 5 et 15 jours (médiane 10, 90e centile 14). Un
    dossier décidé il y a plus d'un an sort des flux ; un dossier en instruction déposé il y a 70 jours a
    dépassé sa date de rejet implicite.
    """
    maintenant = timezone.now()
    signee = maintenant - 2 * JOUR
    indemnise = maintenant - JOUR
    d = {
        "pn_indemnise": DossierFactory(indemnise=True, agent=_policier(CodeAdministration.PN)),
        "gn_rejete": DossierFactory(rejete=True, agent=_policier(CodeAdministration.GN)),
        "pp_acceptee": DossierFactory(proposition_acceptee=True, agent=_policier(CodeAdministration.PP)),
        "usager_indemnise": _demande_de_l_usager(S.INDEMNISE),
        "gn_ancien": DossierFactory(rejete=True, agent=_policier(CodeAdministration.GN)),
        "pn_depasse": DossierFactory(en_instruction=True, agent=_policier(CodeAdministration.PN)),
        "usager_depose": _demande_de_l_usager(S.DEPOSE),
        "pn_a_completer": DossierFactory(agent=_policier(CodeAdministration.PN)),
    }
    _dater(d["pn_indemnise"], depose_le=signee - 10 * JOUR, decision_signee_le=signee)
    _dater(d["pn_indemnise"], reponse_usager_le=indemnise - 5 * JOUR, indemnise_le=indemnise)
    _dater(d["gn_rejete"], depose_le=signee - 20 * JOUR, decision_signee_le=signee)
    _dater(d["usager_indemnise"], depose_le=signee - 30 * JOUR, decision_signee_le=signee)
    _dater(d["usager_indemnise"], reponse_usager_le=indemnise - 15 * JOUR, indemnise_le=indemnise)
    _dater(d["pp_acceptee"], depose_le=signee - 40 * JOUR, decision_signee_le=signee)
    _dater(d["gn_ancien"], depose_le=maintenant - 500 * JOUR, decision_signee_le=maintenant - 480 * JOUR)
    _dater(d["pn_depasse"], depose_le=maintenant - 70 * JOUR)
    _dater(d["usager_depose"], depose_le=maintenant - 3 * JOUR)
    if statistiques.champ_montant():
        for cle, montant in (("pn_indemnise", "100.00"), ("pp_acceptee", "250.50"), ("usager_indemnise", "80.00")):
            _dater(d[cle], **{statistiques.CHAMP_MONTANT: Decimal(montant)})
    return d


def _debut_periode(aujourd_hui):
    """Premier jour du 11e mois avant celui-ci, calculé autrement que dans le module."""
    jour = aujourd_hui.replace(day=1)
    for _ in range(11):
        jour = (jour - JOUR).replace(day=1)
    return jour


def _tableaux():
    return {t.cle: t for t in statistiques.calculer()}


def _colonne(tableau, indice):
    return {ligne[0]: ligne[indice] for ligne in tableau.lignes}


def test_volumes_par_statut_et_echeances_depassees(dossiers):
    aujourd_hui = timezone.localdate()
    tous = list(Dossier.objects.all())
    statuts = _tableaux()["statuts"]
    attendus = Counter(d.get_statut_display() for d in tous)
    assert _colonne(statuts, 1) == {s.label: attendus.get(s.label, 0) for s in StatutDossier}
    assert sum(_colonne(statuts, 1).values()) == len(tous) == 8
    depasses = Counter(d.get_statut_display() for d in tous if Echeance.du_dossier(d, aujourd_hui).depassee)
    assert depasses == {"En instruction": 1}
    assert {k: v for k, v in _colonne(statuts, 2).items() if v} == depasses
    # Part : 1 dossier dépassé parmi ceux dont l'horloge court (en instruction et déposé).
    horloge = [d for d in tous if Echeance.du_dossier(d, aujourd_hui).compte]
    assert len(horloge) == 2
    assert ("Part au-delà de la date de rejet implicite", "50,0\u202f%") in statuts.chiffres


def test_depots_par_mois(dossiers):
    aujourd_hui = timezone.localdate()
    debut = _debut_periode(aujourd_hui)
    attendus = Counter(
        timezone.localtime(d.depose_le).strftime("%Y-%m")
        for d in Dossier.objects.exclude(depose_le=None)
        if timezone.localtime(d.depose_le).date() >= debut
    )
    depots = _tableaux()["depots"]
    assert len(depots.lignes) == 12
    assert depots.lignes[0][0] == debut and depots.lignes[-1][0] == aujourd_hui.replace(day=1)
    assert {f"{mois:%Y-%m}": n for mois, n in depots.lignes if n} == attendus
    assert sum(n for _, n in depots.lignes) == 6  # 8 dossiers, moins le dossier ancien et l'« à compléter »


def test_delais_medians_et_90e_centile(dossiers):
    delais = _tableaux()["delais"]
    (_, n_decision, mediane_decision, c90_decision), (_, n_paiement, mediane_paiement, c90_paiement) = delais.lignes
    assert n_decision == 4 and n_paiement == 2
    assert mediane_decision == pytest.approx(25) and c90_decision == pytest.approx(37)
    assert mediane_paiement == pytest.approx(10) and c90_paiement == pytest.approx(14)


def test_montants_et_nombres_par_mois(dossiers):
    aujourd_hui = timezone.localdate()
    debut = _debut_periode(aujourd_hui)
    propositions, paiements = Counter(), Counter()
    for d in Dossier.objects.all():
        if d.decision_signee_le and timezone.localtime(d.decision_signee_le).date() >= debut and d.statut != S.REJETE:
            propositions[f"{timezone.localtime(d.decision_signee_le):%Y-%m}"] += 1
        if d.indemnise_le:
            paiements[f"{timezone.localtime(d.indemnise_le):%Y-%m}"] += 1
    montants = _tableaux()["montants"]
    assert {f"{ligne[0]:%Y-%m}": ligne[1] for ligne in montants.lignes if ligne[1]} == propositions
    assert {f"{ligne[0]:%Y-%m}": ligne[3] for ligne in montants.lignes if ligne[3]} == paiements
    assert sum(propositions.values()) == 3 and sum(paiements.values()) == 2
    if statistiques.champ_montant():
        assert sum(ligne[2] for ligne in montants.lignes) == Decimal("430.50")
        assert sum(ligne[4] for ligne in montants.lignes) == Decimal("180.00")
    else:
        # Champ du montant pas encore livré (branche « décision ») : colonnes vides, la page le dit.
        assert all(ligne[2] is None and ligne[4] is None for ligne in montants.lignes)
        assert "s’afficheront" in montants.note


def test_repartition_par_origine_et_administration(dossiers):
    debut = timezone.make_aware(datetime.datetime.combine(_debut_periode(timezone.localdate()), datetime.time()))
    attendus = Counter()
    for d in Dossier.objects.filter(depose_le__gte=debut):
        if d.origine == OrigineDossier.DECLARATION:
            attendus[f"Déclaration — {d.declaration.agent.administration.get_code_display()}"] += 1
        else:
            attendus["Demande de l’usager seul (sans déclaration)"] += 1
    repartition = _tableaux()["repartition"]
    assert {k: v for k, v in _colonne(repartition, 1).items() if v} == attendus
    assert attendus == {
        "Déclaration — Police nationale": 2,
        "Déclaration — Gendarmerie nationale": 1,
        "Déclaration — Préfecture de police": 1,
        "Demande de l’usager seul (sans déclaration)": 2,
    }
    assert sum(_colonne(repartition, 2).values()) == pytest.approx(1)


def test_la_page_affiche_les_chiffres_et_leurs_tableaux(client, dossiers):
    client.force_login(agent(Role.REDACTEUR))
    reponse = client.get(reverse("precontentieux:statistiques"))
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert html.count("<h1") == 1
    for tableau in statistiques.calculer():
        assert f'id="tableau-{tableau.cle}"' in html and f'data-tableau="tableau-{tableau.cle}"' in html
        assert tableau.url_csv in html
    # Graphiques : bibliothèque servie depuis nos fichiers statiques, aucun script en ligne.
    assert "vendor/chart.js-4.6.1/chart.umd.min.js" in html and "js/statistiques.js" in html
    assert "<script>" not in html and "cdn" not in html.lower()
    # Chiffres lus dans le tableau : délai médian (25,0 jours) et valeur brute pour le graphique.
    assert '<td data-valeur="25.0">25,0</td>' in html
    assert '<td data-valeur="37.0">37,0</td>' in html


def test_centile_comme_percentile_cont():
    assert statistiques.centile([], 0.5) is None
    assert statistiques.centile([7.0], 0.9) == 7.0
    assert statistiques.centile([10.0, 20.0, 30.0, 40.0], 0.5) == pytest.approx(25)
    assert statistiques.centile([10.0, 20.0, 30.0, 40.0], 0.9) == pytest.approx(37)
    assert statistiques.centile([1.0, 2.0, 3.0, 4.0, 5.0], 0.5) == 3.0


# --- Nombre de requêtes constant ---------------------------------------------------------------------------


def _requetes(client, url):
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(url)
        assert reponse.status_code == 200
    return len(requetes)


def test_nombre_de_requetes_constant_a_5_et_500_dossiers(client):
    client.force_login(agent(Role.VALIDATEUR))
    urls = [reverse("precontentieux:statistiques")] + [t.url_csv for t in statistiques.calculer()]
    volume.semer(5, redacteurs=2)
    assert Dossier.objects.count() == 5
    a_5 = {url: _requetes(client, url) for url in urls}
    volume.semer(495, redacteurs=2)
    assert Dossier.objects.count() == 500
    a_500 = {url: _requetes(client, url) for url in urls}
    assert a_5 == a_500
    # La page : session, utilisateur, rôles, compteurs du menu, puis six requêtes agrégées.
    pas_de_statistiques = _requetes(client, reverse("precontentieux:accueil"))
    assert a_500[urls[0]] - pas_de_statistiques <= 6


# --- Export CSV --------------------------------------------------------------------------------------------


def test_csv_utf8_bom_point_virgule(client, dossiers):
    client.force_login(agent(Role.LIAISON_BUDGET))
    reponse = client.get(reverse("precontentieux:statistiques_delais"))
    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "text/csv; charset=utf-8"
    assert reponse["Content-Disposition"].startswith('attachment; filename="statistiques-delais-')
    contenu = reponse.content
    assert contenu.startswith(b"\xef\xbb\xbf")
    lignes = contenu.decode("utf-8-sig").splitlines()
    assert lignes == [
        "Délai;Dossiers mesurés;Médiane (jours);90e centile (jours)",
        "Du dépôt à la décision signée;4;25,0;37,0",
        "De l’acceptation de la proposition au paiement;2;10,0;14,0",
    ]

    depots = client.get(reverse("precontentieux:statistiques_depots")).content.decode("utf-8-sig").splitlines()
    assert depots[0] == "Mois;Dossiers déposés"
    assert len(depots) == 13
    attendu = {f"{timezone.localtime(d.depose_le):%Y-%m}" for d in Dossier.objects.filter(depose_le__isnull=False)}
    assert {ligne.split(";")[0] for ligne in depots[1:] if not ligne.endswith(";0")} <= attendu
    assert sum(int(ligne.split(";")[1]) for ligne in depots[1:]) == 6

    statuts = client.get(reverse("precontentieux:statistiques_statuts")).content.decode("utf-8-sig").splitlines()
    assert statuts[0] == "Statut;Dossiers;Dont au-delà de la date de rejet implicite"
    assert "En instruction;1;1" in statuts and "Indemnisé;2;" in statuts

    montants = client.get(reverse("precontentieux:statistiques_montants")).content.decode("utf-8-sig").splitlines()
    assert montants[0] == "Mois;Propositions signées;Montant proposé (€);Dossiers indemnisés;Montant payé (€)"
    cellules = [ligne.split(";") for ligne in montants[1:]]
    assert len(cellules) == 12 and all(len(c) == 5 for c in cellules)
    assert sum(int(c[1]) for c in cellules) == 3 and sum(int(c[3]) for c in cellules) == 2
    if statistiques.champ_montant():
        assert sum(Decimal(c[2].replace(",", ".") or "0") for c in cellules) == Decimal("430.50")
        assert sum(Decimal(c[4].replace(",", ".") or "0") for c in cellules) == Decimal("180.00")
    else:
        assert all(c[2] == "" and c[4] == "" for c in cellules)


# --- Accès -------------------------------------------------------------------------------------------------


def _urls_statistiques():
    return [reverse("precontentieux:statistiques")] + [reverse(nom) for nom in statistiques.NOMS_URL_CSV.values()]


@pytest.mark.parametrize("role", ["attributeur", "redacteur", "validateur", "liaison_budget", "gestionnaire"])
def test_tout_role_de_la_justice_y_accede_et_la_voit_dans_le_menu(client, role):
    client.force_login(agent(role))
    for url in _urls_statistiques():
        assert client.get(url).status_code == 200, url
        assert client.post(url).status_code == 405, url
    accueil = client.get(reverse("precontentieux:accueil")).content.decode()
    assert f'href="{reverse("precontentieux:statistiques")}"' in accueil and "Statistiques" in accueil


@pytest.mark.parametrize(
    ("persona", "code"),
    [("policier", 404), ("gendarme", 404), ("usager", 404), ("agent_sans_role", 403)],
)
def test_hors_justice_404_et_agent_sans_role_403(client, persona, code):
    utilisateur = {
        "policier": lambda: UtilisateurFactory(policier=True),
        "gendarme": lambda: _policier(CodeAdministration.GN),
        "usager": lambda: UtilisateurFactory(),
        "agent_sans_role": lambda: agent(),
    }[persona]()
    client.force_login(utilisateur)
    for url in _urls_statistiques():
        assert client.get(url).status_code == code, (persona, url)


def test_visiteur_anonyme_renvoye_a_la_connexion(client):
    for url in _urls_statistiques():
        reponse = client.get(url)
        assert reponse.status_code == 302 and reponse["Location"].startswith(reverse("portail:connexion"))


def test_les_adresses_des_statistiques_sont_dans_le_parcours_idor():
    """Le test IDOR du back-office (test_backoffice_acces.py) parcourt ces adresses pour chaque persona."""
    assert set(statistiques.NOMS_URL_CSV) == set(statistiques.TABLEAUX)
    dossier = dossier_en_instruction(agents())
    parcourues = {url for _, url in urls_backoffice(dossier)}
    assert set(_urls_statistiques()) <= parcourues

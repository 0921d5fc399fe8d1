"""La chaîne du paiement (docs/paiement.md) : banque et BIC déduits de l'IBAN, files de la liaison budget,
transmission au budget, indemnisation (date du virement, courriel), refus et double clic."""

import datetime
import hashlib
import io
import re
import zipfile
from html import unescape

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from portail.enums import CodeAdministration, Role
from portail.models import Administration, EmailSortant
from precontentieux import paiement, volume
from precontentieux.courriers import Courrier, TypeCourrier, courrier_actif, rendre_html
from precontentieux.enums import StatutDossier, TypePiece
from precontentieux.files_attente import compter
from precontentieux.instruction import nouveau_jeton
from precontentieux.models import Dossier, EvenementDossier, TransitionInterdite
from precontentieux.paiement import Banque, banque_du_compte
from tests.fabriques import IBAN_VALIDE, TEXTES_SENTINELLES, DossierFactory, UtilisateurFactory, agent, ajouter_piece
from tests.precontentieux.outils_backoffice import agents, photographie_base
from tests.precontentieux.test_courriers import CAS, MORALE, verifier_texte

S = StatutDossier
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _isolement(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"


# --- Banque et BIC d'après l'IBAN ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("iban", "banque"),
    [
        # Société Générale : `IBAN.bank_name` seul y lirait « Inter Europe Conseil SAS ».
        ("FR76 3000 3031 0012 3456 7890 143", Banque("SOCIETE GENERALE SA", "SOGEFRPP")),
        ("FR7630004000031234567890143", Banque("BNP PARIBAS", "BNPAFRPP")),
        ("FR7630006000011234567890189", Banque("CREDIT AGRICOLE SA", "AGRIFRPPXXX")),
        ("FR7620041010051234567890178", Banque("LA BANQUE POSTALE", "PSSTFRPP")),
        ("FR7630002005501234567890167", Banque("CREDIT LYONNAIS", "CRLYFRPPXXX")),
        ("FR7610278060001234567890118", Banque("CREDIT MUTUEL", "CMCIFR2A")),
        ("FR7610107001011234567890129", Banque("BRED BANQUE POPULAIRE", "BREDFRPP")),
        ("FR7640618000011234567890113", Banque("BOURSOBANK", "BOUSFRPPXXX")),
        # Caisse régionale : pas le BIC générique du réseau inscrit sous tous les codes (« CEPAC »).
        ("FR7617515000011234567890171", Banque("CAISSE D'EPARGNE ET DE PREVOYANCE ILE-DE-FRANCE", "CEPAFRPP751")),
        ("FR7610096000011234567890183", Banque("CREDIT INDUSTRIEL ET COMMERCIAL", "CMCIFRPP")),
        ("DE89370400440532013000", Banque("Commerzbank", "COBADEFFXXX")),
    ],
)
def test_banque_et_bic_deduits_de_l_iban(iban, banque):
    assert banque_du_compte(iban) == banque


@pytest.mark.parametrize("iban", ["FR7699999000011234567890152", "FR7612345000011234567890133", "", "FR76 n’importe"])
def test_banque_inconnue_ou_iban_invalide(iban):
    assert banque_du_compte(iban) is None


# --- Files de la liaison budget ---------------------------------------------------------------------------------


@pytest.fixture
def equipe():
    return agents()


def dossier_a(etat, **champs):
    return DossierFactory(requerant=UtilisateurFactory(adresse_verifiee=True), etat=etat, **champs)


def compteurs_affiches(html):
    menu = html.split('id="menu-back-office"', 1)[1].split("</nav>", 1)[0]
    return {
        libelle: int(nombre)
        for libelle, nombre in re.findall(r"<a [^>]*>\s*([^<]+?)\s*<span [^>]*data-compteur>(\d+)<", menu)
    }


def test_files_a_transmettre_et_transmis_au_budget(client, equipe):
    a_transmettre = [dossier_a(S.A_INDEMNISER) for _ in range(2)]
    transmis = dossier_a(S.TRANSMIS_BUDGET)
    dossier_a(S.EN_INSTRUCTION)
    # Le plus ancien arrêté signé d'abord.
    Dossier.objects.filter(pk=a_transmettre[1].pk).update(arrete_signe_le=timezone.now() - datetime.timedelta(days=9))
    Dossier.objects.filter(pk=transmis.pk).update(transmis_budget_le=timezone.now() - datetime.timedelta(days=12))
    client.force_login(equipe["liaison_budget"])
    html = client.get(reverse("precontentieux:accueil")).content.decode()
    assert compteurs_affiches(html) == {"À transmettre": 2, "Transmis au budget": 1}

    page = client.get(reverse("precontentieux:file", args=["a-transmettre"]))
    contenu = page.content.decode()
    assert page.status_code == 200 and contenu.count("<h1") == 1
    assert re.findall(r'data-reference="([^"]+)"', contenu) == [a_transmettre[1].reference, a_transmettre[0].reference]
    assert "9 jours" in contenu
    for dossier in a_transmettre:
        assert reverse("precontentieux:dossier_de_paiement", args=[dossier.reference]) in contenu
        assert reverse("precontentieux:transmettre_budget", args=[dossier.reference]) in contenu

    contenu = client.get(reverse("precontentieux:file", args=["transmis-budget"])).content.decode()
    assert re.findall(r'data-reference="([^"]+)"', contenu) == [transmis.reference]
    assert "12 jours" in contenu
    assert reverse("precontentieux:marquer_indemnise", args=[transmis.reference]) in contenu


def test_les_files_du_budget_refusees_aux_autres_roles(client, equipe):
    for role in ("attributeur", "redacteur", "validateur", "gestionnaire"):
        client.force_login(equipe[role])
        for cle in ("a-transmettre", "transmis-budget"):
            assert client.get(reverse("precontentieux:file", args=[cle])).status_code == 403, (role, cle)
        assert "À transmettre" not in client.get(reverse("precontentieux:accueil")).content.decode()


def nombre_de_requetes(client, url, **params):
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(url, params)
    assert reponse.status_code == 200
    return len(requetes.captured_queries), reponse


def test_files_du_paiement_en_nombre_de_requetes_constant(client, monkeypatch):
    monkeypatch.setattr(volume, "REPARTITION", {S.A_INDEMNISER: 1, S.TRANSMIS_BUDGET: 1, S.PROPOSITION_ACCEPTEE: 1})
    volume.semer(240, redacteurs=1)
    multi = agent(Role.LIAISON_BUDGET, Role.REDACTEUR)
    redacteur = Dossier.objects.filter(redacteur__isnull=False).values_list("redacteur", flat=True).first()
    client.force_login(multi)
    for cle in ("a-transmettre", "transmis-budget"):
        url = reverse("precontentieux:file", args=[cle])
        n5, r5 = nombre_de_requetes(client, url, par_page=5)
        n50, r50 = nombre_de_requetes(client, url, par_page=50)
        assert (len(r5.context["page"].object_list), len(r50.context["page"].object_list)) == (5, 50)
        assert n5 == n50, cle
    # La file du rédacteur : ses propositions acceptées.
    client.force_login(Dossier.objects.get(pk=Dossier.objects.filter(redacteur=redacteur).first().pk).redacteur)
    url = reverse("precontentieux:file", args=["arrete-a-preparer"])
    n5, r5 = nombre_de_requetes(client, url, par_page=5)
    n50, r50 = nombre_de_requetes(client, url, par_page=50)
    assert (len(r5.context["page"].object_list), len(r50.context["page"].object_list)) == (5, 50)
    assert n5 == n50


# --- Transmission au budget --------------------------------------------------------------------------------------


def test_confirmer_la_transmission_une_seule_fois(client, equipe):
    dossier = dossier_a(S.A_INDEMNISER)
    client.force_login(equipe["liaison_budget"])
    url = reverse("precontentieux:transmettre_budget", args=[dossier.reference])
    jeton = nouveau_jeton()
    reponse = client.post(url, {"jeton": jeton})
    assert reponse.status_code == 302 and reponse["Location"] == reverse("precontentieux:file", args=["a-transmettre"])
    dossier.refresh_from_db()
    assert dossier.statut == S.TRANSMIS_BUDGET and dossier.transmis_budget_le is not None
    # Double clic : le même formulaire renvoyé n'a aucun effet de plus.
    evenements = EvenementDossier.objects.filter(dossier=dossier).count()
    reponse = client.post(url, {"jeton": jeton}, follow=True)
    assert "Cette transmission était déjà confirmée." in reponse.content.decode()
    assert EvenementDossier.objects.filter(dossier=dossier).count() == evenements
    evenement = EvenementDossier.objects.filter(dossier=dossier, details__transition="transmettre_budget").get()
    assert evenement.acteur == equipe["liaison_budget"]


def test_transmission_sans_jeton_refusee_sans_rien_ecrire(client, equipe):
    dossier = dossier_a(S.A_INDEMNISER)
    client.force_login(equipe["liaison_budget"])
    avant = photographie_base()
    reponse = client.post(reverse("precontentieux:transmettre_budget", args=[dossier.reference]), {})
    assert reponse.status_code == 400
    assert "Formulaire expiré : rechargez la page." in reponse.content.decode()
    assert photographie_base() == avant


@pytest.mark.parametrize("role", ["attributeur", "redacteur", "validateur", "gestionnaire"])
def test_mauvais_role_refuse_sans_rien_ecrire(client, equipe, role):
    a_indemniser = dossier_a(S.A_INDEMNISER)
    transmis = dossier_a(S.TRANSMIS_BUDGET)
    client.force_login(equipe[role])
    avant = photographie_base()
    for url, donnees in (
        (reverse("precontentieux:transmettre_budget", args=[a_indemniser.reference]), {"jeton": nouveau_jeton()}),
        (
            reverse("precontentieux:marquer_indemnise", args=[transmis.reference]),
            {"jeton": nouveau_jeton(), "date_virement": timezone.localdate().isoformat()},
        ),
        (reverse("precontentieux:dossier_de_paiement", args=[a_indemniser.reference]), None),
    ):
        reponse = client.get(url) if donnees is None else client.post(url, donnees)
        assert reponse.status_code == 403, (role, url)
    assert photographie_base() == avant


def test_transmission_hors_de_son_etat(client, equipe):
    dossier = dossier_a(S.TRANSMIS_BUDGET)
    client.force_login(equipe["liaison_budget"])
    url = reverse("precontentieux:transmettre_budget", args=[dossier.reference])
    assert "Action « Transmettre au budget » impossible" in client.get(url).content.decode()
    avant = photographie_base()
    reponse = client.post(url, {"jeton": nouveau_jeton()}, follow=True)
    assert "Action « Transmettre au budget » impossible" in reponse.content.decode()
    assert photographie_base()["dossiers"] == avant["dossiers"]


# --- Marquer indemnisé --------------------------------------------------------------------------------------------


def test_marquer_indemnise_avec_la_date_du_virement_et_courriel(client, equipe):
    dossier = dossier_a(S.TRANSMIS_BUDGET)
    client.force_login(equipe["liaison_budget"])
    url = reverse("precontentieux:marquer_indemnise", args=[dossier.reference])
    page = client.get(url)
    assert page.status_code == 200 and page.content.decode().count("<h1") == 1
    virement = timezone.localdate()
    jeton = nouveau_jeton()
    reponse = client.post(url, {"jeton": jeton, "date_virement": virement.isoformat()})
    assert reponse["Location"] == reverse("precontentieux:file", args=["transmis-budget"])
    dossier.refresh_from_db()
    assert dossier.statut == S.INDEMNISE and dossier.date_virement == virement and dossier.indemnise_le
    courriel = EmailSortant.objects.get(gabarit="indemnisation")
    assert courriel.destinataire == dossier.requerant.email
    (envoye,) = [m for m in mail.outbox if m.subject == f"Votre indemnisation {dossier.reference} a été versée"]
    assert envoye.body.startswith("Bonjour,")
    from portail.utils import date_fr

    assert f"Date du virement : {date_fr(virement)}" in envoye.body
    assert "se termine par 0189" in envoye.body and "FR76" not in envoye.body
    assert f"Si la somme n'est pas arrivée le {date_fr(virement + datetime.timedelta(days=10))}" in envoye.body
    # Double clic : aucun second courriel, aucun second événement.
    client.post(url, {"jeton": jeton, "date_virement": virement.isoformat()})
    assert EmailSortant.objects.filter(gabarit="indemnisation").count() == 1
    assert EvenementDossier.objects.filter(dossier=dossier, details__transition="marquer_indemnise").count() == 1


@pytest.mark.parametrize(
    ("saisie", "erreur"),
    [
        ("demain", "La date du virement ne peut pas être dans le futur."),
        ("avant", "La date du virement ne peut pas précéder la transmission au budget, le "),
        ("2026-02-31", "Saisissez une date valide, par exemple 15/03/2026."),
        ("", "Indiquez la date du virement."),
    ],
)
def test_date_de_virement_invalide_refusee_et_liee_au_champ(client, equipe, saisie, erreur):
    dossier = dossier_a(S.TRANSMIS_BUDGET)
    aujourd_hui = timezone.localdate()
    valeur = {
        "demain": (aujourd_hui + datetime.timedelta(days=1)).isoformat(),
        "avant": (aujourd_hui - datetime.timedelta(days=1)).isoformat(),
    }.get(saisie, saisie)
    client.force_login(equipe["liaison_budget"])
    avant = photographie_base()
    reponse = client.post(
        reverse("precontentieux:marquer_indemnise", args=[dossier.reference]),
        {"jeton": nouveau_jeton(), "date_virement": valeur},
    )
    assert reponse.status_code == 400
    html = reponse.content.decode()
    assert re.search(r"<title>\s*Erreur", html)
    # Résumé d'erreurs : un lien vers le champ ; sous le champ : le message, annoncé par aria-describedby.
    assert f'<a href="#id_date_virement">Date du virement : {erreur}' in html
    champ = re.search(r"<input[^>]*id=\"id_date_virement\"[^>]*>", html).group(0)
    assert 'aria-invalid="true"' in champ or "fr-input--error" in champ
    identifiant = re.search(r'aria-describedby="([^"]+)"', champ).group(1).split()
    assert any(re.search(rf'id="{i}"[^>]*>\s*(<[^>]+>\s*)*{re.escape(erreur)}', html) for i in identifiant), html
    assert photographie_base() == avant


def test_la_garde_du_modele_refuse_une_date_future(equipe):
    dossier = dossier_a(S.TRANSMIS_BUDGET)
    avant = photographie_base()
    with pytest.raises(TransitionInterdite, match="futur"):
        dossier.transitionner(
            "marquer_indemnise", equipe["liaison_budget"], date_virement=timezone.localdate() + datetime.timedelta(1)
        )
    with pytest.raises(TransitionInterdite, match="Information manquante"):
        dossier.transitionner("marquer_indemnise", equipe["liaison_budget"])
    assert photographie_base() == avant


def test_compteurs_du_budget_en_une_requete(equipe):
    dossier_a(S.A_INDEMNISER)
    assert compter(equipe["liaison_budget"]) == {"a-transmettre": 1, "transmis-budget": 0}


# --- L'arrêté de paiement ----------------------------------------------------------------------------------------


def espaces(texte):
    """Blancs ASCII réduits à une espace (les espaces insécables des montants restent)."""
    return re.sub(r"[ \t\r\n]+", " ", texte)


def lire_courrier(courrier):
    """Le texte de l'aperçu HTML, vérifié sans marque (`verifier_texte`), balises retirées."""
    html = rendre_html(courrier)
    verifier_texte(html)
    return espaces(unescape(re.sub(r"<[^>]+>", "", html)))


def dossier_accepte(morale=False, administration=CodeAdministration.PN, **champs):
    policier = UtilisateurFactory(policier=True, administration=Administration.objects.get(code=administration))
    dossier = DossierFactory(
        requerant=UtilisateurFactory(adresse_verifiee=True), agent=policier, etat=S.PROPOSITION_ACCEPTEE
    )
    Dossier.objects.filter(pk=dossier.pk).update(**{**(MORALE if morale else {}), **champs})
    dossier.refresh_from_db()
    return dossier


@pytest.mark.parametrize(("morale", "administration", "forces"), CAS)
def test_arrete_rendu_sans_marque(morale, administration, forces):
    dossier = dossier_accepte(morale, administration)
    courrier = paiement.preparer_arrete(dossier, dossier.redacteur)
    dossier.refresh_from_db()
    assert dossier.statut == S.ARRETE_A_SIGNER
    assert courrier.type == TypeCourrier.ARRETE and courrier_actif(dossier, TypeCourrier.ARRETE) == courrier
    assert courrier.donnees == {
        "montant": "850.00",
        "iban": IBAN_VALIDE,
        "titulaire": "Martin DUPONT",
        "banque": "CREDIT AGRICOLE SA",
        "bic": "AGRIFRPPXXX",
    }
    texte = lire_courrier(courrier)
    assert "Le garde des Sceaux, ministre de la Justice," in texte and "Arrête :" in texte
    assert f"Vu la loi de finances pour {timezone.localdate().year} ;" in texte
    assert "850,00\u00a0€ (huit cent cinquante euros)" in texte
    assert "IBAN est FR76 3000 6000 0112 3456 7890 189, ouvert au nom de Martin DUPONT" in texte
    assert "tenu par CREDIT AGRICOLE SA (BIC AGRIFRPPXXX)" in texte
    assert "programme 166 «\u00a0Justice judiciaire\u00a0» de la mission «\u00a0Justice\u00a0»" in texte
    assert f"lors d’une intervention de {forces}" in texte
    assert "Fait à Paris, le" in texte and "Aperçu non signé" in texte
    if morale:
        assert "allouée à SCI Les Tilleuls, représentée par Jeanne Durand," in texte
    else:
        assert "allouée à Monsieur Martin Paul DUPONT," in texte
    # Le PDF (produit après le COMMIT) dit la même chose, sans marque non plus.
    courrier.refresh_from_db()
    assert courrier.fichier
    with default_storage.open(courrier.fichier.name) as fichier:
        pdf = espaces(" ".join(page.extract_text() for page in PdfReader(fichier).pages))
    verifier_texte(pdf)
    assert "CREDIT AGRICOLE SA" in pdf and "166" in pdf


def test_banque_inconnue_le_redacteur_est_prevenu_et_l_arrete_reste_sans_marque(client):
    dossier = dossier_accepte(iban="FR7699999000011234567890152")
    client.force_login(dossier.redacteur)
    url = reverse("precontentieux:preparer_arrete", args=[dossier.reference])
    html = client.get(url).content.decode()
    assert "Banque non identifiée" in html and "IBAN et son titulaire seulement" in html
    client.post(url, {"jeton": nouveau_jeton()})
    courrier = courrier_actif(dossier, TypeCourrier.ARRETE)
    assert courrier.donnees["banque"] == courrier.donnees["bic"] == ""
    texte = lire_courrier(courrier)
    assert "IBAN est FR76 9999 9000 0112 3456 7890 152, ouvert au nom de Martin DUPONT." in texte
    assert "BANQUE" not in texte and "BIC" not in texte and "tenu par" not in texte


def test_preparer_l_arrete_aperçu_puis_confirmation_une_seule_fois(client):
    dossier = dossier_accepte(titulaire_compte="<script>alert(1)</script> DUPONT")
    client.force_login(dossier.redacteur)
    url = reverse("precontentieux:preparer_arrete", args=[dossier.reference])
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and html.count("<h1") == 1
    assert "Aperçu de l’arrêté" in html and "CREDIT AGRICOLE SA" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; DUPONT" in html and "<script>alert(1)" not in html
    assert not Courrier.objects.filter(dossier=dossier, type=TypeCourrier.ARRETE).exists()  # l'aperçu n'écrit rien
    jeton = nouveau_jeton()
    reponse = client.post(url, {"jeton": jeton})
    assert reponse["Location"] == reverse("precontentieux:dossier", args=[dossier.reference])
    client.post(url, {"jeton": jeton})  # double clic
    dossier.refresh_from_db()
    assert dossier.statut == S.ARRETE_A_SIGNER
    assert Courrier.objects.filter(dossier=dossier, type=TypeCourrier.ARRETE).count() == 1
    assert EvenementDossier.objects.filter(dossier=dossier, details__transition="preparer_arrete").count() == 1
    # La fiche du dossier propose l'écran au rédacteur en charge (avant) ; le validateur signera (aide S).
    fiche = client.get(reverse("precontentieux:dossier", args=[dossier.reference])).content.decode()
    assert "Préparer l’arrêté de paiement" in fiche


@pytest.mark.parametrize("qui", ["autre_redacteur", "validateur", "liaison_budget", "attributeur"])
def test_preparer_l_arrete_refuse_aux_autres_sans_rien_ecrire(client, qui):
    dossier = dossier_accepte()
    utilisateur = {
        "autre_redacteur": lambda: agent(Role.REDACTEUR),
        "validateur": lambda: agent(Role.VALIDATEUR),
        "liaison_budget": lambda: agent(Role.LIAISON_BUDGET),
        "attributeur": lambda: agent(Role.ATTRIBUTEUR),
    }[qui]()
    client.force_login(utilisateur)
    avant = photographie_base(), Courrier.objects.count()
    reponse = client.post(
        reverse("precontentieux:preparer_arrete", args=[dossier.reference]), {"jeton": nouveau_jeton()}
    )
    if qui == "autre_redacteur":  # rédacteur, mais pas celui du dossier : message, rien d'écrit
        assert reponse.status_code == 302
        messages = [str(m) for m in reponse.wsgi_request._messages]
        assert messages == ["Ce dossier est attribué à un autre rédacteur."]
    else:
        assert reponse.status_code == 403
    assert (photographie_base(), Courrier.objects.count()) == avant


# --- Le dossier de paiement (ZIP) ----------------------------------------------------------------------------------


def lire_stockage(nom):
    with default_storage.open(nom, "rb") as fichier:
        return fichier.read()


def test_le_zip_contient_exactement_les_quatre_pieces(client, equipe):
    dossier = dossier_a(S.A_INDEMNISER)
    # Une autre pièce d'identité, plus récente : c'est elle qui part (la dernière déposée).
    Dossier.objects.filter(pk=dossier.pk).update(statut=S.EN_INSTRUCTION)
    identite = ajouter_piece(dossier, TypePiece.PIECE_IDENTITE, nom="identite-2.pdf", par=dossier.redacteur)
    Dossier.objects.filter(pk=dossier.pk).update(statut=S.A_INDEMNISER)
    client.force_login(equipe["liaison_budget"])
    reponse = client.get(reverse("precontentieux:dossier_de_paiement", args=[dossier.reference]))
    assert reponse.status_code == 200 and reponse.streaming
    assert reponse["Content-Type"] == "application/zip"
    assert f'filename="{dossier.reference}-dossier-de-paiement.zip"' in reponse["Content-Disposition"]
    assert reponse["X-Content-Type-Options"] == "nosniff" and "no-store" in reponse["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(reponse.streaming_content)))
    assert archive.testzip() is None
    ref = dossier.reference
    assert sorted(archive.namelist()) == sorted(
        [
            f"{ref}-declaration-acceptation.pdf",
            f"{ref}-arrete-de-paiement.pdf",
            f"{ref}-piece-identite.pdf",
            f"{ref}-rib.pdf",
        ]
    )
    acceptation = courrier_actif(dossier, TypeCourrier.ACCEPTATION)
    arrete = courrier_actif(dossier, TypeCourrier.ARRETE)
    assert acceptation.est_signe and arrete.est_signe
    assert archive.read(f"{ref}-arrete-de-paiement.pdf") == lire_stockage(arrete.fichier.name)
    assert hashlib.sha256(archive.read(f"{ref}-arrete-de-paiement.pdf")).hexdigest() == arrete.sha256
    assert archive.read(f"{ref}-declaration-acceptation.pdf") == lire_stockage(acceptation.fichier.name)
    assert archive.read(f"{ref}-piece-identite.pdf") == lire_stockage(identite.fichier.name)
    rib = dossier.pieces.get(type=TypePiece.RIB)
    assert archive.read(f"{ref}-rib.pdf") == lire_stockage(rib.fichier.name)
    # Rien de confidentiel : exactement ces quatre fichiers (comparés octet à octet ci-dessus), aucun champ de
    # l'étape 2 de la déclaration dans les courriers.
    contenus = b"".join(archive.read(nom) for nom in archive.namelist())
    for sentinelle in TEXTES_SENTINELLES:
        assert sentinelle.encode() not in contenus
    for nom in (f"{ref}-declaration-acceptation.pdf", f"{ref}-arrete-de-paiement.pdf"):
        texte = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(archive.read(nom))).pages)
        assert not any(sentinelle in texte for sentinelle in TEXTES_SENTINELLES)
    # Journalisé comme les autres téléchargements.
    consultation = EvenementDossier.objects.filter(dossier=dossier, details__objet="dossier_paiement").get()
    assert consultation.acteur == equipe["liaison_budget"]
    assert sorted(consultation.details["pieces"]) == sorted(archive.namelist())
    client.force_login(equipe["validateur"])  # le journal des consultations de la fiche
    fiche = client.get(reverse("precontentieux:dossier", args=[ref])).content.decode()
    assert "Dossier de paiement « " + f"{ref}-dossier-de-paiement.zip" in fiche


def test_le_zip_attend_les_pdf_signes(client, equipe):
    dossier = dossier_a(S.A_INDEMNISER)
    Courrier.objects.filter(dossier=dossier, type=TypeCourrier.ARRETE).update(fichier="", sha256="")
    client.force_login(equipe["liaison_budget"])
    reponse = client.get(reverse("precontentieux:dossier_de_paiement", args=[dossier.reference]))
    assert reponse.status_code == 202 and not reponse.streaming
    assert "Arrêté de paiement (PDF signé en cours de production)" in reponse.content.decode()
    assert not EvenementDossier.objects.filter(dossier=dossier, details__objet="dossier_paiement").exists()
    # La transmission attend elle aussi le dossier complet.
    url = reverse("precontentieux:transmettre_budget", args=[dossier.reference])
    assert "n’est pas encore complet" in client.get(url).content.decode()
    client.post(url, {"jeton": nouveau_jeton()})
    dossier.refresh_from_db()
    assert dossier.statut == S.A_INDEMNISER


def test_le_zip_n_existe_pas_avant_l_arrete_signe(client, equipe):
    dossier = dossier_a(S.ARRETE_A_SIGNER)
    client.force_login(equipe["liaison_budget"])
    assert client.get(reverse("precontentieux:dossier_de_paiement", args=[dossier.reference])).status_code == 404

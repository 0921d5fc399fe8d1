"""Rien de l'étape 2 de la déclaration (service enquêteur, procédure, juridiction, magistrat, PV) n'atteint l'usager.

Des valeurs sentinelles sont plantées dans chaque champ confidentiel et dans une pièce jointe de la
déclaration ; l'usager suit tout le parcours (invitation → compte → rattachement → demande → dépôt), puis
on cherche les sentinelles dans tout ce qu'il peut obtenir : chaque page de son espace, chaque fichier
téléchargé (PDF lus en texte), chaque courriel qui lui est adressé.
"""

import io
import re

import pypdf
import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.urls import reverse

from declarations.models import Declaration, PieceJointeDeclaration, envoyer_declaration
from portail.models import Utilisateur
from precontentieux.enums import StatutDossier
from tests.fabriques import DeclarationFactory, completer
from tests.portail.comptes_outils import chemin_du_lien, connexion, inscription
from tests.usagers.outils_usagers import chemin_invitation, urls_du_dossier, urls_sans_parametre

pytestmark = pytest.mark.django_db

SENTINELLES = {
    "service_enqueteur": "SENTINELLE-SERVICE-K9W",
    "telephone_service": "01 97 86 75 64",
    "courriel_agent": "sentinelle-agent-k9w@interieur.gouv.fr",
    "numero_procedure": "SENTINELLE-PROC-K9W",
    "juridiction": "SENTINELLE-PARQUET-K9W",
    "magistrat": "SENTINELLE-MAGISTRAT-K9W",
}
NOM_PIECE = "SENTINELLE-PV-K9W.pdf"
CONTENU_PIECE = b"%PDF-1.4\n% SENTINELLE-CONTENU-PV-K9W\n%%EOF\n"
TOUTES = [
    *SENTINELLES.values(),
    NOM_PIECE,
    "SENTINELLE-PV-K9W",
    "SENTINELLE-CONTENU-PV-K9W",
    "-K9W",
]  # « -K9W » : jamais dans un jeton aléatoire (alphanumérique)
COURRIEL = "martin.dupont@courriel.fr"


@pytest.fixture(autouse=True)
def _isolement(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "fichiers"
    cache.clear()
    yield
    cache.clear()


def texte_pdf(contenu):
    lecteur = pypdf.PdfReader(io.BytesIO(contenu))
    return " ".join(page.extract_text() or "" for page in lecteur.pages) + " " + repr(lecteur.metadata)


def contenu_de(reponse):
    """Texte de la réponse : HTML, ou texte d'un PDF téléchargé, ou octets bruts décodés."""
    if getattr(reponse, "streaming", False):
        brut = b"".join(reponse.streaming_content)
    else:
        brut = reponse.content
    textes = [brut.decode("utf-8", "replace"), reponse.get("Content-Disposition", "")]
    if brut.startswith(b"%PDF"):
        textes.append(texte_pdf(brut))
    return "\n".join(textes)


def sans_sentinelle(source, contenu):
    # Les espaces des numéros de téléphone peuvent varier : on compare aussi sans espaces.
    compact = re.sub(r"\s+", "", contenu)
    for sentinelle in TOUTES:
        assert sentinelle not in contenu, f"{sentinelle!r} trouvée dans {source}"
        assert re.sub(r"\s+", "", sentinelle) not in compact, f"{sentinelle!r} trouvée dans {source}"


def declaration_avec_sentinelles():
    declaration = DeclarationFactory(complete=True, usager_courriel=COURRIEL, **SENTINELLES)
    PieceJointeDeclaration.objects.create(
        declaration=declaration,
        fichier=ContentFile(CONTENU_PIECE, name="pv.pdf"),
        nom_original=NOM_PIECE,
        type_mime="application/pdf",
        taille=len(CONTENU_PIECE),
    )
    return envoyer_declaration(declaration.pk, declaration.agent)


def test_aucune_donnee_confidentielle_n_atteint_l_usager(client):
    declaration = declaration_avec_sentinelles()
    dossier = declaration.dossier
    recu = {}  # source → contenu, tout ce que l'usager a obtenu

    # 1. Le lien d'invitation et sa page.
    lien = chemin_invitation(declaration)
    recu["page d'invitation"] = contenu_de(client.get(lien))
    reponse = client.post(lien, {"action": "inscription"})
    recu["inscription"] = contenu_de(client.get(reponse["Location"]))

    # 2. Compte par courriel, vérification, connexion : la demande est rattachée.
    inscription(client, COURRIEL)
    verification = [m for m in mail.outbox if "/compte/confirm-email/" in m.body][-1]
    recu["confirmation"] = contenu_de(client.get(chemin_du_lien(verification, "/compte/confirm-email/")))
    client.post(chemin_du_lien(verification, "/compte/confirm-email/"))
    connexion(client, COURRIEL)
    usager = Utilisateur.objects.get(email=COURRIEL, type="usager")
    dossier.refresh_from_db()
    assert dossier.requerant == usager

    # 3. Demande complétée (pièces comprises), pages de l'assistant, puis dépôt par l'espace usager.
    completer(dossier)
    pieces = set(dossier.pieces.values_list("pk", flat=True))
    for nom, url in [*urls_sans_parametre(), *urls_du_dossier(dossier, pieces)]:
        recu[f"{nom} {url} (à compléter)"] = contenu_de(client.get(url))
    recapitulatif = reverse("usagers:completer_etape", kwargs={"reference": dossier.reference, "step": "recapitulatif"})
    dossier.refresh_from_db()
    reponse = client.post(recapitulatif, {"attestation_honneur": "on", "version": str(dossier.version)}, follow=True)
    recu["dépôt"] = contenu_de(reponse)
    dossier.refresh_from_db()
    assert dossier.statut == StatutDossier.DEPOSE

    # 4. Après le dépôt : chaque page et chaque fichier (récépissé PDF, documents envoyés).
    for nom, url in [*urls_sans_parametre(), *urls_du_dossier(dossier, pieces)]:
        recu[f"{nom} {url} (déposée)"] = contenu_de(client.get(url))

    # 5. Chaque courriel adressé à l'usager : sujet, texte et HTML.
    courriels = [m for m in mail.outbox if COURRIEL in m.to]
    assert len(courriels) >= 3  # invitation, vérification, accusé de réception
    for i, courriel in enumerate(courriels):
        parties = [courriel.subject, courriel.body, *(c for c, _ in getattr(courriel, "alternatives", []))]
        recu[f"courriel {i} « {courriel.subject} »"] = "\n".join(str(p) for p in parties)

    # Le test porte bien sur du contenu réel : la demande, le récépissé et l'accusé de réception.
    tout = "\n".join(recu.values())
    assert dossier.reference in recu[f"demande {reverse('usagers:demande', args=[dossier.reference])} (déposée)"]
    recepisse = reverse("usagers:recepisse", args=[dossier.reference])
    assert "Récépissé" in recu[f"recepisse {recepisse} (déposée)"]
    assert "12 rue des Lilas" in tout
    for source, contenu in recu.items():
        sans_sentinelle(source, contenu)


def test_controle_les_sentinelles_sont_bien_en_base_et_visibles_de_l_agent(client):
    declaration = declaration_avec_sentinelles()
    declaration = Declaration.objects.get(pk=declaration.pk)
    for champ, valeur in SENTINELLES.items():
        assert getattr(declaration, champ) == valeur
    client.force_login(declaration.agent)
    page = client.get(reverse("declarations:voir", args=[declaration.pk])).content.decode()
    assert SENTINELLES["service_enqueteur"] in page and NOM_PIECE in page

from django.urls import path

from precontentieux import views
from precontentieux.statistiques import NOMS_URL_CSV
from precontentieux.views import (
    agents,
    contentieux,
    decision,
    dossier,
    files,
    instruction,
    paiement,
    recherche,
    signature,
    statistiques,
)

app_name = "precontentieux"

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("files/<slug:cle>/", files.file_attente, name="file"),
    path("recherche/", recherche.recherche, name="recherche"),
    path("recherche/export.csv", recherche.export_csv, name="export_csv"),
    # Tableau de bord chiffré et un export CSV par tableau (precontentieux/views/statistiques.py)
    path("statistiques/", statistiques.tableau_de_bord, name="statistiques"),
    *(
        path(f"statistiques/{cle}.csv", statistiques.export_csv, {"cle": cle}, name=nom.partition(":")[2])
        for cle, nom in NOMS_URL_CSV.items()
    ),
    # Fiche dossier (precontentieux/views/dossier.py)
    path("dossiers/<str:reference>/", dossier.fiche, name="dossier"),
    path("dossiers/<str:reference>/notes/", dossier.ajouter_note, name="ajouter_note"),
    path("dossiers/<str:reference>/pieces/ajouter/", dossier.ajouter_piece, name="ajouter_piece"),
    path("dossiers/<str:reference>/pieces/<int:pk>/", dossier.piece, name="piece"),
    path("dossiers/<str:reference>/pieces/<int:pk>/apercu/", dossier.piece_apercu, name="piece_apercu"),
    path("dossiers/<str:reference>/declaration/pieces/<int:pk>/", dossier.piece_declaration, name="piece_declaration"),
    # Attribution et instruction (precontentieux/views/instruction.py)
    path("dossiers/<str:reference>/attribuer/", instruction.attribuer, name="attribuer"),
    path("dossiers/<str:reference>/reattribuer/", instruction.reattribuer, name="reattribuer"),
    path(
        "dossiers/<str:reference>/demander-des-complements/",
        instruction.demander_complements,
        name="demander_complements",
    ),
    path("dossiers/<str:reference>/ecrire-a-l-usager/", instruction.ecrire_usager, name="ecrire_usager"),
    path("dossiers/<str:reference>/reinviter/", instruction.reinviter, name="reinviter"),
    path("dossiers/<str:reference>/actions/<str:nom>/", instruction.action, name="action"),
    # Décision et courriers (precontentieux/views/decision.py)
    path(
        "dossiers/<str:reference>/proposer-une-indemnisation/",
        decision.proposer_indemnisation,
        name="proposer_indemnisation",
    ),
    path("dossiers/<str:reference>/proposer-un-rejet/", decision.proposer_rejet, name="proposer_rejet"),
    path("dossiers/<str:reference>/cloturer/", decision.cloturer, name="cloturer"),
    path("dossiers/<str:reference>/courriers/<int:pk>/", decision.courrier, name="courrier"),
    path(
        "dossiers/<str:reference>/courriers/<int:pk>/soumettre/",
        decision.soumettre_courrier,
        name="soumettre_courrier",
    ),
    path("dossiers/<str:reference>/courriers/<int:pk>/pdf/", decision.courrier_pdf, name="courrier_pdf"),
    # Signature par le validateur (precontentieux/views/signature.py)
    path("dossiers/<str:reference>/signer/", signature.signer, name="signer"),
    path("dossiers/<str:reference>/renvoyer/", signature.renvoyer, name="renvoyer"),
    # Paiement (precontentieux/views/paiement.py)
    path("dossiers/<str:reference>/arrete/preparer/", paiement.preparer_arrete, name="preparer_arrete"),
    path("dossiers/<str:reference>/paiement/dossier.zip", paiement.dossier_de_paiement, name="dossier_de_paiement"),
    path("dossiers/<str:reference>/paiement/transmettre/", paiement.transmettre_budget, name="transmettre_budget"),
    path("dossiers/<str:reference>/paiement/indemnise/", paiement.marquer_indemnise, name="marquer_indemnise"),
    # Contentieux : le dossier n'est jamais purgé (precontentieux/views/contentieux.py, docs/rgpd.md)
    path("dossiers/<str:reference>/contentieux/", contentieux.contentieux, name="contentieux"),
    # Gestion des agents, réservée aux gestionnaires (precontentieux/views/agents.py)
    path("agents/", agents.liste_agents, name="agents"),
    path("agents/en-attente/", agents.agents_en_attente, name="agents_en_attente"),
    path("agents/<int:pk>/", agents.fiche_agent, name="agent"),
    path("agents/<int:pk>/roles/", agents.roles_agent, name="agent_roles"),
    path("agents/<int:pk>/desactiver/", agents.desactiver_agent, name="agent_desactiver"),
    path("agents/<int:pk>/reactiver/", agents.reactiver_agent, name="agent_reactiver"),
    path("agents/<int:pk>/refuser/", agents.refuser_agent, name="agent_refuser"),
]

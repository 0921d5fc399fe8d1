from django.urls import path

from precontentieux import views
from precontentieux.views import decision, dossier, files, instruction, paiement, recherche, signature

app_name = "precontentieux"

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("files/<slug:cle>/", files.file_attente, name="file"),
    path("recherche/", recherche.recherche, name="recherche"),
    path("recherche/export.csv", recherche.export_csv, name="export_csv"),
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
]

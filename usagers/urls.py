from django.urls import path

from usagers import contact, decision, nouveau_lien, views
from usagers.demande import views as demande

app_name = "usagers"

urlpatterns = [
    path("", views.accueil, name="accueil"),
    # Avant `invitation/<jeton>/` : « nouveau-lien », « code-de-verification » ne sont jamais un jeton (43 caractères aléatoires).
    path("invitation/nouveau-lien/", nouveau_lien.nouveau_lien, name="nouveau_lien"),
    path("invitation/code-de-verification/", views.invitation_code, name="invitation_code"),
    path("invitation/<str:jeton>/", views.invitation, name="invitation"),
    path("demandes/", views.accueil, name="mes_demandes"),
    path("adresse-de-contact/", contact.adresse_contact, name="adresse_contact"),
    path("demandes/nouvelle/", views.nouvelle_demande, name="nouvelle_demande"),
    path("demandes/<str:reference>/", views.demande, name="demande"),
    path("demandes/<str:reference>/documents/<int:pk>/", views.piece, name="demande_piece"),
    path("demandes/<str:reference>/repondre/", views.repondre, name="repondre"),
    # Décision signée : lire, accepter ou refuser une proposition (usagers/decision.py).
    path("demandes/<str:reference>/decision/", decision.decision, name="decision"),
    path("demandes/<str:reference>/decision/accepter/", decision.accepter, name="accepter"),
    path("demandes/<str:reference>/decision/refuser/", decision.refuser, name="refuser"),
    # Demande de l'usager : assistant, enregistrement automatique, dépôt, documents, récépissé (usagers/demande/).
    path("demandes/<str:reference>/completer/", demande.completer, name="completer"),
    path("demandes/<str:reference>/completer/<str:step>/", demande.AssistantDemande.as_view(), name="completer_etape"),
    path("demandes/<str:reference>/brouillon/", demande.AssistantDemande.vue_brouillon(), name="brouillon_demande"),
    path("demandes/<str:reference>/deposee/", demande.deposee, name="demande_deposee"),
    path("demandes/<str:reference>/documents/ajouter/", demande.ajouter_pieces, name="ajouter_pieces"),
    path("demandes/<str:reference>/recepisse/", demande.recepisse, name="recepisse"),
    path("demandes/<str:reference>/courriers/<int:pk>/pdf/", demande.courrier_pdf, name="courrier_pdf"),
]

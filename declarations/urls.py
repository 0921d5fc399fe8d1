from django.urls import path

from declarations import documents, serruriers, views

app_name = "declarations"

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("declarations/nouvelle/", views.nouvelle, name="nouvelle"),
    path("mes-declarations/", views.mes_declarations, name="mes_declarations"),
    path("declarations/<int:pk>/", views.voir, name="voir"),
    path("declarations/<int:pk>/reprendre/", views.reprendre, name="reprendre"),
    path("declarations/<int:pk>/etape/<str:step>/", views.AssistantDeclaration.as_view(), name="etape"),
    path("declarations/<int:pk>/brouillon/", views.AssistantDeclaration.vue_brouillon(), name="brouillon"),
    path("declarations/<int:pk>/supprimer/", views.supprimer, name="supprimer"),
    path("declarations/<int:pk>/invitation/", views.inviter, name="inviter"),
    path("declarations/<int:pk>/reinviter/", views.reinviter, name="reinviter"),
    path("declarations/<int:pk>/pieces/<int:piece_pk>/", views.piece, name="piece"),
    path("requisition-serrurier/", serruriers.serruriers, name="serrurier"),
    path("mes-documents/", documents.liste, name="documents"),
    path("mes-documents/<slug:slug>/", documents.page, name="document"),
    path("mes-documents/<slug:slug>/pdf/", documents.telecharger, name="document_pdf"),
]

from django.urls import path

from precontentieux import views
from precontentieux.views import files, recherche

app_name = "precontentieux"

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("files/<slug:cle>/", files.file_attente, name="file"),
    path("recherche/", recherche.recherche, name="recherche"),
    path("recherche/export.csv", recherche.export_csv, name="export_csv"),
]

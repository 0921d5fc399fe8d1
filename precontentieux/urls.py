from django.urls import path

from precontentieux import views

app_name = "precontentieux"

urlpatterns = [
    path("", views.accueil, name="accueil"),
]

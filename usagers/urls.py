from django.urls import path

from usagers import views

app_name = "usagers"

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("invitation/<str:jeton>/", views.invitation, name="invitation"),
]

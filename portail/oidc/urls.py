from django.urls import path

from portail.oidc import views

app_name = "oidc"

urlpatterns = [
    path("<str:fournisseur>/connexion/", views.connexion, name="connexion"),
    path("<str:fournisseur>/retour/", views.retour, name="retour"),
    path("<str:fournisseur>/deconnexion/retour/", views.retour_deconnexion, name="retour_deconnexion"),
]

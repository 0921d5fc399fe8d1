from allauth.account import urls as allauth_urls
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from portail import courriels_dev, views

app_name = "portail"

urlpatterns_portail = [
    path("", views.accueil, name="accueil"),
    path("connexion/", views.connexion, name="connexion"),
    path("connexion/suite/", views.apres_connexion, name="apres_connexion"),
    path("deconnexion/", views.deconnexion, name="deconnexion"),
    path("agents/acces-en-attente/", views.acces_en_attente, name="acces_en_attente"),
    path("accessibilite/", views.accessibilite, name="accessibilite"),
    path("mentions-legales/", views.mentions_legales, name="mentions_legales"),
    path("donnees-personnelles/", views.donnees_personnelles, name="donnees_personnelles"),
    path("plan-du-site/", views.plan_du_site, name="plan_du_site"),
    path("qui-sommes-nous/", views.qui_sommes_nous, name="qui_sommes_nous"),
    # Développement seulement (DEBUG et courriels écrits en fichiers) ; 404 partout ailleurs.
    path("dev/courriels/", courriels_dev.courriels, name="courriels_dev"),
]

# Comptes par courriel (allauth), sans deux de ses pages, remplacées par un 404 (leurs noms restent
# résolubles) : un compte a une seule adresse, et un compte FranceConnect ou agent n'a pas de mot de passe.
PAGES_ALLAUTH_FERMEES = {"account_email", "account_set_password"}
urlpatterns_comptes = [
    path(str(motif.pattern), views.page_fermee, name=motif.name) if motif.name in PAGES_ALLAUTH_FERMEES else motif
    for motif in allauth_urls.urlpatterns
]

urlpatterns = [
    path("", include((urlpatterns_portail, "portail"))),
    path("oidc/", include("portail.oidc.urls")),
    path("compte/", include(urlpatterns_comptes)),
    path("forces-de-l-ordre/", include("declarations.urls")),
    path("mon-espace/", include("usagers.urls")),
    path("tester-mon-eligibilite/", include("usagers.eligibilite")),
    path("precontentieux/", include("precontentieux.urls")),
    path("faq/", include("faq.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "portail.views.erreur_403"
handler404 = "portail.views.erreur_404"
handler500 = "portail.views.erreur_500"

if settings.DEBUG:
    urlpatterns += [path("erreurs/<int:code>/", views.apercu_erreur)]

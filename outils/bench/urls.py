"""URL du banc : toutes celles du portail, plus `/banc/vue-nue/` (jamais montée hors du banc)."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path

from portail.urls import handler403, handler404, handler500  # noqa: F401
from portail.urls import urlpatterns as urlpatterns_portail

CHEMIN_VUE_NUE = "/banc/vue-nue/"


@login_not_required
def vue_nue(request):
    """La référence : une vue Django nue, derrière exactement les mêmes middlewares que les pages."""
    return HttpResponse("ok")


urlpatterns = [path(CHEMIN_VUE_NUE.strip("/") + "/", vue_nue, name="banc_vue_nue"), *urlpatterns_portail]

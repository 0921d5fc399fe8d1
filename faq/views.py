from django.contrib.auth.decorators import login_not_required
from django.shortcuts import get_object_or_404, render

from faq.models import Entree, Rubrique
from portail.cache import page_publique


@login_not_required
@page_publique
def liste(request):
    entrees = list(Entree.objects.visibles_par(request.user))
    rubriques = [
        (libelle, [e for e in entrees if e.rubrique == valeur])
        for valeur, libelle in (
            (Rubrique.FORCES_DE_L_ORDRE, "Pour les forces de l’ordre"),
            (Rubrique.PUBLIC, "Pour les usagers"),
        )
    ]
    return render(request, "faq/liste.html", {"rubriques": [(libelle, liste) for libelle, liste in rubriques if liste]})


@login_not_required
@page_publique
def detail(request, slug):
    # Une question réservée aux agents est un 404 pour le public, comme une question inexistante.
    entree = get_object_or_404(Entree.objects.visibles_par(request.user), slug=slug)
    return render(request, "faq/detail.html", {"entree": entree})

"""Listes paginées : un nombre de requêtes SQL constant (un COUNT, une page), quel que soit le volume."""

from django.core.paginator import Paginator

PAR_PAGE = 20


def paginer(request, objets, par_page=PAR_PAGE):
    """La page demandée (`?page=`), ramenée à la première ou à la dernière si le numéro est invalide.

    À afficher avec `{% include "composants/_pagination.html" with page_obj=… %}`.
    """
    paginator = Paginator(objets, par_page)
    page = paginator.get_page(request.GET.get("page"))
    page.pages_list = list(paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1))
    return page

LIENS_D_EVITEMENT = [
    {"link": "#content", "label": "Contenu"},
    {"link": "#menu-principal", "label": "Menu"},
    {"link": "#footer", "label": "Pied de page"},
]


def navigation(request):
    """Liens d'évitement communs à toutes les pages (attendus par `dsfr/base.html`)."""
    return {"skiplinks": LIENS_D_EVITEMENT}

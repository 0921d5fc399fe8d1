from django.apps import AppConfig


class PrecontentieuxConfig(AppConfig):
    name = "precontentieux"
    verbose_name = "Précontentieux"

    def ready(self):
        # Fonctions de contexte des courriers (`@contexte_pour`) : enregistrées au démarrage.
        from precontentieux import acceptation, decision, paiement  # noqa: F401

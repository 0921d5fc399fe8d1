from django.apps import AppConfig


class PortailConfig(AppConfig):
    name = "portail"
    verbose_name = "Portail"

    def ready(self):
        from . import saisie_conservee, signals  # noqa: F401
        from .cache import brancher_signaux

        brancher_signaux()

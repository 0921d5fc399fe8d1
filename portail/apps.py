from django.apps import AppConfig
from django.contrib.admin import apps as apps_admin


class PortailConfig(AppConfig):
    name = "portail"
    verbose_name = "Portail"

    def ready(self):
        from . import checks, saisie_conservee, signals  # noqa: F401
        from .cache import brancher_signaux

        brancher_signaux()


class AdminPortailConfig(apps_admin.AdminConfig):
    """L'admin de Django avec notre site : superutilisateurs seulement, connexion limitée et journalisée."""

    default = False  # PortailConfig reste la configuration de l'application `portail`
    default_site = "portail.admin_site.SiteAdministration"

from django.apps import AppConfig


class UsagersConfig(AppConfig):
    name = "usagers"
    verbose_name = "Espace usager"

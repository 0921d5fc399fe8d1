from django.apps import AppConfig


class UsagersConfig(AppConfig):
    name = "usagers"
    verbose_name = "Espace usager"

    def ready(self):
        from usagers import signals  # noqa: F401  (rattachement de l'invitation à la connexion)

from django.apps import AppConfig


class DeclarationsConfig(AppConfig):
    name = "declarations"
    verbose_name = "Déclarations des forces de l’ordre"

    def ready(self):
        # Règles de purge et anonymisation de la déclaration d'un dossier en fin de conservation (docs/rgpd.md).
        from declarations import rgpd  # noqa: F401

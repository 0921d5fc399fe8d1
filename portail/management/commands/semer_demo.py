import importlib

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from portail.db import analyser


def modules_demo():
    """Les modules `<application>.demo` des applications installées, dans l'ordre d'INSTALLED_APPS.

    Chaque application fournit ses propres données de démonstration : `portail` n'importe pas les autres.
    """
    for config in apps.get_app_configs():
        try:
            yield importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as erreur:
            if erreur.name != f"{config.name}.demo":
                raise


class Command(BaseCommand):
    help = (
        "Sème les données de démonstration de chaque application (agents MJ des personas locales, "
        "serruriers fictifs…). Simulation sans --wet-run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--wet-run", action="store_true", help="écrit réellement en base")

    def handle(self, *args, wet_run=False, **options):
        actions = []
        with transaction.atomic():
            for module in modules_demo():
                if hasattr(module, "semer"):
                    actions += module.semer()
            if not wet_run:
                transaction.set_rollback(True)
        if wet_run and actions:
            analyser()
        for action in actions:
            self.stdout.write(("" if wet_run else "[simulation] ") + action)
        if not actions:
            self.stdout.write("Données de démonstration déjà à jour.")
        elif not wet_run:
            self.stdout.write("Simulation : rien n’a été écrit (ajoutez --wet-run).")

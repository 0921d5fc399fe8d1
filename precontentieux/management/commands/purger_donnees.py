"""`manage.py purger_donnees` : le calendrier de conservation (docs/rgpd.md).

Par défaut (ou avec --dry-run) : SIMULATION, imprime ce qui serait supprimé ou anonymisé, ne touche à rien.
Avec --wet-run : applique (c'est ce que fait chaque nuit la tâche `purger_donnees_personnelles`).
"""

from django.core.management.base import BaseCommand, CommandError

from portail.planification import journaliser
from precontentieux.rgpd import REGLES, purger


class Command(BaseCommand):
    help = "Purges RGPD : simulation par défaut (--dry-run), application avec --wet-run."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Simulation : imprime la liste, ne modifie rien.")
        parser.add_argument("--wet-run", action="store_true", help="Applique les suppressions et anonymisations.")
        parser.add_argument("--regle", action="append", choices=sorted(REGLES), help="Seulement cette règle.")

    def handle(self, *args, dry_run=False, wet_run=False, regle=None, **options):
        if dry_run and wet_run:
            raise CommandError("Choisissez --dry-run (simulation) ou --wet-run (application), pas les deux.")
        simulation = not wet_run
        rapports = []

        @journaliser("precontentieux.purge_rgpd", simulation=simulation)
        def executer():
            rapports.append(purger(simulation=simulation, regles=regle))
            return rapports[0].compteurs()

        executer()
        self.stdout.write(rapports[0].texte())

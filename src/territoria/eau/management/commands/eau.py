"""`territoria eau …`: the water module's command line (evaluations print JSON)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Module eau : évaluations (JSON) et imports."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        ev = sub.add_parser("eval", help="rejoue des débits SCADA et écrit les alertes")
        ev.add_argument("--network", required=True)
        ev.add_argument("--flows", required=True)
        ev.add_argument("--levels")
        ev.add_argument("--training-flows")
        ev.add_argument("--training-leaks", help="fuites connues de l'année d'apprentissage")
        ev.add_argument("--output", required=True)
        ev.add_argument("--truth")
        ev.add_argument(
            "--pressures",
            help="pressions nocturnes (CSV, une colonne par nœud capteur) : classe les "
            "canalisations candidates de chaque alerte",
        )
        ev.add_argument("--method", choices=["cusum", "cusum_trend", "night_flow"], default="cusum")
        ev.add_argument(
            "--holidays",
            choices=["aucun", "fr", "fr-alsace-moselle"],
            default="aucun",
            help="jours fériés lus comme des dimanches (L-Town : aucun, son calendrier est inconnu)",
        )
        ev.add_argument(
            "--seasons",
            action="store_true",
            help="attendu saisonnier du débit de nuit, appris sur --training-flows (une autre "
            "année) ; désactivé par défaut : voir docs/eau.md",
        )
        rn = sub.add_parser("renewal-eval", help="classement des canalisations à renouveler")
        rn.add_argument("--mains", required=True)
        rn.add_argument("--breaks", required=True)
        rn.add_argument("--split-year", type=int, required=True)
        rn.add_argument("--horizon", type=int, default=5)
        rn.add_argument("--output", required=True)
        net = sub.add_parser("import-network", help="importe un modèle EPANET (.inp)")
        net.add_argument("inp")
        net.add_argument("--name", default="")
        net.add_argument(
            "--crs",
            choices=["local", "EPSG:2154", "EPSG:4326"],
            default="local",
            help="coordonnées du modèle : locales (schéma), Lambert-93 ou WGS 84 (carte)",
        )
        sc = sub.add_parser("import-scada", help="importe un export SCADA (CSV)")
        sc.add_argument("network", help="nom du réseau")
        sc.add_argument("csv")
        ql = sub.add_parser("import-limits", help="importe les limites de qualité (CSV)")
        ql.add_argument("csv")
        pv = sub.add_parser(
            "publish-volumes",
            help="publie (ou retire avec --off) les volumes mensuels d'un réseau en données ouvertes",
        )
        pv.add_argument("network", help="nom du réseau")
        pv.add_argument("--off", action="store_true", help="retire le réseau de la publication")
        qs = sub.add_parser("import-samples", help="importe des résultats d'analyses (CSV)")
        qs.add_argument("csv")

    def handle(self, *args, **options):
        action = options["action"]
        try:
            if action == "eval":
                self._eval(options)
            elif action == "renewal-eval":
                from territoria.eau import renewal

                result = renewal.evaluate(
                    options["mains"], options["breaks"], options["split_year"], options["horizon"]
                )
                Path(options["output"]).write_text(json.dumps(result, indent=2, ensure_ascii=False))
                self.stdout.write(json.dumps(result, ensure_ascii=False))
            elif action == "import-network":
                from territoria.eau.network import import_network

                found = import_network(options["inp"], name=options["name"], crs=options["crs"])
                self.stdout.write(
                    f"Réseau « {found.name} » importé : {found.counts}, "
                    f"{found.zones.count()} zones."
                )
            elif action == "import-scada":
                from territoria.eau.models import Network
                from territoria.eau.timeseries import import_csv

                found = Network.objects.filter(name=options["network"]).first()
                if found is None:
                    raise CommandError(f"Réseau inconnu : « {options['network']} ».")
                record = import_csv(found, options["csv"])
                self.stdout.write(f"{record.rows} lignes importées ({', '.join(record.sensors)}).")
                for warning in record.warnings:
                    self.stdout.write(f"  ! {warning}")
            elif action == "publish-volumes":
                self._publish_volumes(options)
            elif action == "import-limits":
                from territoria.eau.quality import import_limits

                self.stdout.write(f"{import_limits(options['csv'])} valeurs réglementaires.")
            elif action == "import-samples":
                from territoria.eau.quality import import_samples, skipped_text

                report: dict = {}
                count, bad = import_samples(options["csv"], report=report)
                skipped = skipped_text(report)
                self.stdout.write(
                    f"{count} résultats importés, {bad} non conformes"
                    + (f" ; {skipped}." if skipped else ".")
                )
        except ValueError as error:  # ScadaError, NetworkError, QualityError, RenewalError
            raise CommandError(str(error)) from None

    def _publish_volumes(self, options):
        from django.core.management import call_command
        from django.db import transaction

        from territoria.eau.models import Network
        from territoria.eau.publishing import monthly_rows

        found = Network.objects.filter(name=options["network"]).first()
        if found is None:
            raise CommandError(f"Réseau inconnu : « {options['network']} ».")
        publish = not options["off"]
        if publish and not monthly_rows(found):
            raise CommandError(
                f"Réseau « {found.name} » : aucune zone n'a de bilan déclaré et de mesures "
                "importées ; rien à publier."
            )
        with transaction.atomic():
            found.publish_volumes = publish
            found.save(update_fields=["publish_volumes", "updated_at"])
        # the portal's own command: publishes the dataset now if its rows changed
        call_command("opendata_refresh_modules", "eau-volumes-mensuels", stdout=self.stdout)

    def _eval(self, options):
        from territoria.eau import evaluation

        result = evaluation.run(
            options["network"],
            options["flows"],
            levels=options.get("levels"),
            training_flows=options.get("training_flows"),
            truth=options.get("truth"),
            method=options["method"],
            pressures=options.get("pressures"),
            calendar="" if options["holidays"] == "aucun" else options["holidays"],
            seasons=options.get("seasons", False),
        )
        score = result.pop("score", None)
        Path(options["output"]).write_text(json.dumps(result, indent=2, ensure_ascii=False))
        summary = {"alerts": len(result["alerts"]), "output": options["output"]}
        if score is not None:
            summary["score"] = score
        if options.get("training_leaks"):
            # Read (a faulty file is refused with its line) but not used: the weekly profile
            # already removes each training week's night level, and no year with both a leak
            # list and a truth to score on exists here to show that using it helps.
            leaks = evaluation.read_leaks(
                options["training_leaks"], evaluation.zone_of_pipes(options["network"])
            )
            summary["training_leaks"] = {
                "read": len(leaks),
                "used": False,
                "why": "le profil hebdomadaire retire déjà le niveau de nuit de chaque semaine "
                "d'apprentissage ; aucun jeu ne permet de mesurer un gain",
            }
        self.stdout.write(json.dumps(summary, ensure_ascii=False))

"""`territoria culture import|eval` — the observatory of access to culture from the shell.

territoria culture import [--folder DIR]          the shared data (communes, Muséofile, attendance)
territoria culture import --indicateurs FILE.csv   social indicators of the collectivité
territoria culture import --iris FILE.geojson      IRIS outlines of the collectivité
territoria culture import --reseau FILE.osm.pbf    road network (OpenStreetMap extract)
territoria culture import --gtfs FILE.zip          public-transport timetables (GTFS)
territoria culture eval totals                     visits per year and per département (JSON)
territoria culture eval access --epci 200023414    access per commune (JSON)
territoria culture eval impact --treated 7654005,7654006,7654010 --start 2016 --first 2008 --last 2018
territoria culture eval simulation --sims 500      bias and coverage of the estimator (JSON)
"""

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from territoria.culture import (
    access,
    evaluation,
    museums,
    network,
    reporting,
    services,
    territory,
    ticketing,
    transit,
)
from territoria.culture.errors import ImportProblem
from territoria.culture.models import Commune


class Command(BaseCommand):
    help = "Observatoire de l'accès à la culture : import des données et évaluations (JSON)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="importer les données")
        load.add_argument(
            "--folder", default=None, help="dossier des données (par défaut : données partagées)"
        )
        load.add_argument("--indicateurs", default=None, help="CSV d'indicateurs sociaux")
        load.add_argument(
            "--iris", default=None, help="contours IRIS de la collectivité (GeoJSON WGS 84)"
        )
        load.add_argument(
            "--reseau", default=None, help="extrait OpenStreetMap (.osm.pbf) : réseau routier"
        )
        load.add_argument(
            "--gtfs", default=None, help="horaires de transport en commun (GTFS .zip)"
        )
        load.add_argument("--lieux", default=None, help="CSV de lieux (bibliothèques, cinémas…)")
        load.add_argument(
            "--billetterie",
            default=None,
            help="CSV d'entrées par lieu, mois ou jour et catégorie tarifaire (lieu;date;categorie;entrees)",
        )
        run = sub.add_parser("eval", help="évaluer et imprimer le résultat en JSON")
        run.add_argument("target", choices=["totals", "access", "impact", "simulation", "quality"])
        run.add_argument("--epci", default="", help="SIREN de l'EPCI (access)")
        run.add_argument("--departement", default="", help="code du département (access)")
        run.add_argument("--indicator", default="", help="indicateur social des zones prioritaires")
        run.add_argument(
            "--treated", default="7654005,7654006,7654010", help="références des séries concernées"
        )
        run.add_argument("--start", type=int, default=2016)
        run.add_argument("--first", type=int, default=2008)
        run.add_argument("--last", type=int, default=2018)
        run.add_argument("--sims", type=int, default=500)
        run.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options):
        if options["action"] == "import":
            return self._import(options)
        started = time.perf_counter()
        target = options["target"]
        try:
            if target == "totals":
                output = {
                    "par_annee": reporting.totals_by_year(),
                    "par_departement": reporting.totals_by_departement_year(),
                }
            elif target == "quality":
                output = reporting.quality_summary()
            elif target == "access":
                output = self._access(options)
            elif target == "impact":
                output = evaluation.evaluate(
                    [r.strip() for r in options["treated"].split(",") if r.strip()],
                    options["first"],
                    options["start"],
                    options["last"],
                )
            else:
                output = evaluation.simulate_parametric(sims=options["sims"], seed=options["seed"])
        except (evaluation.EvaluationError, ImportProblem) as error:
            raise CommandError(str(error)) from None
        output = {
            "target": target,
            "seconds": round(time.perf_counter() - started, 3),
            "result": output,
        }
        self.stdout.write(json.dumps(output, ensure_ascii=False, indent=1, default=str))

    def _access(self, options):
        communes = Commune.objects.all()
        if options["epci"]:
            communes = communes.filter(epci_code=options["epci"])
        if options["departement"]:
            communes = communes.filter(departement=options["departement"])
        communes = list(communes)
        if not communes:
            raise CommandError(
                "Aucune commune importée pour ce territoire : lancez `territoria culture import`."
            )
        result = access.compute_access(communes, indicator=options["indicator"])
        return {
            "weights": result.weights,
            "radius_km": result.radius_km,
            "venues": result.venues,
            "notes": result.notes,
            "communes": [
                {
                    "code": r.code,
                    "nom": r.name,
                    "population": r.population,
                    "distance_km": round(r.nearest_km, 2),
                    "route_estimee_km": round(r.road_km, 2),
                    "minutes_estimees": round(r.minutes, 1),
                    "lieu_le_plus_proche": r.nearest_name,
                    "lieux_15km": r.venues_within,
                    "offre_100k": round(r.offer_per_100k, 2),
                    "tendance_pct_an": None if r.trend_pct is None else round(r.trend_pct, 2),
                    "indice": round(r.index, 4),
                    "rang": r.rank,
                    "prioritaire": r.priority,
                    "raison": r.reason,
                }
                for r in result.rows
            ],
        }

    def _import(self, options):
        try:
            if options["iris"]:
                result = territory.import_iris(Path(options["iris"]))
            elif options["reseau"]:
                result = network.import_network(Path(options["reseau"]))
            elif options["gtfs"]:
                result = transit.import_gtfs(Path(options["gtfs"]))
            elif options["indicateurs"]:
                result = territory.import_indicators(Path(options["indicateurs"]))
            elif options["lieux"]:
                result = museums.import_venues(Path(options["lieux"]))
            elif options["billetterie"]:
                result = ticketing.import_ticketing(Path(options["billetterie"]))
            else:
                folder = (
                    Path(options["folder"]) if options["folder"] else services.shared_culture_dir()
                )

                def show(share, message):
                    self.stderr.write(f"[{share:4.0%}] {message}")

                result = services.import_folder(folder, show)
        except ImportProblem as problem:
            raise CommandError(str(problem)) from None
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=1) + "\n")

"""`territoria mobilite …`: the mobility module's command line (evaluations write JSON)."""

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError


def _write(path: str, result: dict, stdout) -> None:
    text = json.dumps(result, indent=2, ensure_ascii=False, default=str)
    Path(path).write_text(text, encoding="utf-8")
    stdout.write(text)


def network_file(options, folder: Path) -> Path:
    """--net as it is, or --osm built by netconvert into `folder`."""
    from territoria.mobilite import network

    if options.get("net"):
        return Path(options["net"]).resolve()
    if options.get("osm"):
        target = folder / "reseau.net.xml"
        network.build_from_osm(Path(options["osm"]), target)
        return target
    raise CommandError("Donnez --net (réseau SUMO) ou --osm (extrait OpenStreetMap).")


def simulated_day(options, changes: list[dict]):
    """--day as a date, checked before anything is built: something must change that day."""
    from datetime import date

    from territoria.mobilite import profiles, simulation

    if options.get("school_zone") not in ("", *profiles.ZONES):
        raise CommandError(f"--school-zone : « {options['school_zone']} » inconnue (A, B ou C).")
    if not options.get("day"):
        return None
    try:
        day = date.fromisoformat(options["day"])
    except ValueError:
        raise CommandError(f"--day : « {options['day']} » n'est pas une date AAAA-MM-JJ.") from None
    if not simulation.in_force(changes, day):
        raise CommandError(
            f"Le {day:%d/%m/%Y}, aucune modification du scénario n'est en vigueur : rien à simuler."
        )
    return day


def day_summary(changes: list[dict], applied: list[dict], day, zone: str) -> dict:
    """The simulated day, its type (calendar of the flow analysis) and the dated changes."""
    from territoria.mobilite import profiles, simulation

    summary = {
        "day": day.isoformat() if day else None,
        "changes_applied": len(applied),
        "dated_changes": [
            {
                "type": c["type"],
                "what": c.get("worksite") or c.get("edge") or c.get("lane") or c.get("percent"),
                "from": c["from"],
                "to": c["to"],
                "in_force": c in applied,
            }
            for c in changes
            if simulation.change_dates(c)
        ],
    }
    if day is not None:
        holiday = profiles.french_holidays(day.year).get(day)
        summary["day_type"] = profiles.DAY_TYPES[profiles.day_type(day)] + (
            f" ({holiday})" if holiday else ""
        )
        summary["school_holidays"] = profiles.school_holiday(day, zone) if zone else None
    return summary


class Command(BaseCommand):
    help = "Module mobilité : évaluations sur SUMO (JSON), calage, accidents, feux."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sc = sub.add_parser("scenario-eval", help="un scénario comparé au réseau de base")
        sc.add_argument("--net")
        sc.add_argument("--osm")
        sc.add_argument("--changes", required=True, help="JSON : liste des modifications")
        sc.add_argument("--seeds", default="1,2,3")
        sc.add_argument("--duration", type=int, default=600)
        sc.add_argument("--period", type=float, default=2.0)
        sc.add_argument(
            "--od", help="matrice origine–destination (CSV origine;destination;vehicules)"
        )
        sc.add_argument("--zones", help="zones de la matrice (CSV zone;troncons)")
        sc.add_argument("--routes", help="demande d'un fichier d'itinéraires SUMO (.rou.xml)")
        sc.add_argument(
            "--day",
            help="jour simulé (AAAA-MM-JJ) : seules les modifications datées (chantiers, "
            "événements, variations de la demande) en vigueur ce jour-là s'appliquent",
        )
        sc.add_argument(
            "--school-zone", default="", help="zone de vacances scolaires (A, B ou C) du jour"
        )
        sc.add_argument(
            "--horizons",
            type=int,
            default=0,
            metavar="ITERATIONS",
            help="effets à court et à long terme : itérations de duaIterate.py pour les "
            "équilibres (0 : non calculés)",
        )
        sc.add_argument("--output", required=True)
        ca = sub.add_parser("calibrate-eval", help="calage de la demande sur des comptages")
        ca.add_argument("--net")
        ca.add_argument("--osm")
        ca.add_argument("--counts", required=True)
        ca.add_argument("--hour", type=int, default=8)
        ca.add_argument("--output", required=True)
        ac = sub.add_parser("accidents-eval", help="zones à risque d'un fichier BAAC")
        ac.add_argument("--caracteristiques", required=True)
        ac.add_argument("--usagers")
        ac.add_argument("--vehicules", help="fichier « véhicules » (vélos, deux-roues motorisés)")
        ac.add_argument(
            "--communes",
            help="GeoJSON des contours des communes (code INSEE), séparés par des virgules",
        )
        ac.add_argument(
            "--reseau",
            help="réseau SUMO géoréférencé (.net.xml) : place sur leur voie, d'après l'adresse, "
            "les accidents sans coordonnées (avec --communes)",
        )
        ac.add_argument("--radius", type=float, default=300)
        ac.add_argument(
            "--confidence", type=int, default=0, help="rééchantillonnages pour la confiance"
        )
        ac.add_argument("--output", required=True)
        rw = sub.add_parser("roadworks-eval", help="classe les calendriers de chantiers")
        rw.add_argument("--net")
        rw.add_argument("--osm")
        rw.add_argument(
            "--worksites",
            required=True,
            help="JSON : [{name, edges, days, earliest, latest}, …] (dates AAAA-MM-JJ)",
        )
        rw.add_argument("--seeds", default="1,2")
        rw.add_argument("--duration", type=int, default=600)
        rw.add_argument("--period", type=float, default=2.0)
        rw.add_argument("--output", required=True)
        sg = sub.add_parser("signals-eval", help="contrôleurs de feux sur les réseaux RESCO")
        sg.add_argument("rest", nargs=argparse.REMAINDER)

    def handle(self, *args, **options):
        from territoria.mobilite import (
            accidents,
            counts,
            network,
            od,
            roadworks,
            routes,
            simulation,
            sumo,
        )

        action = options["action"]
        folder = Path(tempfile.mkdtemp(prefix="mobilite-cli-"))
        started = time.perf_counter()
        try:
            if action == "scenario-eval":
                if options["horizons"] and not 2 <= options["horizons"] <= 50:
                    raise CommandError(
                        f"--horizons : de 2 à 50 itérations de l'équilibre, ou 0 "
                        f"({options['horizons']} donné)."
                    )
                changes = json.loads(options["changes"])
                day = simulated_day(options, changes)
                net = network_file(options, folder)
                names, counted, _ = network.elements(net)
                errors = simulation.validate_changes(SimpleNamespace(elements=names), changes)
                if errors:
                    raise CommandError(" ".join(errors))
                applied = simulation.in_force(changes, day)
                spec = simulation.RunSpec(
                    duration=options["duration"],
                    period=options["period"],
                    seeds=tuple(int(s) for s in options["seeds"].split(",")),
                    equilibrium_steps=options["horizons"],
                )
                if options.get("od"):
                    edge_names = {e[0] for e in names["edges"]}
                    zones = None
                    if options.get("zones"):
                        zpath = Path(options["zones"])
                        zones = od.parse_zones(
                            zpath.read_text(encoding="utf-8"), edge_names, zpath.name
                        )
                    opath = Path(options["od"])
                    spec.od = od.parse_matrix(
                        opath.read_text(encoding="utf-8"), edge_names, zones, opath.name
                    )
                    spec.zones = zones
                if options.get("routes"):
                    rpath = Path(options["routes"])
                    spec.routes = routes.parse_routes(
                        rpath.read_bytes(),
                        {e[0] for e in names["edges"]},
                        spec.duration,
                        rpath.name,
                    )
                result = simulation.run_scenario(net, applied, spec, folder / "runs")
                result.update(day_summary(changes, applied, day, options["school_zone"]))
                result["demand"] = (
                    "matrice origine–destination (od2trips)"
                    if spec.od
                    else f"fichier d'itinéraires ({len(spec.routes)} véhicules)"
                    if spec.routes
                    else "aléatoire (randomTrips.py)"
                )
                result.update(network=counted, sumo=sumo.version())
            elif action == "roadworks-eval":
                net = network_file(options, folder)
                names, counted, _ = network.elements(net)
                rows = json.loads(Path(options["worksites"]).read_text(encoding="utf-8"))
                sites = roadworks.parse_worksites(rows, {e[0]: e[2] for e in names["edges"]})
                spec = simulation.RunSpec(
                    duration=options["duration"],
                    period=options["period"],
                    seeds=tuple(int(s) for s in options["seeds"].split(",")),
                )
                cost = roadworks.sumo_cost(net, sites, spec, folder / "runs")
                result = roadworks.rank(sites, cost)
                result.update(network=counted, sumo=sumo.version(), seeds=list(spec.seeds))
            elif action == "calibrate-eval":
                net = network_file(options, folder)
                names, _, _ = network.elements(net)
                edges = {e[0] for e in names["edges"]}
                parquet = folder / "comptages.parquet"
                summary = counts.store_csv(
                    Path(options["counts"]), Path(options["counts"]).name, edges, parquet
                )
                counted = counts.counted_hour_files([str(parquet)], edges, options["hour"])
                if not counted:
                    raise CommandError("Aucun détecteur ne porte le nom d'un tronçon du réseau.")
                result = counts.calibrate(net, counted, folder)
                result.update(hour=options["hour"], warnings=summary["warnings"])
            elif action == "accidents-eval":
                layout, parsed, severity = accidents.parse_files(
                    Path(options["caracteristiques"]),
                    Path(options["usagers"]) if options.get("usagers") else None,
                    vehicles=Path(options["vehicules"]) if options.get("vehicules") else None,
                )
                placed = on_street = 0
                if options.get("reseau") and not options.get("communes"):
                    raise CommandError("--reseau demande aussi --communes (contours des communes).")
                if options.get("communes"):
                    outlines = {}
                    for path in options["communes"].split(","):
                        outlines.update(accidents.commune_outlines(Path(path)))
                    if options.get("reseau"):
                        on_street = accidents.locate_by_street(
                            parsed, outlines, Path(options["reseau"])
                        )
                    placed = accidents.locate_by_commune(
                        parsed, accidents.commune_points_of(outlines)
                    )
                rows = []
                for v in parsed:
                    worst, killed, hospitalised = severity.get(v["number"], (0, 0, 0))
                    rows.append(
                        SimpleNamespace(
                            **v, severity=worst, killed=killed, hospitalised=hospitalised
                        )
                    )
                zones = accidents.hotspots(rows, options["radius"])
                if options.get("confidence"):
                    accidents.confidence(rows, zones, options["radius"], options["confidence"])
                result = {
                    "layout": layout,
                    "accidents": len(rows),
                    "geocoded": sum(r.located == "gps" for r in rows),
                    "placed_on_street": on_street,
                    "placed_in_commune": placed,
                    "with_severity": sum(r.severity > 0 for r in rows),
                    "with_bicycle": sum(bool(r.bicycle) for r in rows),
                    "with_motorcycle": sum(bool(r.motorcycle) for r in rows),
                    "radius_m": options["radius"],
                    "hotspots": zones,
                }
            else:
                if "run_signals_eval" not in get_commands():
                    raise CommandError(
                        "Les contrôleurs de feux (commande run_signals_eval) ne sont pas installés."
                    )
                call_command("run_signals_eval", *options["rest"], stdout=self.stdout)
                return
        except (
            network.NetworkError,
            simulation.ScenarioError,
            counts.CountsError,
            accidents.AccidentError,
            roadworks.RoadworksError,
            od.ODError,
            routes.RoutesError,
            sumo.SumoError,
            json.JSONDecodeError,
        ) as error:
            raise CommandError(str(error)) from error
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        result["seconds"] = round(time.perf_counter() - started, 2)
        _write(options["output"], result, self.stdout)

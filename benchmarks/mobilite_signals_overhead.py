"""Overhead of Territoria's light controller against the plain SUMO simulation, per network.

    nice -n 19 env OMP_NUM_THREADS=1 PYTHONPATH=$PWD/src:$PWD python -m \
        benchmarks.mobilite_signals_overhead --seed 0 --scale 1.0 --reps 2 \
        --output benchmarks/results/mobilite_signals_overhead.json

For each RESCO network, in the same run and one after the other (never two at once), `reps`
times in turn:

- `plain`: the `sumo` binary with the network's own programs (SUMO's own speed, the yardstick of
  issue 14), CPU of the child process (`getrusage`);
- `libsumo`: the same programs stepped through libsumo from Python with the controller's
  detectors and no controller (what driving SUMO live costs before any decision);
- `territoria`: Territoria's controller through libsumo (`evaluate.run_one`), CPU of this
  process — loading, SUMO's steps and the decisions, split by the wall clock of each part;
- `territoria_previous` (with `--previous-controllers FILE`, a `controllers.py` of an earlier
  commit, e.g. `git show COMMIT:src/territoria/mobilite/signals/controllers.py > PREV.py`): the
  same run with that code, interleaved, so that a change of the controller's cost is measured
  under the same load (its delay is written next to the current one).

CPU time is the primary figure (the machine is shared: wall times mostly measure the others'
load, reported with the load average). Per arm the minimum over the repetitions is kept (the
least disturbed run) and the median is written next to it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.mobilite_signals_previous import load_controllers

os.environ.setdefault("OMP_NUM_THREADS", "1")

from territoria.mobilite.signals import evaluate as ev
from territoria.mobilite.signals.sumoenv import RESCO_NETWORKS, binary, resco, sumo_home


def _libsumo_only(network: str, seed: int, scale: float) -> dict:
    import libsumo as sim

    sc = resco(network)
    with tempfile.TemporaryDirectory(prefix="territoria-ovh-") as tmp:
        args = ev.sumo_args(
            sc, seed, scale, Path(tmp) / "tripinfo.xml", additional=ev.detectors_additional(sc)
        )
        t0, c0 = time.perf_counter(), time.process_time()
        sim.start([binary("sumo"), *args])
        now = sim.simulation.getTime()
        while now < sc.end:
            sim.simulationStep()
            now = sim.simulation.getTime()
        sim.close()
        return {"cpu_s": time.process_time() - c0, "wall_s": time.perf_counter() - t0}


def _territoria(network: str, seed: int, scale: float, module=None) -> dict:
    """`run_one` with the current controllers, or with `module` in their place."""
    import territoria.mobilite.signals as pkg

    current = pkg.controllers
    if module is not None:
        pkg.controllers = module
    try:
        r = ev.run_one(network, "territoria", seed=seed, scale=scale)
    finally:
        pkg.controllers = current
    out = {k: r[k] for k in ("cpu_s", "wall_s", "sim_cpu_s", "controller_cpu_s", "delay")}
    # "mypyc" (compiled controllers.py) or "python"
    return {**out, "controller_impl": r.get("controller_impl", "python")}


def _arm(runs: list[dict], key: str) -> dict:
    values = [r[key] for r in runs]
    return {"min": round(min(values), 3), "median": round(statistics.median(values), 3)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="mobilite_signals_overhead")
    parser.add_argument("--networks", default=",".join(RESCO_NETWORKS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--previous-controllers", default=None, help="controllers.py d'avant")
    parser.add_argument("--output", required=True)
    opts = parser.parse_args(argv)
    sumo_home()
    previous = None
    if opts.previous_controllers:
        previous = load_controllers(opts.previous_controllers)
    networks = [n.strip() for n in opts.networks.split(",") if n.strip()]
    runs: dict[str, dict[str, list[dict]]] = {
        n: {"plain": [], "libsumo": [], "territoria": [], "territoria_previous": []}
        for n in networks
    }
    loads: list[float] = []
    t0 = time.perf_counter()
    for rep in range(opts.reps):
        for n in networks:
            loads.append(os.getloadavg()[0])
            plain = ev.run_one(n, "fixed", seed=opts.seed, scale=opts.scale)
            runs[n]["plain"].append({"cpu_s": plain["cpu_s"], "wall_s": plain["wall_s"]})
            runs[n]["libsumo"].append(_libsumo_only(n, opts.seed, opts.scale))
            terr = _territoria(n, opts.seed, opts.scale)
            runs[n]["territoria"].append(terr)
            if previous is not None:
                runs[n]["territoria_previous"].append(
                    _territoria(n, opts.seed, opts.scale, previous)
                )
            print(
                f"{rep} {n}: plain {plain['cpu_s']:.2f} s CPU, libsumo "
                f"{runs[n]['libsumo'][-1]['cpu_s']:.2f}, territoria {terr['cpu_s']:.2f} "
                f"(decisions {terr['controller_cpu_s']:.2f})"
                + (
                    f", previous {runs[n]['territoria_previous'][-1]['cpu_s']:.2f} (decisions "
                    f"{runs[n]['territoria_previous'][-1]['controller_cpu_s']:.2f})"
                    if previous is not None
                    else ""
                )
                + f", load {loads[-1]:.1f}",
                flush=True,
            )
    summary = {}
    for n, arms in runs.items():
        plain = _arm(arms["plain"], "cpu_s")
        terr = _arm(arms["territoria"], "cpu_s")
        lib = _arm(arms["libsumo"], "cpu_s")
        decisions = _arm(arms["territoria"], "controller_cpu_s")
        steps = _arm(arms["territoria"], "sim_cpu_s")
        summary[n] = {
            "plain_sumo_cpu_s": plain,
            "libsumo_no_controller_cpu_s": lib,
            "territoria_cpu_s": terr,
            "territoria_steps_cpu_s": steps,
            "territoria_decisions_cpu_s": decisions,
            # the whole Territoria run against plain sumo (min against min)
            "territoria_overhead_vs_plain_cpu_pct": round(
                100 * (terr["min"] - plain["min"]) / plain["min"], 1
            ),
            # the decisions alone, in percent of the plain simulation
            "decisions_vs_plain_cpu_pct": round(100 * decisions["min"] / plain["min"], 1),
            # driving SUMO through libsumo without any decision
            "libsumo_overhead_vs_plain_cpu_pct": round(
                100 * (lib["min"] - plain["min"]) / plain["min"], 1
            ),
            "territoria_overhead_vs_plain_wall_pct": round(
                100
                * (_arm(arms["territoria"], "wall_s")["min"] - _arm(arms["plain"], "wall_s")["min"])
                / _arm(arms["plain"], "wall_s")["min"],
                1,
            ),
            "delay_s": arms["territoria"][0]["delay"],
        }
        if arms["territoria_previous"]:
            prev = _arm(arms["territoria_previous"], "cpu_s")
            summary[n].update(
                {
                    "previous_cpu_s": prev,
                    "previous_decisions_cpu_s": _arm(
                        arms["territoria_previous"], "controller_cpu_s"
                    ),
                    "previous_overhead_vs_plain_cpu_pct": round(
                        100 * (prev["min"] - plain["min"]) / plain["min"], 1
                    ),
                    "previous_delay_s": arms["territoria_previous"][0]["delay"],
                }
            )
    out = {
        "benchmark": "mobilite_signals_overhead",
        "seed": opts.seed,
        "demand_scale": opts.scale,
        "reps": opts.reps,
        "summary": summary,
        "runs": runs,
        "load_average_1min": {"min": min(loads), "max": max(loads)},
        "cpus": os.cpu_count(),
        "seconds": round(time.perf_counter() - t0, 1),
        "command": "OMP_NUM_THREADS=1 python -m benchmarks.mobilite_signals_overhead"
        + "".join(" " + a for a in argv),
    }
    Path(opts.output).write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    for n, s in summary.items():
        print(
            f"{n:12s} plain {s['plain_sumo_cpu_s']['min']:.2f}  libsumo "
            f"{s['libsumo_no_controller_cpu_s']['min']:.2f}  territoria "
            f"{s['territoria_cpu_s']['min']:.2f} ({s['territoria_overhead_vs_plain_cpu_pct']:+.1f} %)"
            f"  decisions {s['decisions_vs_plain_cpu_pct']:.1f} % of plain"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Instructions executed by Territoria's decisions, counted by valgrind: a figure the machine's
load does not move (CPU times on the shared 2-core machine vary by ±10 % between two runs of the
same code), for comparing the current `controllers.py` with an earlier one.

    nice -n 19 env OMP_NUM_THREADS=1 PYTHONPATH=$PWD/src:$PWD python -m \
        benchmarks.mobilite_signals_decision_instructions --network cologne8 --seed 0 \
        --previous-controllers PREV.py \
        --output benchmarks/results/mobilite_signals_decision_instructions.json

Each arm is one fresh process under `valgrind --tool=callgrind` (≈ 3 min for cologne8's hour):
libsumo runs the network with the controller, whose `step` is called through `operator.call`,
and callgrind counts only inside that call (`--toggle-collect=_operator_call`, a function the
controller never uses) — the Python of the decisions and the libsumo readings they make, not
SUMO's own steps. The greens log is hashed in each arm: a count compares the same decisions.
`--parallel` runs the two arms at once (ingolstadt21's hour takes ≈ 20 min an arm under
valgrind); the counts are the same either way.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.mobilite_signals_previous import load_controllers

os.environ.setdefault("OMP_NUM_THREADS", "1")


def _one(network: str, seed: int, scale: float, controllers: str | None) -> dict:
    """One run in this process, `step` called through `operator.call`."""
    import operator

    import libsumo as sim

    from territoria.mobilite.signals import controllers as ctl
    from territoria.mobilite.signals import evaluate as ev
    from territoria.mobilite.signals.sumoenv import binary, resco, sumo_home

    if controllers:
        ctl = load_controllers(controllers)
    sumo_home()
    sc = resco(network)
    with tempfile.TemporaryDirectory(prefix="territoria-instr-") as tmp:
        args = ev.sumo_args(
            sc, seed, scale, Path(tmp) / "t.xml", additional=ev.detectors_additional(sc)
        )
        sim.start([binary("sumo"), *args])
        try:
            c = ctl.TerritoriaController(sim, ctl.TerritoriaParams())
            c.setup()
            now = sim.simulation.getTime()
            call = operator.call
            while now < sc.end:
                sim.simulationStep()
                now = sim.simulation.getTime()
                call(c.step, now)
            c.close(now)
            log = [(m.inter.tls_id, m.greens_log) for m in c.machines]
        finally:
            sim.close()
    return {
        "greens_sha256": hashlib.sha256(json.dumps(log).encode()).hexdigest(),
        # "mypyc" (compiled controllers.py) or "python"
        "controller_impl": getattr(ctl, "IMPLEMENTATION", "python"),
    }


def _counted(network: str, seed: int, scale: float, controllers: str | None) -> dict:
    """One arm under callgrind: the instructions inside `step`, and the greens log's hash."""
    with tempfile.TemporaryDirectory(prefix="territoria-cg-") as tmp:
        cmd = [
            "valgrind",
            "--tool=callgrind",
            "--collect-atstart=no",
            "--toggle-collect=_operator_call",
            f"--callgrind-out-file={tmp}/callgrind.out",
            sys.executable,
            "-m",
            "benchmarks.mobilite_signals_decision_instructions",
            "--one",
            f"{network}:{seed}:{scale}",
        ]
        if controllers:
            cmd += ["--controllers", controllers]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
        found = re.search(r"Collected : (\d+)", proc.stderr)
        if found is None:
            raise RuntimeError(proc.stderr[-2000:])
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        result["instructions"] = int(found.group(1))
        result["wall_s"] = round(time.perf_counter() - t0, 1)
        return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="mobilite_signals_decision_instructions")
    parser.add_argument("--network", default="cologne8")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--previous-controllers", default=None)
    parser.add_argument("--output", default=None)
    # both arms at once (two processes): an instruction count does not depend on the load
    parser.add_argument("--parallel", action="store_true")
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--controllers", default=None, help=argparse.SUPPRESS)
    opts = parser.parse_args(argv)
    if opts.one:
        network, seed, scale = opts.one.split(":")
        print(json.dumps(_one(network, int(seed), float(scale), opts.controllers)))
        return 0
    if not (opts.previous_controllers and opts.output):
        parser.error("--previous-controllers et --output sont requis")
    t0 = time.perf_counter()
    arms = (opts.previous_controllers, None)
    if opts.parallel:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(2) as pool:
            previous, current = pool.map(
                lambda ctl: _counted(opts.network, opts.seed, opts.scale, ctl), arms
            )
    else:
        previous, current = (_counted(opts.network, opts.seed, opts.scale, c) for c in arms)
    same = previous["greens_sha256"] == current["greens_sha256"]
    out = {
        "benchmark": "mobilite_signals_decision_instructions",
        "network": opts.network,
        "seed": opts.seed,
        "demand_scale": opts.scale,
        "same_greens": same,
        "previous": previous,
        "current": current,
        "change_pct": round(
            100 * (current["instructions"] - previous["instructions"]) / previous["instructions"],
            1,
        ),
        "seconds": round(time.perf_counter() - t0, 1),
        "load_average_1min_end": os.getloadavg()[0],
        "command": "OMP_NUM_THREADS=1 python -m benchmarks.mobilite_signals_decision_instructions"
        + "".join(" " + a for a in argv),
    }
    Path(opts.output).write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    print(
        f"{opts.network}: previous {previous['instructions']:,} instructions, current "
        f"{current['instructions']:,} ({out['change_pct']:+.1f} %), "
        + ("same greens" if same else "DIFFERENT greens")
    )
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

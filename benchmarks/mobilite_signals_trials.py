"""Development trials of Territoria's light controller on one RESCO network (dev seeds only).

    nice -n 19 env OMP_NUM_THREADS=1 PYTHONPATH=$PWD/src:$PWD python -m \
        benchmarks.mobilite_signals_trials --network ingolstadt21 --seeds 0,3 --scales 0.8,1.2 \
        --variants '{"courant": {}, "feed_gate": {"feed_gate": true}}' --with-actuated \
        --output benchmarks/results/mobilite_signals_trials.json

Each variant is a set of `TerritoriaParams` overrides; every (seed, scale) is run for each
variant and, with --with-actuated, for SUMO's actuated control in the same run (the
reference). The seeds given here are development seeds: the held-out seed (2) must not be
used to choose a variant (benchmarks/mobilite_signals.py reports it).

Code against code: `--variant-controllers '{"actuel": "benchmarks/PREV.py"}'` runs the variant
"actuel" with that earlier `controllers.py` (e.g. `git show COMMIT:src/territoria/mobilite/
signals/controllers.py > benchmarks/PREV.py`), the others with the current code, each run in
its own process; `--baselines fixed,webster,actuated,max_pressure` runs those controllers too,
in the same run (--with-actuated: `--baselines actuated`). `--held-out-once`: the held-out seeds
(1, 2), allowed only there, once a change is decided on the development seeds (the figures are
reported as they come, nothing is chosen on them).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from benchmarks.mobilite_signals_previous import use_controllers

os.environ.setdefault("OMP_NUM_THREADS", "1")

from territoria.mobilite.signals.evaluate import BASELINES, _pool, run_one

HELD_OUT_SEEDS = {1, 2}


def _run(network, controller, seed, scale, params, controllers_file):
    """`run_one`, with an earlier `controllers.py` in place of the current one when given (in
    the worker process: one fresh process per run)."""
    if controllers_file:
        use_controllers(controllers_file)
    return run_one(network, controller, seed, scale, None, params)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="mobilite_signals_trials")
    parser.add_argument("--network", default="ingolstadt21", help="one or several, commas")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--scales", default="0.8,1.2")
    parser.add_argument("--variants", default='{"courant": {}}')
    parser.add_argument("--with-actuated", action="store_true")
    parser.add_argument("--baselines", default="", help="fixed,webster,actuated,max_pressure")
    parser.add_argument("--variant-controllers", default="{}", help='{"variant": "PREV.py"}')
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--held-out-once", action="store_true", help="graines réservées 1, 2")
    parser.add_argument("--output", required=True)
    opts = parser.parse_args(argv)
    seeds = [int(s) for s in opts.seeds.split(",")]
    if opts.held_out_once:
        if set(seeds) - HELD_OUT_SEEDS:
            parser.error(
                f"--held-out-once : graines réservées seulement ({sorted(HELD_OUT_SEEDS)})"
            )
    elif HELD_OUT_SEEDS & set(seeds):
        parser.error(f"graines réservées ({sorted(HELD_OUT_SEEDS)}) : pas de réglage dessus")
    scales = [float(s) for s in opts.scales.split(",")]
    variants = json.loads(opts.variants)
    variant_controllers = json.loads(opts.variant_controllers)
    if set(variant_controllers) - set(variants):
        parser.error(f"variantes inconnues : {sorted(set(variant_controllers) - set(variants))}")
    baselines = [b for b in opts.baselines.split(",") if b]
    if opts.with_actuated and "actuated" not in baselines:
        baselines.insert(0, "actuated")
    if set(baselines) - set(BASELINES):
        parser.error(
            f"contrôleurs de référence inconnus : {sorted(set(baselines) - set(BASELINES))}"
        )
    tasks = []
    for network in opts.network.split(","):
        for seed in seeds:
            for scale in scales:
                for b in baselines:
                    tasks.append((network, b, b, None, seed, scale, None))
                for name, params in variants.items():
                    tasks.append(
                        (
                            network,
                            name,
                            "territoria",
                            params,
                            seed,
                            scale,
                            variant_controllers.get(name),
                        )
                    )
    t0 = time.perf_counter()
    rows = []
    # one fresh process per run (as `evaluate`): libsumo keeps some state from one run to the
    # next in a process — cologne1 g3 × 1.2, the same run four times in one process: 30.11,
    # 30.11, 30.11 s, then 31.22 after a × 0.8 run
    with _pool(opts.jobs) as pool:
        futures = [
            (network, name, seed, scale, pool.submit(_run, network, c, seed, scale, p, f))
            for network, name, c, p, seed, scale, f in tasks
        ]
        for network, name, seed, scale, fut in futures:
            r = fut.result()
            rows.append(
                {
                    "network": network,
                    "variant": name,
                    "seed": seed,
                    "scale": scale,
                    "controllers_file": (
                        variant_controllers.get(name) if name in variants else None
                    ),
                    **{
                        k: r.get(k)
                        for k in (
                            "delay",
                            "teleports",
                            "arrived",
                            "unfinished",
                            "wall_s",
                            "cpu_s",
                            "sim_cpu_s",
                            "controller_cpu_s",
                        )
                    },
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    out = {
        "benchmark": "mobilite_signals_trials",
        "network": opts.network,
        "split": (
            "held-out seeds, run once after the decision"
            if opts.held_out_once
            else "development seeds only"
        ),
        "variants": variants,
        "variant_controllers": variant_controllers,
        "baselines": baselines,
        "runs": rows,
        "seconds": round(time.perf_counter() - t0, 1),
        "command": "python -m benchmarks.mobilite_signals_trials " + " ".join(argv),
    }
    Path(opts.output).write_text(json.dumps(out, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

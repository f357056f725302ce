"""Development trials of Territoria's light controller on one RESCO network (dev seeds only).

    nice -n 19 env OMP_NUM_THREADS=1 PYTHONPATH=$PWD/src:$PWD python -m \
        benchmarks.mobilite_signals_trials --network ingolstadt21 --seeds 0,3 --scales 0.8,1.2 \
        --variants '{"courant": {}, "feed_gate": {"feed_gate": true}}' --with-actuated \
        --output benchmarks/results/mobilite_signals_trials.json

Each variant is a set of `TerritoriaParams` overrides; every (seed, scale) is run for each
variant and, with --with-actuated, for SUMO's actuated control in the same run (the
reference). The seeds given here are development seeds: the held-out seed (2) must not be
used to choose a variant (benchmarks/mobilite_signals.py reports it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from territoria.mobilite.signals.evaluate import _pool, run_one

HELD_OUT_SEEDS = {1, 2}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="mobilite_signals_trials")
    parser.add_argument("--network", default="ingolstadt21", help="one or several, commas")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--scales", default="0.8,1.2")
    parser.add_argument("--variants", default='{"courant": {}}')
    parser.add_argument("--with-actuated", action="store_true")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--output", required=True)
    opts = parser.parse_args(argv)
    seeds = [int(s) for s in opts.seeds.split(",")]
    if HELD_OUT_SEEDS & set(seeds):
        parser.error(f"graines réservées ({sorted(HELD_OUT_SEEDS)}) : pas de réglage dessus")
    scales = [float(s) for s in opts.scales.split(",")]
    variants = json.loads(opts.variants)
    tasks = []
    for network in opts.network.split(","):
        for seed in seeds:
            for scale in scales:
                if opts.with_actuated:
                    tasks.append((network, "actuated", "actuated", None, seed, scale))
                for name, params in variants.items():
                    tasks.append((network, name, "territoria", params, seed, scale))
    t0 = time.perf_counter()
    rows = []
    # one fresh process per run (as `evaluate`): libsumo keeps some state from one run to the
    # next in a process — cologne1 g3 × 1.2, the same run four times in one process: 30.11,
    # 30.11, 30.11 s, then 31.22 after a × 0.8 run
    with _pool(opts.jobs) as pool:
        futures = [
            (network, name, seed, scale, pool.submit(run_one, network, c, seed, scale, None, p))
            for network, name, c, p, seed, scale in tasks
        ]
        for network, name, seed, scale, fut in futures:
            r = fut.result()
            rows.append(
                {
                    "network": network,
                    "variant": name,
                    "seed": seed,
                    "scale": scale,
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
        "split": "development seeds only",
        "variants": variants,
        "runs": rows,
        "seconds": round(time.perf_counter() - t0, 1),
        "command": "python -m benchmarks.mobilite_signals_trials " + " ".join(argv),
    }
    Path(opts.output).write_text(json.dumps(out, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

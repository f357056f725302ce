"""The held-out configurations of one RESCO network, run once a controller change is chosen.

    nice -n 19 env OMP_NUM_THREADS=1 PYTHONPATH=$PWD/src:$PWD python -m \\
        benchmarks.mobilite_signals_heldout_once --network ingolstadt21 \\
        --configs 2:0.8,2:1.2,1:1.0 --candidate '{"short_exit_full": true}' \\
        --output benchmarks/results/mobilite_signals_heldout_mob14q_i21.json

Per (seed, scale): SUMO's actuated control, Territoria as it is (defaults) and Territoria with
the `--candidate` overrides chosen on the development seeds, one after the other in the same
run, each in a fresh process. Nothing is chosen here: the figures are reported as they come.
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

KEYS = ("delay", "teleports", "arrived", "unfinished", "wall_s", "cpu_s", "controller_cpu_s")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="mobilite_signals_heldout_once")
    parser.add_argument("--network", default="ingolstadt21")
    parser.add_argument("--configs", default="2:0.8,2:1.2,1:1.0", help="graine:échelle,…")
    parser.add_argument("--candidate", required=True, help="réglages du candidat (JSON)")
    parser.add_argument("--output", required=True)
    opts = parser.parse_args(argv)
    candidate = json.loads(opts.candidate)
    arms = [("actuated", "actuated", None), ("territoria", "territoria", None)]
    arms.append(("candidat", "territoria", candidate))
    t0 = time.perf_counter()
    rows = []
    for config in opts.configs.split(","):
        seed, scale = config.split(":")
        for name, controller, params in arms:
            # a fresh process per run: libsumo keeps some state from one run to the next
            with _pool(1) as pool:
                fut = pool.submit(
                    run_one, opts.network, controller, int(seed), float(scale), None, params
                )
                r = fut.result()
            rows.append(
                {
                    "arm": name,
                    "seed": int(seed),
                    "scale": float(scale),
                    **{k: r.get(k) for k in KEYS},
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    out = {
        "benchmark": "mobilite_signals_heldout_once",
        "network": opts.network,
        "split": "held-out seeds, run once after the choice (nothing chosen on them)",
        "candidate": candidate,
        "runs": rows,
        "seconds": round(time.perf_counter() - t0, 1),
        "command": "python -m benchmarks.mobilite_signals_heldout_once " + " ".join(argv),
    }
    Path(opts.output).write_text(json.dumps(out, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

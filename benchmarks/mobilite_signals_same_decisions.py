"""Same decisions: Territoria's controller with the current code and with an earlier
`controllers.py`, configuration by configuration, compared by the full log of greens.

    nice -n 19 env OMP_NUM_THREADS=1 PYTHONPATH=$PWD/src:$PWD python -m \
        benchmarks.mobilite_signals_same_decisions --previous-controllers PREV.py \
        --configs cologne8:0:1.0,cologne3:3:0.8 [--params '{"lane_max_green": true}'] \
        --output benchmarks/results/mobilite_signals_same_decisions.json

`PREV.py`: e.g. `git show COMMIT:src/territoria/mobilite/signals/controllers.py > PREV.py`. A
configuration is `network:seed:scale` (development seeds only: 0 and 3 to 5). The log of greens
(phase, start, end of every green of every signal) is hashed; the RESCO delay is written next
to it. Each run is a fresh process: two libsumo runs of the same configuration in one process
can differ (cologne1 seed 3 × 0.8, same code, one after the other: 14.87 then 14.61 s), so a
comparison inside one process would mix the code's effect with that one.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.mobilite_signals_previous import use_controllers

os.environ.setdefault("OMP_NUM_THREADS", "1")


def _one(config: str, controllers: str | None, params: dict | None) -> dict:
    """One run in this process: the hash of its greens log and its delay."""
    from territoria.mobilite.signals import evaluate as ev

    if controllers:
        use_controllers(controllers)
    network, seed, scale = config.split(":")
    with tempfile.TemporaryDirectory(prefix="territoria-same-") as tmp:
        greens = Path(tmp) / "greens.json"
        r = ev.run_one(
            network,
            "territoria",
            seed=int(seed),
            scale=float(scale),
            params=params,
            plans_out=str(greens),
        )
        log = json.loads(greens.read_text())
    return {
        "greens_sha256": hashlib.sha256(json.dumps(log, sort_keys=True).encode()).hexdigest(),
        "greens": sum(len(v["greens"]) for v in log.values()),
        "delay_s": r["delay"],
        "decisions_cpu_s": r["controller_cpu_s"],
        # "mypyc" (compiled controllers.py) or "python"
        "controller_impl": r.get("controller_impl", "python"),
    }


def _fresh(config: str, controllers: str | None, params: dict | None) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.mobilite_signals_same_decisions", "--one", config]
    if controllers:
        cmd += ["--controllers", controllers]
    if params:
        cmd += ["--params", json.dumps(params)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="mobilite_signals_same_decisions")
    parser.add_argument("--configs", default="")
    parser.add_argument("--previous-controllers", default=None)
    parser.add_argument("--params", default=None)
    parser.add_argument("--output", default=None)
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--controllers", default=None, help=argparse.SUPPRESS)
    opts = parser.parse_args(argv)
    params = json.loads(opts.params) if opts.params else None
    if opts.one:
        print(json.dumps(_one(opts.one, opts.controllers, params)))
        return 0
    if not (opts.configs and opts.previous_controllers and opts.output):
        parser.error("--configs, --previous-controllers et --output sont requis")
    t0 = time.perf_counter()
    rows = []
    for config in [c.strip() for c in opts.configs.split(",") if c.strip()]:
        previous = _fresh(config, opts.previous_controllers, params)
        current = _fresh(config, None, params)
        same = previous["greens_sha256"] == current["greens_sha256"]
        rows.append({"config": config, "same": same, "previous": previous, "current": current})
        print(
            f"{config}: {'same' if same else 'DIFFERENT'} greens ({current['greens']}), delay "
            f"{previous['delay_s']} / {current['delay_s']} s, decisions CPU "
            f"{previous['decisions_cpu_s']} / {current['decisions_cpu_s']} s",
            flush=True,
        )
    out = {
        "benchmark": "mobilite_signals_same_decisions",
        "params": params,
        "all_same": all(r["same"] for r in rows),
        "rows": rows,
        "seconds": round(time.perf_counter() - t0, 1),
        "load_average_1min_end": os.getloadavg()[0],
        "command": "OMP_NUM_THREADS=1 python -m benchmarks.mobilite_signals_same_decisions"
        + "".join(" " + a for a in argv),
    }
    Path(opts.output).write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    print("all the same" if out["all_same"] else "SOME DIFFER")
    return 0 if out["all_same"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Time-of-day plans replayed as fixed time: Webster's plans from counted flows (plans.py) against
the previous derivation (observed cycle and greens) and the network's own fixed programs, all
from the same adaptive run, for the rule of benchmarks/results/mobilite_signals_plans_rule.md.

    git show 97bfddd:src/territoria/mobilite/signals/plans.py > benchmarks/PREV_plans_97bfddd.py
    nice -n 19 env OMP_NUM_THREADS=1 PYTHONPATH=$PWD/src:$PWD python -m \
        benchmarks.mobilite_signals_plans --seeds 3,4,5 --scales 0.8,1.0,1.2 \
        --previous-plans benchmarks/PREV_plans_97bfddd.py \
        --output benchmarks/results/mobilite_signals_plans_dev.json

Per network, seed and demand scale: Territoria's adaptive run (recording its greens and the
flows leaving each incoming lane per 15 minutes), then the plans built from that run by the
current and the previous `build_plans`, each replayed as fixed time (`territoria_plan`), and
the network's own programs (`fixed`) — each simulation in a fresh process (`evaluate._pool`).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from territoria.mobilite.signals import evaluate as ev
from territoria.mobilite.signals import plans
from territoria.mobilite.signals.sumoenv import RESCO_NETWORKS, resco


def _previous(path: str):
    """The `plans.py` of an earlier commit, imported inside the package (relative imports)."""
    spec = importlib.util.spec_from_file_location("territoria.mobilite.signals._prev_plans", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(pool_args: tuple, **kw) -> dict:
    with ev._pool(1) as pool:
        return pool.submit(ev.run_one, *pool_args, **kw).result()


def one_config(network: str, seed: int, scale: float, previous, folder: Path) -> dict:
    sc = resco(network)
    raw = folder / f"{network}.{seed}.{scale}.greens.json"
    adaptive = _run((network, "territoria"), seed=seed, scale=scale, plans_out=str(raw))
    recorded = json.loads(raw.read_text())
    row = {"territoria": adaptive["delay"]}
    for name, module in (("plan_webster", plans), ("plan_previous", previous)):
        if module is None:
            continue
        built = module.build_plans(recorded, sc, end=sc.end)
        plan_file = folder / f"{network}.{seed}.{scale}.{name}.json"
        plan_file.write_text(json.dumps(built))
        replay = _run(
            (network, "territoria_plan"), seed=seed, scale=scale, plan_file=str(plan_file)
        )
        row[name] = replay["delay"]
        row[f"{name}_teleports"] = replay["teleports"]
        cycles = [p["cycle"] for plan in built.values() for p in plan["periods"]]
        row[f"{name}_mean_cycle_s"] = round(sum(cycles) / len(cycles), 1)
    row["fixed"] = _run((network, "fixed"), seed=seed, scale=scale)["delay"]
    return row


def verdict(rows: dict) -> dict:
    """The rule's two criteria (mobilite_signals_plans_rule.md) on these rows."""
    networks = sorted({key.split("/")[0] for key in rows})
    lower_sum = {}
    for n in networks:
        mine = [r for key, r in rows.items() if key.startswith(n + "/")]
        lower_sum[n] = {
            "plan_webster": round(sum(r["plan_webster"] for r in mine), 2),
            "plan_previous": round(sum(r["plan_previous"] for r in mine), 2),
            "fixed": round(sum(r["fixed"] for r in mine), 2),
        }
    wins = sum(v["plan_webster"] < v["plan_previous"] for v in lower_sum.values())
    below_fixed = {
        name: sum(r[name] < r["fixed"] for r in rows.values())
        for name in ("plan_webster", "plan_previous")
    }
    return {
        "sums_by_network": lower_sum,
        "networks_where_webster_sum_is_lower": wins,
        "configs_below_fixed": below_fixed,
        "criterion_1": wins >= 5,
        "criterion_2": below_fixed["plan_webster"] > below_fixed["plan_previous"],
        "adopt": wins >= 5 and below_fixed["plan_webster"] > below_fixed["plan_previous"],
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--networks", default=",".join(RESCO_NETWORKS))
    parser.add_argument("--seeds", default="3,4,5")
    parser.add_argument("--scales", default="0.8,1.0,1.2")
    parser.add_argument("--previous-plans", default=None)
    parser.add_argument("--output", required=True)
    opts = parser.parse_args(argv)
    previous = _previous(opts.previous_plans) if opts.previous_plans else None
    began, rows = time.perf_counter(), {}
    with tempfile.TemporaryDirectory(prefix="territoria-plans-") as tmp:
        for network in opts.networks.split(","):
            for seed in map(int, opts.seeds.split(",")):
                for scale in map(float, opts.scales.split(",")):
                    key = f"{network}/{seed}/{scale}"
                    rows[key] = one_config(network, seed, scale, previous, Path(tmp))
                    print(key, json.dumps(rows[key]), flush=True)
    result = {
        "benchmark": "mobilite_signals_plans",
        "rule": "benchmarks/results/mobilite_signals_plans_rule.md",
        "command": "python -m benchmarks.mobilite_signals_plans " + " ".join(argv),
        "rows": rows,
        "seconds": round(time.perf_counter() - began, 1),
        "load_average_1min": os.getloadavg()[0],
    }
    if previous is not None:
        result["verdict"] = verdict(rows)
        print(json.dumps(result["verdict"], indent=1))
    Path(opts.output).write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

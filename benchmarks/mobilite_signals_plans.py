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

Coordinated plans (benchmarks/results/mobilite_signals_coordination_rule.md): `--coordination
offsets,cycle` builds one column per mode of `plans.build_plans(coordinate=...)` (`plan_offsets`,
`plan_cycle`) instead of the isolated Webster plans (`plan_webster`, the default):

    git show bb0786e:src/territoria/mobilite/signals/plans.py > benchmarks/PREV_plans_bb0786e.py
    nice -n 19 env OMP_NUM_THREADS=1 PYTHONPATH=$PWD/src:$PWD python -m \
        benchmarks.mobilite_signals_plans --seeds 3,4,5 --scales 0.8,1.0,1.2 \
        --coordination offsets,cycle --previous-plans benchmarks/PREV_plans_bb0786e.py \
        --output benchmarks/results/mobilite_signals_coordination_dev.json

Every plan is replayed by `plans.ClockReplay` (offsets included) since that change.

Coordination by coupling index (benchmarks/results/mobilite_signals_coupling_rule.md):
`--coordination offsets,coupled` adds `plan_coupled` (`coordinate="coupled"`); the baseline is
the current isolated plans, `--previous-plans` (plans.py of 15d44b5, default "none"):

    git show 15d44b5:src/territoria/mobilite/signals/plans.py > benchmarks/PREV_plans_15d44b5.py
    nice -n 19 env OMP_NUM_THREADS=1 PYTHONPATH=$PWD/src:$PWD python -m \
        benchmarks.mobilite_signals_plans --seeds 3,4,5 --scales 0.8,1.0,1.2 \
        --coordination offsets,coupled --previous-plans benchmarks/PREV_plans_15d44b5.py \
        --output benchmarks/results/mobilite_signals_coupling_dev.json
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


# column: the `coordinate` argument of plans.build_plans
MODES = {"webster": "none", "offsets": "offsets", "cycle": "cycle", "coupled": "coupled"}
# the largest rise of a network's sum the rules accept, per candidate column
# (mobilite_signals_coordination_rule.md: 5 %; mobilite_signals_coupling_rule.md: 2 %)
WORSE_LIMITS = {"plan_coupled": 0.02}


def _coupling(recorded: dict, sc, isolated: dict) -> dict:
    """Per pair of linked signals, the largest coupling index over the periods (for the doc)."""
    counted = [t for t, r in recorded.items() if r.get("counts") and r.get("links")]
    if len(counted) < 2:
        return {}
    links = plans.signal_links(sc.net, counted)
    out: dict = {}
    for period in next(iter(isolated.values()))["periods"]:
        hours = (period["end"] - period["begin"]) / 3600.0
        key = str(float(period["begin"]))
        for pair, item in plans.link_coupling(recorded, links, key, hours).items():
            name = " ~ ".join(pair)
            out[name] = max(out.get(name, 0.0), item["index"])
    return out


def one_config(
    network: str, seed: int, scale: float, previous, folder: Path, modes=("webster",)
) -> dict:
    sc = resco(network)
    raw = folder / f"{network}.{seed}.{scale}.greens.json"
    adaptive = _run((network, "territoria"), seed=seed, scale=scale, plans_out=str(raw))
    recorded = json.loads(raw.read_text())
    row = {"territoria": adaptive["delay"], "signals": len(recorded)}
    builds = [(f"plan_{m}", plans, {"coordinate": MODES[m]}) for m in modes]
    isolated = plans.build_plans(recorded, sc, end=sc.end, coordinate="none")
    if "coupled" in modes:
        row["coupling_index_max"] = _coupling(recorded, sc, isolated)
    for name, module, kw in (*builds, ("plan_previous", previous, {})):
        if module is None:
            continue
        built = module.build_plans(recorded, sc, end=sc.end, **kw)
        plan_file = folder / f"{network}.{seed}.{scale}.{name}.json"
        plan_file.write_text(json.dumps(built))
        replay = _run(
            (network, "territoria_plan"), seed=seed, scale=scale, plan_file=str(plan_file)
        )
        row[name] = replay["delay"]
        row[f"{name}_teleports"] = replay["teleports"]
        cycles = [p["cycle"] for plan in built.values() for p in plan["periods"]]
        row[f"{name}_mean_cycle_s"] = round(sum(cycles) / len(cycles), 1)
        offsets = [p["offset"] for plan in built.values() for p in plan["periods"]]
        row[f"{name}_nonzero_offsets"] = sum(o != 0 for o in offsets)
        if module is plans:  # (signal, period) plans that coordination changed
            row[f"{name}_changed_periods"] = sum(
                p != q
                for tls, plan in built.items()
                for p, q in zip(plan["periods"], isolated[tls]["periods"], strict=True)
            )
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


def coordination_verdict(rows: dict, worse_limit: float = 0.05) -> dict:
    """The rules of mobilite_signals_coordination_rule.md and mobilite_signals_coupling_rule.md:
    per candidate column, on the networks with several signals, the sum of delays over the
    configurations below the previous plans' on at least 3 of 4 and none above by more than
    `worse_limit` (WORSE_LIMITS for the columns that have their own); on the one-signal
    networks the same sums (nothing to coordinate)."""
    networks = sorted({key.split("/")[0] for key in rows})
    columns = [c for c in next(iter(rows.values())) if c in {f"plan_{m}" for m in MODES}]
    out: dict = {"sums_by_network": {}}
    for n in networks:
        mine = [r for key, r in rows.items() if key.startswith(n + "/")]
        out["sums_by_network"][n] = {
            c: round(sum(r[c] for r in mine), 2) for c in (*columns, "plan_previous", "fixed")
        }
    multi = [
        n
        for n in networks
        if any(r["signals"] > 1 for k, r in rows.items() if k.startswith(n + "/"))
    ]
    single = [n for n in networks if n not in multi]
    for c in columns:
        sums = out["sums_by_network"]
        change = {n: round(sums[n][c] / sums[n]["plan_previous"] - 1, 4) for n in networks}
        wins = sum(change[n] < 0 for n in multi)
        worst = max((change[n] for n in multi), default=0.0)
        limit = WORSE_LIMITS.get(c, worse_limit)
        out[c] = {
            "relative_change_by_network": change,
            "multi_signal_networks_lower": f"{wins}/{len(multi)}",
            "worst_multi_signal_change": worst,
            "single_signal_networks_identical": all(
                sums[n][c] == sums[n]["plan_previous"] for n in single
            ),
            "worse_limit": limit,
            "adopt": wins >= 3 and worst <= limit,
        }
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--networks", default=",".join(RESCO_NETWORKS))
    parser.add_argument("--seeds", default="3,4,5")
    parser.add_argument("--scales", default="0.8,1.0,1.2")
    parser.add_argument("--previous-plans", default=None)
    parser.add_argument(
        "--coordination",
        default="webster",
        help="plan columns, comma-separated: webster (isolated), offsets, cycle, coupled",
    )
    parser.add_argument("--output", required=True)
    opts = parser.parse_args(argv)
    previous = _previous(opts.previous_plans) if opts.previous_plans else None
    began, rows = time.perf_counter(), {}
    with tempfile.TemporaryDirectory(prefix="territoria-plans-") as tmp:
        for network in opts.networks.split(","):
            for seed in map(int, opts.seeds.split(",")):
                for scale in map(float, opts.scales.split(",")):
                    key = f"{network}/{seed}/{scale}"
                    rows[key] = one_config(
                        network, seed, scale, previous, Path(tmp), opts.coordination.split(",")
                    )
                    print(key, json.dumps(rows[key]), flush=True)
    if opts.coordination == "webster":
        rule = "mobilite_signals_plans_rule.md"
    elif "coupled" in opts.coordination.split(","):
        rule = "mobilite_signals_coupling_rule.md"
    else:
        rule = "mobilite_signals_coordination_rule.md"
    result = {
        "benchmark": "mobilite_signals_plans",
        "rule": f"benchmarks/results/{rule}",
        "command": "python -m benchmarks.mobilite_signals_plans " + " ".join(argv),
        "rows": rows,
        "seconds": round(time.perf_counter() - began, 1),
        "load_average_1min": os.getloadavg()[0],
    }
    if previous is not None:
        plain = opts.coordination == "webster"
        result["verdict"] = verdict(rows) if plain else coordination_verdict(rows)
        print(json.dumps(result["verdict"], indent=1))
    Path(opts.output).write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

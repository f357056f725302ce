"""Benchmark of the adaptive lights: `python -m benchmarks.mobilite_signals [--quick] [--jobs N]`.

Every controller on the six RESCO networks (cologne1/3/8, ingolstadt1/7/21), one simulated hour
each, SUMO 1.28, in the same run: the networks' own programs (`fixed`), Webster
(`tlsCycleAdaptation.py`), SUMO's actuated control, max-pressure and Territoria's controller,
plus the time-of-day plans exported from the Territoria run replayed as fixed time.

Honest split. The Territoria settings (controllers.TerritoriaParams) were chosen on seed 0 at
demand ×1.0 only (`tuned`). Every other configuration is held out: seed 1 at ×1.0, and seed 2
with the demand scaled by 1.2 and by 0.8 (`sumo --scale`). The published RESCO figures
(best of max-pressure / IDQN / IPPO / MPLight / FMA2C per network, read from the benchmark's
figure, SUMO 1.9) are written next to ours for reference; they are not from this run.

Wall time: `fixed` runs the plain `sumo` binary (SUMO's own speed, the yardstick); the TraCI
controllers run through libsumo with their detectors. Energy: CPU seconds × 15 W per busy core
(an estimate). Results: benchmarks/results/mobilite_signals.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from territoria.mobilite.signals.evaluate import evaluate, format_table
from territoria.mobilite.signals.sumoenv import RESCO_NETWORKS

RESULTS = Path(__file__).parent / "results" / "mobilite_signals.json"

# Published RESCO delays (s, approximate, read from the figure), see SOURCE.md.
PUBLISHED_BEST = {
    "cologne1": 27,
    "cologne3": 18,
    "cologne8": 22,
    "ingolstadt1": 20,
    "ingolstadt7": 31,
    "ingolstadt21": 68,
}
PUBLISHED_FIXED = {
    "cologne1": 57,
    "cologne3": 47,
    "cologne8": 63,
    "ingolstadt1": 39,
    "ingolstadt7": 91,
    "ingolstadt21": 133,
}

CONFIGS = [
    {"name": "tuned: seed 0, demand x1.0", "split": "tuned", "seed": 0, "scale": 1.0},
    {"name": "held-out: seed 1, demand x1.0", "split": "held-out", "seed": 1, "scale": 1.0},
    {"name": "held-out: seed 2, demand x1.2", "split": "held-out", "seed": 2, "scale": 1.2},
    {"name": "held-out: seed 2, demand x0.8", "split": "held-out", "seed": 2, "scale": 0.8},
]


def _summarise(out: dict, networks: list[str], opts, cpu0: float, t0: float) -> None:
    held = [c for c in out["configs"] if c["split"] == "held-out"]
    lowest = {
        n: all(c["summary"][n].get("territoria_lowest") for c in held) if held else None
        for n in networks
    }
    overheads = [
        c["summary"][n].get("wall_overhead_vs_plain_sumo_pct")
        for c in out["configs"]
        for n in networks
    ]
    mean = (
        {
            n: {
                ctl: round(sum(c["networks"][n][ctl] for c in held) / len(held), 2)
                for ctl in out["configs"][0]["networks"][n]
            }
            for n in networks
        }
        if held
        else {}
    )
    cpu = time.process_time() + sum(os.times()[2:4]) - cpu0
    out.update(
        {
            "benchmark": "mobilite_signals",
            "networks": networks,
            "territoria_lowest_on_every_held_out_config": lowest,
            "held_out_mean_delay_s": mean,
            "published_resco_best_s": {n: PUBLISHED_BEST[n] for n in networks},
            "published_resco_fixed_s": {n: PUBLISHED_FIXED[n] for n in networks},
            "territoria_below_published_best": {
                n: all(c["networks"][n]["territoria"] < PUBLISHED_BEST[n] for c in held)
                if held
                else None
                for n in networks
            },
            "wall_overhead_vs_plain_sumo_pct_max": max(o for o in overheads if o is not None),
            "seconds": round(time.perf_counter() - t0, 1),
            "cpu_seconds": round(cpu, 1),
            "energy_wh_estimate": round(cpu * 15 / 3600, 2),
            "command": "OMP_NUM_THREADS=1 python -m benchmarks.mobilite_signals"
            + "".join(" " + a for a in opts.argv),
        }
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="cologne1 and ingolstadt1, 2 configs")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--output", default=str(RESULTS))
    parser.add_argument("--networks", default=None, help="a subset, comma-separated")
    parser.add_argument(
        "--configs",
        default=None,
        help="indices in CONFIGS, comma-separated (0 tuned, 1 held-out x1.0, 2 x1.2, 3 x0.8)",
    )
    opts = parser.parse_args(argv)
    networks = ["cologne1", "ingolstadt1"] if opts.quick else list(RESCO_NETWORKS)
    configs = CONFIGS[:2] if opts.quick else CONFIGS
    if opts.networks:
        networks = [n.strip() for n in opts.networks.split(",") if n.strip()]
    if opts.configs:
        configs = [CONFIGS[int(i)] for i in opts.configs.split(",")]
    opts.argv = argv
    cpu0 = time.process_time() + sum(os.times()[2:4])
    t0 = time.perf_counter()
    out: dict = {"configs": []}
    for cfg in configs:
        print(f"--- {cfg['name']}", flush=True)
        with tempfile.TemporaryDirectory(prefix="territoria-plans-") as plans_dir:
            r = evaluate(
                networks,
                seed=cfg["seed"],
                scale=cfg["scale"],
                jobs=opts.jobs,
                plans_dir=plans_dir,
                # the published isolated plans only: same runs and cost as before
                coordinated=False,
            )
        print(format_table(r), flush=True)
        out["configs"].append({**cfg, **r})
        _summarise(out, networks, opts, cpu0, t0)
        # written after every configuration: a partial run still leaves its figures
        Path(opts.output).write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    Path(opts.output).write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    held = [c for c in out["configs"] if c["split"] == "held-out"]
    if len(held) == 3 and set(networks) == set(RESCO_NETWORKS):
        quote(out, held)
    print(
        json.dumps(
            {
                k: out[k]
                for k in (
                    "territoria_lowest_on_every_held_out_config",
                    "territoria_below_published_best",
                    "wall_overhead_vs_plain_sumo_pct_max",
                )
            },
            indent=1,
        )
    )
    return 0


def quote(out: dict, held: list[dict]) -> None:
    """The figures the register quotes (src/territoria/mobilite/measured.json, key `signals`):
    the mean delay of each controller over the three held-out configurations, per network, and
    on how many networks Territoria's controller is the lowest in all three."""
    target = Path(__file__).parents[1] / "src" / "territoria" / "mobilite" / "measured.json"
    measured = json.loads(target.read_text(encoding="utf-8"))
    lowest = out["territoria_lowest_on_every_held_out_config"]
    measured["signals"] = {
        "measured_at": time.strftime("%Y-%m-%d"),
        "configs": [c["name"] for c in held],
        "held_out_mean_delay_s": out["held_out_mean_delay_s"],
        "networks_lowest": sorted(n for n, ok in lowest.items() if ok),
        "networks": len(lowest),
        "energy_wh": out["energy_wh_estimate"],
    }
    target.write_text(json.dumps(measured, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

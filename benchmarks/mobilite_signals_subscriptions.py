"""Are libsumo subscriptions cheaper than the controller's direct lane readings? (issue 14)

    nice -n 19 env OMP_NUM_THREADS=1 PYTHONPATH=$PWD/src:$PWD python -m \
        benchmarks.mobilite_signals_subscriptions --network cologne8 --seed 0 \
        --output benchmarks/results/mobilite_signals_subscriptions.json

One libsumo run of the network with Territoria's detectors and its controller set up (for the
lanes it reads: incoming, upstream and exit lanes), warmed up to `--warmup` s, then blocks of
`--block` simulated seconds in turn (same process, interleaved, so that load and traffic are
shared), SUMO's step and the readings each timed with `process_time` (a subscription moves work into
the step: compare the sums; blocks are short so that the arms see the same traffic):

- `step`: the step alone (no reading);
- `direct`: the step, then every lane's vehicle count read by its own call (the controller's
  way; it reads far fewer lanes than all of them at each step);
- `sub_all`: the lanes subscribed to that count, then `lane.getAllSubscriptionResults()`;
- `sub_each`: the same subscription, then `lane.getSubscriptionResults(lane)` per lane.

Each arm's values are compared with the direct readings at the same step (they must be equal).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from itertools import starmap
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from territoria.mobilite.signals import controllers as ctl
from territoria.mobilite.signals import evaluate as ev
from territoria.mobilite.signals.sumoenv import binary, resco, sumo_home

COUNT = 0x10  # LAST_STEP_VEHICLE_NUMBER


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--network", default="cologne8")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--warmup", type=int, default=600)
    ap.add_argument("--block", type=int, default=5)
    ap.add_argument("--output", required=True)
    a = ap.parse_args()
    import libsumo as sim
    from libsumo import _libsumo

    sumo_home()
    sc = resco(a.network)
    with tempfile.TemporaryDirectory(prefix="territoria-sub-") as tmp:
        args = ev.sumo_args(
            sc, a.seed, a.scale, Path(tmp) / "t.xml", additional=ev.detectors_additional(sc)
        )
        sim.start([binary("sumo"), *args])
        c = ctl.TerritoriaController(sim, ctl.TerritoriaParams())
        c.setup()
        lanes = sorted(
            {ln for m in c.machines for ln in m.inter.in_lanes}
            | {u for ups in c.upstream.values() for u in ups}
            | set(c.lane_capacity)
        )
        one = [(ln,) for ln in lanes]
        count = _libsumo.lane_getLastStepVehicleNumber
        each = _libsumo.lane_getSubscriptionResults
        for _ in range(a.warmup):
            sim.simulationStep()
        cpu = time.process_time
        times: dict[str, list[float]] = {"step": [], "direct": [], "sub_all": [], "sub_each": []}
        steps: dict[str, list[float]] = {k: [] for k in times}
        reads: dict[str, list[float]] = {k: [] for k in times}
        mismatches = 0
        now = sim.simulation.getTime()
        arms = list(times)
        i = 0
        while now + a.block <= sc.end:
            arm = arms[i % len(arms)]
            i += 1
            if arm.startswith("sub"):
                for ln in lanes:
                    sim.lane.subscribe(ln, [COUNT])
            st = rd = 0.0
            for _ in range(a.block):
                t = cpu()
                sim.simulationStep()
                t1 = cpu()
                if arm == "direct":
                    list(starmap(count, one))
                elif arm == "sub_all":
                    sim.lane.getAllSubscriptionResults()
                elif arm == "sub_each":
                    list(starmap(each, one))
                st += t1 - t
                rd += cpu() - t1
            times[arm].append((st + rd) / a.block)
            steps[arm].append(st / a.block)
            reads[arm].append(rd / a.block)
            if arm.startswith("sub"):
                got = sim.lane.getAllSubscriptionResults()
                mismatches += sum(got[ln][COUNT] != count(ln) for ln in lanes)
                for ln in lanes:
                    sim.lane.unsubscribe(ln)
            now = sim.simulation.getTime()
        sim.close()
    med = {k: statistics.mean(v) * 1e6 for k, v in times.items()}
    out = {
        "command": "python -m benchmarks.mobilite_signals_subscriptions "
        f"--network {a.network} --seed {a.seed} --scale {a.scale} --warmup {a.warmup} "
        f"--block {a.block}",
        "lanes": len(lanes),
        "blocks_per_arm": {k: len(v) for k, v in times.items()},
        "mean_us_per_step": {k: round(v, 2) for k, v in med.items()},
        "sumo_step_us": {k: round(statistics.mean(v) * 1e6, 2) for k, v in steps.items()},
        "reading_call_us": {k: round(statistics.mean(v) * 1e6, 2) for k, v in reads.items()},
        "reading_call_us_per_lane": {
            k: round(statistics.mean(v) * 1e6 / len(lanes), 3) for k, v in reads.items()
        },
        "subscription_values_differing": mismatches,
        "load_avg": os.getloadavg(),
    }
    Path(a.output).write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()

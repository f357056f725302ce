"""Counts import at the issue's size: `python -m benchmarks.mobilite_counts [--detectors N]
[--days D] [--no-legacy]`.

One year of 6-minute counts for 500 detectors (43.8 million lines, 1.6 GB of CSV) is generated
deterministically by DuckDB (no random generator: the counts are a function of the detector and
the time, with morning and evening peaks), then imported twice in the same run:

- `vectorised`: the importer of src/territoria/mobilite/counts.py (pyarrow's CSV reader with the
  types given, the checks and the series analysed once with numpy, one Parquet write);
- `legacy` (the baseline): the importer before it (benchmarks/_mobilite_counts_legacy.py: the
  checks as DuckDB queries over the text, three window passes).

Both must give the same summary (lines, step, detectors, warnings) and the same Parquet content
(lines and sum of vehicles); the chart of a detector's month is then timed on the new Parquet
file (p95 over 40 random detector-months). Results: benchmarks/results/mobilite_counts.json.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("TERRITORIA_DATA_DIR", tempfile.mkdtemp(prefix="bench-counts-data-"))
os.environ.setdefault("TERRITORIA_SECRET_KEY", "benchmark-only-secret-key-0123456789abcdefghijkl")
os.environ["DJANGO_SETTINGS_MODULE"] = "territoria.settings"
import django

django.setup()  # the module's code imports its models; no database is used here

from benchmarks import write_result
from territoria.mobilite import counts

START = datetime(2025, 1, 1)
STEP_MINUTES = 6
# a few faults every real file has, at fixed places: a gap and a stuck detector (warnings)
GAP_DETECTOR, GAP_FROM, GAP_LENGTH = 7, 1000, 30
STUCK_DETECTOR, STUCK_FROM, STUCK_LENGTH = 11, 2000, 20


def cpu() -> float:
    t = os.times()
    return t.user + t.system


def generate(path: Path, detectors: int, days: int) -> dict:
    """The CSV `detecteur,horodatage,vehicules,vitesse,taux_occupation`, sorted by detector and
    time (as a counting system exports it), written by DuckDB."""
    steps = days * 24 * 60 // STEP_MINUTES
    con = counts._connect()
    literal = "'" + str(path).replace("'", "''") + "'"
    started = time.perf_counter()
    con.execute(
        f"""COPY (
        SELECT 'D' || lpad(CAST(d AS VARCHAR), 4, '0') AS detecteur,
          CAST(t AS VARCHAR) AS horodatage,
          CASE WHEN d = {STUCK_DETECTOR} AND i BETWEEN {STUCK_FROM} AND {STUCK_FROM + STUCK_LENGTH - 1}
            THEN 33 ELSE v END AS vehicules,
          40 + (d + i) % 20 AS vitesse, least(v, 99) AS taux_occupation
        FROM (
          SELECT d, i, t, (20 + (d * 7919) % 181)
              * (1 + (hour(t) BETWEEN 7 AND 9)::INT + (hour(t) BETWEEN 16 AND 18)::INT) // 10
              + (i * 7 + d) % 5 AS v
          FROM (SELECT n // {steps} AS d, n % {steps} AS i,
                TIMESTAMP '{START:%Y-%m-%d}' + INTERVAL {STEP_MINUTES} MINUTE * (n % {steps}) AS t
                FROM range({detectors * steps}) r(n)))
        WHERE NOT (d = {GAP_DETECTOR} AND i BETWEEN {GAP_FROM} AND {GAP_FROM + GAP_LENGTH - 1})
        ) TO {literal} (HEADER, DELIMITER ',')"""
    )  # fmt: skip
    return {
        "rows": detectors * steps - GAP_LENGTH,
        "bytes": path.stat().st_size,
        "seconds": round(time.perf_counter() - started, 2),
    }


def timed_import(load, write, path: Path, target: Path) -> dict:
    started, c0 = time.perf_counter(), cpu()
    loaded, summary = load(path, path.name, set())
    loaded_at = time.perf_counter()
    write(loaded, target)
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "read_and_check_seconds": round(loaded_at - started, 2),
        "write_seconds": round(seconds - (loaded_at - started), 2),
        "cpu_seconds": round(cpu() - c0, 1),
        "summary": summary,
    }


def parquet_content(path: Path) -> dict:
    con = counts._connect()
    rows, vehicles, detectors = con.execute(
        "SELECT count(*), sum(vehicles), count(DISTINCT detector) FROM read_parquet(?)",
        [str(path)],
    ).fetchone()
    return {"rows": rows, "vehicles": int(vehicles), "detectors": detectors}


def chart_p95(path: Path, detectors: int, days: int) -> float:
    rng = random.Random(3)
    con = counts._connect()
    timings = []
    for _ in range(40):
        detector = f"D{rng.randrange(detectors):04d}"
        month = (START + timedelta(days=rng.randrange(max(days - 31, 1)))).replace(day=1)
        t0 = time.perf_counter()
        counts.hourly_rows(
            con, [str(path)], detector, month, (month + timedelta(days=32)).replace(day=1)
        )
        timings.append(time.perf_counter() - t0)
    timings.sort()
    return round(1000 * timings[int(0.95 * len(timings)) - 1], 1)


def run(detectors: int, days: int, legacy: bool) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="bench-counts-"))
    try:
        csv = folder / "comptages.csv"
        generated = generate(csv, detectors, days)
        print("généré :", generated, flush=True)
        # warm-up of both paths on the first lines (module imports, DuckDB start): not timed
        head = folder / "debut.csv"
        with csv.open() as source, head.open("w") as target:
            target.writelines(line for _, line in zip(range(2000), source, strict=False))
        from benchmarks import _mobilite_counts_legacy as old

        for load, write in (
            (counts.load_csv, counts.write_parquet),
            (old.load_csv, old.write_parquet),
        ):
            write(load(head, head.name, set())[0], folder / "debut.parquet")
        new = timed_import(counts.load_csv, counts.write_parquet, csv, folder / "new.parquet")
        new["parquet"] = parquet_content(folder / "new.parquet")
        print("vectorisé :", {k: v for k, v in new.items() if k != "summary"}, flush=True)
        figures = {
            "detectors": detectors,
            "days": days,
            "step_minutes": STEP_MINUTES,
            "csv": generated,
            "target_seconds": 30,
            "vectorised": new,
            "chart_p95_ms": chart_p95(folder / "new.parquet", detectors, days),
        }
        assert new["summary"]["rows"] == generated["rows"], new["summary"]["rows"]
        assert new["parquet"]["rows"] == generated["rows"]
        if legacy:
            base = timed_import(old.load_csv, old.write_parquet, csv, folder / "old.parquet")
            base["parquet"] = parquet_content(folder / "old.parquet")
            print("ancien :", {k: v for k, v in base.items() if k != "summary"}, flush=True)
            figures["legacy"] = base
            figures["speedup"] = round(base["seconds"] / new["seconds"], 1)
            figures["same_summary"] = base["summary"] == new["summary"]
            figures["same_parquet_content"] = base["parquet"] == new["parquet"]
            base.pop("summary")
        new.pop("summary")
        figures["vectorised_under_target"] = new["seconds"] < 30
        return figures
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--detectors", type=int, default=500)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--no-legacy", action="store_true", help="skip the old importer")
    args = parser.parse_args(argv)
    figures = run(args.detectors, args.days, not args.no_legacy)
    figures["command"] = (
        "nice -n 19 env OMP_NUM_THREADS=1 PYTHONPATH=$PWD/src:$PWD "
        "python -m benchmarks.mobilite_counts" + (" " + " ".join(argv) if argv else "")
    )
    print(write_result("mobilite_counts", figures))


if __name__ == "__main__":
    main(sys.argv[1:])

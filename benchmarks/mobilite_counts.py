"""Counts import at the issue's size: `python -m benchmarks.mobilite_counts [--detectors N]
[--days D] [--legacy] [--output NAME]`.

One year of 6-minute counts for 500 detectors (43.8 million lines, 1.6 GB of CSV) is generated
deterministically by DuckDB (no random generator: the counts are a function of the detector and
the time, with morning and evening peaks), then imported by two paths, alternating, in the same
run:

- `new`: `counts.store_csv` (the sorted file streamed: parsed by blocks on a reader thread,
  checked and analysed by chunks, written by row groups);
- `previous` (the baseline): the importer before it (benchmarks/_mobilite_counts_previous.py,
  commit ac393c2: the whole file read by pyarrow into one table, analysed with numpy, one
  Parquet write);
- `legacy` (with --legacy): the DuckDB importer before both (benchmarks/_mobilite_counts_legacy.py).

With `--previous-counts FILE` (a `counts.py` of an earlier commit, e.g.
`git show COMMIT:src/territoria/mobilite/counts.py > PREV.py`), the `previous` imports are that
file's `store_csv` instead (the month charts keep their baseline); the JSON names the file,
and the register (measured.json) is left as it is.

Both must give the same summary (lines, step, detectors, warnings) and the same Parquet content
(every line in the same order: a checksum of the lines with their row numbers); the chart of a
detector's month is then timed on the new Parquet file. Results:
benchmarks/results/mobilite_counts.json (or --output NAME).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
from benchmarks import setup_django, write_result

setup_django()  # the module's code imports its models; no database is used here

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


def new_store(path: Path, target: Path) -> dict:
    return counts.store_csv(path, path.name, set(), target)


def counts_from(file: str):
    """The module of an earlier commit's counts.py, loaded beside the current one."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("territoria_previous_counts", file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def previous_store(path: Path, target: Path) -> dict:
    from benchmarks import _mobilite_counts_previous as previous

    table, summary = previous.load_csv(path, path.name, set())
    previous.write_parquet(table, target)
    return summary


def timed_import(store, path: Path, target: Path) -> dict:
    started, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    summary = store(path, target)
    after = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "cpu_seconds": round(
            after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 2
        ),
        "user_seconds": round(after.ru_utime - before.ru_utime, 2),
        "system_seconds": round(after.ru_stime - before.ru_stime, 2),
        "minor_page_faults": after.ru_minflt - before.ru_minflt,
        "parquet_bytes": target.stat().st_size,
        "summary": summary,
    }


def parquet_content(path: Path) -> dict:
    """Lines, vehicles, detectors, and a checksum of every line with its row number (the same
    lines in the same order give the same sum)."""
    con = counts._connect()
    rows, vehicles, detectors, checksum = con.execute(
        "SELECT count(*), sum(vehicles), count(DISTINCT detector), "
        "sum(hash(file_row_number, detector, ts, vehicles, speed, occupancy)::HUGEINT) "
        "FROM read_parquet(?, file_row_number = true)",
        [str(path)],
    ).fetchone()
    return {
        "rows": rows,
        "vehicles": int(vehicles),
        "detectors": detectors,
        "checksum": str(checksum),
    }


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(1000 * ordered[max(0, math.ceil(q * len(ordered)) - 1)], 1)


def charts(path: Path, detectors: int, days: int, samples: int) -> dict:
    """The month chart of random detector-months, as the network page asks for it
    (counts.month_hours, the body of detector_chart), against the previous path, the two
    alternating in each sample (the same machine load for both). The first call of each path in
    the process is timed apart (the new path opens its process-wide database then). Then the
    page opened without a month (the detector's last month: two queries)."""
    from benchmarks import _mobilite_counts_previous as previous

    files = [str(path)]
    rng = random.Random(3)
    picks = []
    for _ in range(samples + 1):
        detector = f"D{rng.randrange(detectors):04d}"
        month = (START + timedelta(days=rng.randrange(max(days - 31, 1)))).replace(day=1)
        picks.append((detector, month.strftime("%Y-%m")))
    timings: dict[str, list[float]] = {"new": [], "previous": []}
    first = {}
    for i, (detector, month) in enumerate(picks):
        paths = (("new", counts.month_hours), ("previous", previous.month_hours))
        for key, function in paths if i % 2 else paths[::-1]:
            t0 = time.perf_counter()
            found = function(files, detector, month)
            elapsed = time.perf_counter() - t0
            assert found is not None and found[1], (key, detector, month)
            if i == 0:
                first[key] = round(1000 * elapsed, 1)
            else:
                timings[key].append(elapsed)
        assert counts.month_hours(files, detector, month) == previous.month_hours(
            files, detector, month
        )
    no_month = []
    for detector, _ in picks[1:41]:
        t0 = time.perf_counter()
        counts.month_hours(files, detector, None)
        no_month.append(time.perf_counter() - t0)
    return {
        "samples": samples,
        "p50_ms": {k: _p(v, 0.5) for k, v in timings.items()},
        "p95_ms": {k: _p(v, 0.95) for k, v in timings.items()},
        "max_ms": {k: _p(v, 1.0) for k, v in timings.items()},
        "first_call_ms": first,
        "new_without_month_p95_ms": _p(no_month, 0.95),
        "same_rows": True,
    }


def flow_views(path: Path) -> dict:
    """Not a figure of the issue: what the rest of the network page costs at this size (the
    page also shows the typical days, the congestion index and the anomalous days, computed by
    mobilite/profiles.py over the whole store at each display). Measured once."""
    from territoria.mobilite import profiles

    files = [str(path)]
    t0 = time.perf_counter()
    con = profiles.prepared(files)
    t1 = time.perf_counter()
    profiles.profile_chart(files, "D0001", "", con)
    profiles.congestion(files, con)
    profiles.anomalies(files, con=con)
    t2 = time.perf_counter()
    return {"prepare_seconds": round(t1 - t0, 2), "three_views_seconds": round(t2 - t1, 2)}


def run(
    detectors: int, days: int, legacy: bool, repeats: int, samples: int, previous_counts=None
) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="bench-counts-"))
    try:
        csv = folder / "comptages.csv"
        generated = generate(csv, detectors, days)
        print("généré :", generated, flush=True)
        # warm-up of every path on the first lines (module imports, DuckDB start): not timed
        head = folder / "debut.csv"
        with csv.open() as source, head.open("w") as target:
            target.writelines(line for _, line in zip(range(2000), source, strict=False))
        from benchmarks import _mobilite_counts_legacy as old

        paths = {"new": new_store, "previous": previous_store}
        if previous_counts:
            module = counts_from(previous_counts)
            paths["previous"] = lambda path, target: module.store_csv(
                path, path.name, set(), target
            )
        for store in paths.values():
            store(head, folder / "debut.parquet")
        old.write_parquet(old.load_csv(head, head.name, set())[0], folder / "debut.parquet")
        runs: dict[str, list[dict]] = {"new": [], "previous": []}
        for repeat in range(repeats):  # alternating: previous, new, new, previous, …
            for key in ("previous", "new") if repeat % 2 == 0 else ("new", "previous"):
                target = folder / f"{key}.parquet"
                result = timed_import(paths[key], csv, target)
                result["parquet"] = parquet_content(target)
                print(key, {k: v for k, v in result.items() if k != "summary"}, flush=True)
                runs[key].append(result)
        new, base = runs["new"], runs["previous"]
        figures = {
            "detectors": detectors,
            "days": days,
            "step_minutes": STEP_MINUTES,
            "csv": generated,
            "target_seconds": 30,
            # new: one reader thread (pyarrow parses on it, use_threads=False) and the main
            # thread (checks, Parquet writes); previous: pyarrow's pool of IMPORT_THREADS
            "threads": {"new": 2, "previous": counts.IMPORT_THREADS},
            "repeats": repeats,
            "previous_importer": Path(previous_counts).name
            if previous_counts
            else "benchmarks/_mobilite_counts_previous.py",
            "new": _runs(new),
            "previous": _runs(base),
        }
        for r in new + base:
            assert r["summary"]["rows"] == generated["rows"], r["summary"]["rows"]
            assert r["parquet"]["rows"] == generated["rows"]
        figures["same_summary"] = all(r["summary"] == base[0]["summary"] for r in new + base)
        figures["same_parquet_content"] = all(r["parquet"] == base[0]["parquet"] for r in new)
        figures["new_worst_seconds"] = max(figures["new"]["seconds"])
        figures["new_worst_cpu_seconds"] = max(figures["new"]["cpu_seconds"])
        figures["new_under_target"] = figures["new_worst_seconds"] < 30
        figures["month_chart"] = charts(folder / "new.parquet", detectors, days, samples)
        figures["month_chart_p95_under_100_ms"] = figures["month_chart"]["p95_ms"]["new"] < 100
        figures["network_page_flow_views"] = flow_views(folder / "new.parquet")
        if legacy:

            def old_store(path: Path, target: Path) -> dict:
                table, summary = old.load_csv(path, path.name, set())
                old.write_parquet(table, target)
                return summary

            old_run = timed_import(old_store, csv, folder / "old.parquet")
            old_run["parquet"] = parquet_content(folder / "old.parquet")
            figures["legacy"] = old_run
            figures["legacy_same_summary"] = old_run.pop("summary") == new[0]["summary"]
        return figures
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _runs(runs: list[dict]) -> dict:
    """Each import's figures side by side (one list per figure), and the first one's Parquet."""
    figures = (
        "seconds",
        "cpu_seconds",
        "user_seconds",
        "system_seconds",
        "minor_page_faults",
        "parquet_bytes",
    )
    return {**{k: [r[k] for r in runs] for k in figures}, "parquet": runs[0]["parquet"]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--detectors", type=int, default=500)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument(
        "--legacy", action="store_true", help="also the DuckDB importer (13 min on 2 cores)"
    )
    parser.add_argument("--repeats", type=int, default=2, help="imports of each path")
    parser.add_argument("--samples", type=int, default=200, help="month charts of each path")
    parser.add_argument(
        "--previous-counts", default=None, help="counts.py of an earlier commit (the baseline)"
    )
    parser.add_argument("--output", default="mobilite_counts", help="name of the result JSON")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    figures = run(
        args.detectors, args.days, args.legacy, args.repeats, args.samples, args.previous_counts
    )
    # the machine is shared: its load (1, 5, 15 min) at the start and at the end of the run
    figures["load_average"] = {"start": load_before, "end": os.getloadavg()}
    figures["command"] = (
        "env OMP_NUM_THREADS=1 PYTHONPATH=$PWD/src:$PWD "
        "python -m benchmarks.mobilite_counts" + (" " + " ".join(argv) if argv else "")
    )
    print("graphique mensuel :", figures["month_chart"], flush=True)
    print(write_result(args.output, figures))
    # the register compares with the importer before the streamed one: not with another file's
    if (args.detectors, args.days) == (500, 365) and not args.previous_counts:
        quote(figures)


def quote(figures: dict) -> None:
    """The figures the register quotes (src/territoria/mobilite/measured.json, key
    `counts_import`), at the issue's size only."""
    import json

    target = ROOT / "src" / "territoria" / "mobilite" / "measured.json"
    measured = json.loads(target.read_text(encoding="utf-8"))
    chart = figures["month_chart"]
    measured["counts_import"] = {
        "measured_at": time.strftime("%Y-%m-%d"),
        "detectors": figures["detectors"],
        "days": figures["days"],
        "rows": figures["csv"]["rows"],
        "seconds": figures["new_worst_seconds"],
        "previous_seconds": min(figures["previous"]["seconds"]),
        "chart_p95_ms": chart["p95_ms"]["new"],
        "previous_chart_p95_ms": chart["p95_ms"]["previous"],
    }
    target.write_text(json.dumps(measured, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])

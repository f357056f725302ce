"""The network page with the flow analysis at the issue's size, before and after the views were
stored: `python -m benchmarks.mobilite_flow_page [--detectors N] [--days D]`.

The same counts as `benchmarks/mobilite_counts.py` (one year of 6-minute counts for 500
detectors, generated deterministically) are imported into a network of a throw-away SQLite
database; then, in the same run:

- `previous`: the page as it was (commit 5fb6a48: typical days, congestion and anomalies
  computed by DuckDB over the whole Parquet store at each display), by replacing the page's
  flow context with that computation;
- the background job that computes and stores the views once (`flows.run_flow`), timed;
- `stored`: the page as it is (the views read back from the stored results).

Each page is the full Django response (login, queries, map, chart, template), requested by
Django's test client for detectors drawn at random (fixed seed); the stored views are checked
against a direct computation (congestion table, anomalous days, one detector's profiles).
Results: benchmarks/results/mobilite_flow_page.json.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DATA = Path(tempfile.mkdtemp(prefix="bench-flow-page-"))
os.environ["TERRITORIA_DATA_DIR"] = str(DATA)
os.environ.pop("TERRITORIA_DATABASE_URL", None)
os.environ.pop("DATABASE_URL", None)
os.environ["TERRITORIA_TASKS_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
os.environ.setdefault("TERRITORIA_SECRET_KEY", "benchmark-only-secret-key-0123456789abcdefghijkl")
os.environ["DJANGO_SETTINGS_MODULE"] = "territoria.settings"
import django

django.setup()

from benchmarks import write_result


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def previous_flow_context(network, detector: str, season: str):
    """The page's flow analysis as it was computed at each display (views.py before)."""
    from territoria.mobilite import counts, profiles

    files = counts._files(network)
    con = profiles.prepared(files)
    return con and {
        "profile": profiles.profile_chart(files, detector, season, con),
        "congestion": profiles.congestion(files, con),
        "anomalies": profiles.anomalies(files, con=con),
        "anomaly_days": 0,
        "day_types": list(profiles.DAY_TYPES.values()),
        "seasons": profiles.SEASONS,
        "z": "5",
        "relative": 30,
        "min_vehicles": 20,
    }


def run(detectors: int, days: int, previous_views: int, stored_views: int) -> dict:
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from benchmarks.mobilite_counts import generate
    from territoria.core.models import Role, User
    from territoria.mobilite import counts, flows, profiles, views
    from territoria.mobilite import network as network_service
    from territoria.mobilite.models import Job, JobStatus

    call_command("migrate", verbosity=0)
    grid = ROOT / "tests" / "mobilite" / "fixtures" / "grid3.net.xml"
    network = network_service.import_network(grid, name="Grille")
    user = User.objects.create_user("agent", password="x-bench-0123456789", role=Role.AGENT)
    csv = DATA / "comptages.csv"
    generated = generate(csv, detectors, days)
    print("généré :", generated, flush=True)
    t0 = time.perf_counter()
    record = counts.import_counts(network, csv)
    import_seconds = time.perf_counter() - t0
    csv.unlink()
    client = Client()
    client.force_login(user)
    rng = random.Random(5)
    names = sorted(record.detectors)
    url = reverse("mobilite:network", args=[network.pk])

    def page(detector: str) -> float:
        started = time.perf_counter()
        answer = client.get(url, {"detecteur": detector})
        elapsed = time.perf_counter() - started
        assert answer.status_code == 200
        return elapsed, answer.content.decode()

    client.get(url, {"detecteur": names[0]})  # warm-up: imports, DuckDB, templates
    current = views._flow_context
    views._flow_context = lambda views_job, detector, season: previous_flow_context(
        network, detector, season
    )
    try:
        before = []
        for _ in range(previous_views):
            seconds, html = page(rng.choice(names))
            assert "Indice de congestion" in html
            before.append(seconds)
            print("page précédente :", round(seconds, 2), "s", flush=True)
    finally:
        views._flow_context = current
    job = flows.start(network, user)  # outside a transaction: runs at once (immediate backend)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    print("traitement :", job.result["seconds"], "s", flush=True)
    after, flow_part, chart_part = [], [], []
    for _ in range(stored_views):
        detector = rng.choice(names)
        seconds, html = page(detector)
        assert "Indice de congestion" in html and "Jour type, détecteur" in html
        after.append(seconds)
        # the parts of the page: the stored flow views, and the month chart (unchanged)
        t0 = time.perf_counter()
        views._flow_context(job, detector, "")
        t1 = time.perf_counter()
        counts.detector_chart(network, detector, None)
        flow_part.append(t1 - t0)
        chart_part.append(time.perf_counter() - t1)
    files = counts._files(network)
    direct_congestion = profiles.congestion(files)
    direct_anomalies = profiles.anomalies(files, limit=None)
    direct = profiles.profiles(files, names[1])
    stored = flows.stored_profiles(job, names[1])

    def close(a, b) -> bool:
        if isinstance(a, float) and isinstance(b, float):
            return abs(a - b) <= 1e-6 * max(1.0, abs(a)) or round(a, 1) == round(b, 1)
        if isinstance(a, dict) and isinstance(b, dict):
            return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
        if isinstance(a, list | tuple) and isinstance(b, list | tuple):
            return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True))
        return a == b

    comparison = {
        "congestion_identical": job.result["congestion"] == direct_congestion,
        "congestion_rows_differing": sum(
            1 for a, b in zip(job.result["congestion"], direct_congestion, strict=False) if a != b
        ),
        "congestion_close": close(job.result["congestion"], direct_congestion),
        "anomalies_identical": flows.stored_anomalies(job, limit=None) == direct_anomalies,
        "anomalies_close": close(flows.stored_anomalies(job, limit=None), direct_anomalies),
        "profiles_same_days": set(direct) == set(stored)
        and all([p[3] for p in stored[k]] == [p[3] for p in v] for k, v in direct.items()),
        "profiles_close": close(stored, direct),
    }
    same = comparison["congestion_close"] and comparison["anomalies_close"]
    same = same and comparison["profiles_close"]
    return {
        "detectors": detectors,
        "days": days,
        "rows": record.rows,
        "csv": generated,
        "import_seconds": round(import_seconds, 2),
        "previous_page": {
            "views": len(before),
            "seconds": [round(s, 2) for s in before],
            "median_s": round(sorted(before)[len(before) // 2], 2),
        },
        "flow_job": {
            "seconds": job.result["seconds"],
            "steps": job.total,
            "anomaly_days": job.result["anomaly_days"],
            "sections": len(job.result["congestion"]),
            "profiles_file_bytes": flows.profiles_file(job).stat().st_size,
        },
        "stored_page": {
            "views": len(after),
            "p50_ms": _p(after, 0.5),
            "p95_ms": _p(after, 0.95),
            "max_ms": _p(after, 1.0),
        },
        "stored_page_parts": {
            "flow_views_p50_ms": _p(flow_part, 0.5),
            "flow_views_p95_ms": _p(flow_part, 0.95),
            "month_chart_p50_ms": _p(chart_part, 0.5),
            "month_chart_p95_ms": _p(chart_part, 0.95),
        },
        "stored_equals_computed": bool(same),
        "comparison": comparison,
        "jobs": Job.objects.filter(kind="flux").count(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--detectors", type=int, default=500)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--previous-views", type=int, default=3)
    parser.add_argument("--stored-views", type=int, default=40)
    args = parser.parse_args(argv)
    from django.test.utils import override_settings

    load_before = os.getloadavg()
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    try:
        with override_settings(STORAGES={**django.conf.settings.STORAGES, "staticfiles": static}):
            figures = run(args.detectors, args.days, args.previous_views, args.stored_views)
    finally:
        shutil.rmtree(DATA, ignore_errors=True)
    figures["load_average"] = {"start": load_before, "end": os.getloadavg()}
    figures["command"] = "env OMP_NUM_THREADS=1 PYTHONPATH=$PWD/src:$PWD " + " ".join(
        ["python -m benchmarks.mobilite_flow_page", *(argv or [])]
    )
    name = "mobilite_flow_page" + (
        "" if (args.detectors, args.days) == (500, 365) else f"_{args.detectors}x{args.days}"
    )
    print(write_result(name, figures))


if __name__ == "__main__":
    main(sys.argv[1:])

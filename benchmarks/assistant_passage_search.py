"""`python -m benchmarks.assistant_passage_search --data-dir DIR`: where the time of the passage
search's lexical SQL goes over the Service-Public fiches, and what makes it cheaper (issue 20:
"retrieval p95 < 150 ms at this size on 2 cores"), each candidate against the code as it is, in
the same run, on the same index.

DIR is a data folder indexed by `python -m benchmarks.assistant_fiches CORPUS --data-dir DIR
--quick` (collection "fiches": 7 180 pages, 44 418 passages; no vectors needed). The questions
are every citizens' question of the three sets (tuning and reporting halves, second tuning set,
fresh set), each rewritten as the assistant searches (`answering.lexical_query`).

1. Profile: for each question, the parts of the statement the search core runs, timed alone
   (CPU): the FTS5 match without scoring (`count(*)`), every match scored by bm25, the pool of the
   POOL best, and the whole statement (pool + namespace + access rule).
2. This code against the previous one (`_previous_lexical_ranking` below, the search core's
   `lexical_ranking` before asst20m: the access rule joined to every row of the BM25 pool in one
   statement), the order alternating from one question to the next: the lexical ranking alone
   (limit 50, as `retrieve` asks), then the whole `answering.retrieve` in lexical mode (passage
   search, page index, fusion, passages read and highlighted: the live path without the query
   embedding). Checked: same passages, same order, same scores (relative 1e-12) for the lexical
   ranking, same passages in the same order for `retrieve`, for every question.
3. `--mmap BYTES`: this code on two connections to the same file, without and with SQLite's
   `mmap_size` (a pragma the app could set), the lexical ranking alone, alternating.
4. `--shares S1,S2,…`: the common-term share (`SQLiteSearchIndex.COMMON_TERM_SHARE`, terms held
   by more than that share of the documents left out of an any-word query) — a change of
   ranking, so each share is measured for quality too: the live page-first ranking (page index
   fused with the passage search's pages, as `benchmarks.assistant_fiches` reports it), mrr@10
   and recall@5 per set, with the lexical ranking's CPU time. Chosen on the tuning sets (tune,
   tune2), read on the reporting half and the fresh set.

Wall-clock figures depend on the load of this shared 2-core machine (recorded at start and
end); CPU time (process_time) is the comparison that holds across loads.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

from benchmarks.assistant_fiches import QUESTIONS, QUESTIONS_FRESH, QUESTIONS_TUNE2, metrics


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _summary(wall: list[float] | None, cpu: list[float]) -> dict:
    out = {}
    if wall is not None:
        out = {
            "p50_ms": round(statistics.median(wall), 2),
            "p95_ms": round(_percentile(wall, 0.95), 2),
        }
    return out | {
        "cpu_p50_ms": round(statistics.median(cpu), 2),
        "cpu_p95_ms": round(_percentile(cpu, 0.95), 2),
        "cpu_mean_ms": round(statistics.fmean(cpu), 2),
    }


def _previous_lexical_ranking():
    """`SQLiteSearchIndex.lexical_ranking` before asst20m (as in commit dda7b11)."""
    from django.db import connections

    from territoria.search.backends.base import SearchIndex, query_terms
    from territoria.search.backends.sqlite import TITLE_WEIGHT, _match_expression

    def lexical_ranking(self, namespace, query, access, limit=50, filters=None, every_word=False):
        if filters:
            return SearchIndex.lexical_ranking(
                self, namespace, query, access, limit, filters, every_word
            )
        terms = query_terms(query)
        tokens = sorted(set(access))
        if not terms or not tokens:
            return []
        if not every_word:
            terms = self.selective_terms(terms)
        match = _match_expression(terms, every_word)
        for pool in (self.POOL, None) if limit < self.POOL else (None,):
            bounded = f"ORDER BY rank LIMIT {int(pool)}" if pool else ""
            sql = (
                f"WITH matches AS MATERIALIZED (SELECT rowid AS id, bm25(search_fts, {TITLE_WEIGHT}, 1.0) AS rank "
                f"FROM search_fts WHERE search_fts MATCH %s {bounded}) "
                "SELECT m.id, -m.rank FROM matches m JOIN search_document d ON d.id = m.id "
                "WHERE d.namespace = %s AND EXISTS (SELECT 1 FROM search_access a WHERE a.document_id = m.id "
                f"AND a.token IN ({', '.join(['%s'] * len(tokens))})) ORDER BY m.rank, m.id LIMIT %s"
            )
            with connections[self.using].cursor() as cursor:
                cursor.execute(sql, [match, namespace, *tokens, limit])
                rows = [(pk, float(score)) for pk, score in cursor.fetchall()]
            if len(rows) >= limit or pool is None:
                return rows
        return rows

    return lexical_ranking


def _same(before: list[tuple[int, float]], after: list[tuple[int, float]]) -> bool:
    return [pk for pk, _s in before] == [pk for pk, _s in after] and all(
        math.isclose(x, y, rel_tol=1e-12) for (_a, x), (_b, y) in zip(before, after)
    )


def _profile(cursor, matches: list[str], namespace: str) -> dict:
    """CPU of each part of the search core's statement, per question (SQLite, any word)."""
    from territoria.search.backends.sqlite import TITLE_WEIGHT, SQLiteSearchIndex

    score = f"bm25(search_fts, {TITLE_WEIGHT}, 1.0)"
    parts = {
        "match only (count)": "SELECT count(*) FROM search_fts WHERE search_fts MATCH %s",
        "every match scored (bm25)": (
            f"WITH m AS MATERIALIZED (SELECT rowid, {score} AS r FROM search_fts "
            "WHERE search_fts MATCH %s) SELECT count(*) FROM m"
        ),
        "pool (best POOL by bm25)": (
            f"WITH m AS MATERIALIZED (SELECT rowid, {score} AS rank FROM search_fts "
            f"WHERE search_fts MATCH %s ORDER BY rank LIMIT {SQLiteSearchIndex.POOL}) "
            "SELECT count(*) FROM m"
        ),
        "whole statement (pool, namespace, access)": (
            f"WITH matches AS MATERIALIZED (SELECT rowid AS id, {score} AS rank FROM search_fts "
            f"WHERE search_fts MATCH %s ORDER BY rank LIMIT {SQLiteSearchIndex.POOL}) "
            "SELECT m.id, -m.rank FROM matches m JOIN search_document d ON d.id = m.id "
            "WHERE d.namespace = %s AND EXISTS (SELECT 1 FROM search_access a "
            "WHERE a.document_id = m.id AND a.token IN (%s)) ORDER BY m.rank, m.id LIMIT 50"
        ),
    }
    cpu = {name: [] for name in parts}
    counts = []
    for i, match in enumerate(matches):
        names = list(parts)
        for name in names[i % len(names) :] + names[: i % len(names)]:
            whole = name == "whole statement (pool, namespace, access)"
            began = time.process_time()
            cursor.execute(parts[name], [match, namespace, "public"] if whole else [match])
            rows = cursor.fetchall()
            cpu[name].append((time.process_time() - began) * 1000)
            if name == "match only (count)":
                counts.append(rows[0][0])
    return {
        "matching_rows": {
            "p50": statistics.median(counts),
            "p95": _percentile(counts, 0.95),
            "max": max(counts),
        },
        "cpu_ms": {name: _summary(None, values) for name, values in cpu.items()},
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.assistant_passage_search")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--out", default="assistant_passage_search")
    parser.add_argument("--mmap", type=int, default=0, help="also compare SQLite's mmap_size")
    parser.add_argument("--shares", default="", help="common-term shares to compare, e.g. 0.25,0.1")
    args = parser.parse_args(argv)
    from benchmarks import setup_django, write_result

    setup_django(args.data_dir, embedded=True)
    from django.db import connections

    from territoria.assistant.models import Collection
    from territoria.assistant.services import answering, pages
    from territoria.assistant.services.answering import lexical_query
    from territoria.search.access import PUBLIC
    from territoria.search.backends.base import query_terms
    from territoria.search.backends.sqlite import SQLiteSearchIndex, _match_expression

    if args.mmap:
        # A second connection to the same file, with the memory map.
        default = connections.settings["default"]
        connections.settings["mmap"] = {
            **default,
            "OPTIONS": {
                **default["OPTIONS"],
                "init_command": default["OPTIONS"]["init_command"]
                + f"; PRAGMA mmap_size={int(args.mmap)}",
            },
        }
    search = SQLiteSearchIndex()
    collection = Collection.objects.get(slug="fiches")
    namespace = collection.namespace
    pages.page_index(namespace, [PUBLIC], wait=True)
    sets: dict[str, list[tuple[str, str]]] = {}
    for path in (QUESTIONS, QUESTIONS_TUNE2, QUESTIONS_FRESH):
        for q in json.loads(path.read_text("utf-8"))["questions"]:
            sets.setdefault(f"citizens-{q['half']}", []).append((q["question"], q["gold"]))
    questions = [q for items in sets.values() for q, _g in items]
    lexical = {q: lexical_query(q) for q in questions}
    load_start = [round(x, 2) for x in os.getloadavg()]

    # 1. Profile.
    matches = [
        _match_expression(search.selective_terms(query_terms(lexical[q])), False) for q in questions
    ]
    with connections["default"].cursor() as cursor:
        profile = _profile(cursor, matches, namespace)

    # 2. This code against the previous one, same connection, same index.
    paths = {"previous": _previous_lexical_ranking(), "this": SQLiteSearchIndex.lexical_ranking}
    for q in questions[:5]:  # warm-up: SQLite pages cached, page index loaded
        for code in paths.values():
            code(search, namespace, lexical[q], [PUBLIC], 50)
    names = list(paths)
    wall = {(part, n): [] for part in ("lexical", "retrieve") for n in names}
    cpu = {(part, n): [] for part in ("lexical", "retrieve") for n in names}
    different = {"lexical": [], "retrieve": []}
    try:
        for i, q in enumerate(questions):
            found = {}
            for name in names if i % 2 == 0 else names[::-1]:
                SQLiteSearchIndex.lexical_ranking = paths[name]  # what retrieve calls, below
                began, began_cpu = time.perf_counter(), time.process_time()
                ranking = search.lexical_ranking(namespace, lexical[q], [PUBLIC], 50)
                wall["lexical", name].append((time.perf_counter() - began) * 1000)
                cpu["lexical", name].append((time.process_time() - began_cpu) * 1000)
                began, began_cpu = time.perf_counter(), time.process_time()
                passages = answering.retrieve([collection], q, [PUBLIC], mode="lexical")
                wall["retrieve", name].append((time.perf_counter() - began) * 1000)
                cpu["retrieve", name].append((time.process_time() - began_cpu) * 1000)
                found[name] = (ranking, [p.key for p in passages])
            if not _same(found["previous"][0], found["this"][0]):
                different["lexical"].append(q)
            if found["previous"][1] != found["this"][1]:
                different["retrieve"].append(q)
    finally:
        SQLiteSearchIndex.lexical_ranking = paths["this"]
    compared = {
        {"lexical": "lexical ranking", "retrieve": "retrieve (lexical mode)"}[part]: {
            **{n: _summary(wall[part, n], cpu[part, n]) for n in names},
            "same": len(questions) - len(different[part]),
            "different": different[part][:10],
        }
        for part in ("lexical", "retrieve")
    }

    # 3. mmap (this code, two connections).
    mmap_figures = {}
    if args.mmap:
        indexes = {"without mmap": search, "with mmap": SQLiteSearchIndex("mmap")}
        mmap_wall = {n: [] for n in indexes}
        mmap_cpu = {n: [] for n in indexes}
        for q in questions[:5]:
            indexes["with mmap"].lexical_ranking(namespace, lexical[q], [PUBLIC], 50)
        for i, q in enumerate(questions):
            for name in list(indexes) if i % 2 == 0 else list(indexes)[::-1]:
                began, began_cpu = time.perf_counter(), time.process_time()
                indexes[name].lexical_ranking(namespace, lexical[q], [PUBLIC], 50)
                mmap_wall[name].append((time.perf_counter() - began) * 1000)
                mmap_cpu[name].append((time.process_time() - began_cpu) * 1000)
        mmap_figures = {n: _summary(mmap_wall[n], mmap_cpu[n]) for n in indexes}

    # 3. Common-term shares (a change of ranking: quality measured with the time).
    shares_figures = {}
    if args.shares:
        documents = {str(d.pk): Path(d.source).stem for d in collection.documents.all()}
        page_index = copy.copy(pages.page_index(namespace, [PUBLIC], wait=True))
        page_index.ids = [documents.get(d, d) for d in page_index.ids]
        page_index._numbers = {d: i for i, d in enumerate(page_index.ids)}
        shares = [float(s) for s in args.shares.split(",")]
        ranked = {(s, name): [] for s in shares for name in sets}
        share_cpu = {s: [] for s in shares}
        default_share = SQLiteSearchIndex.COMMON_TERM_SHARE
        index = search
        try:
            for name, items in sets.items():
                for i, (q, _g) in enumerate(items):
                    for s in shares[i % len(shares) :] + shares[: i % len(shares)]:
                        SQLiteSearchIndex.COMMON_TERM_SHARE = s
                        began = time.process_time()
                        index.lexical_ranking(namespace, lexical[q], [PUBLIC], 50)
                        share_cpu[s].append((time.process_time() - began) * 1000)
                        passage_pages: dict[str, float] = {}
                        for hit in index.search(
                            namespace,
                            q,
                            [PUBLIC],
                            limit=answering.PAGE_PASSAGES,
                            mode="lexical",
                            lexical_query=lexical[q],
                            snippet_chars=0,
                        ):
                            doc = documents.get(str(hit.fields.get("document")), "")
                            passage_pages.setdefault(doc, hit.scores.get("lexical", 0.0))
                        live = pages.fused_pages(
                            page_index, lexical[q], list(passage_pages.items())
                        )
                        ranked[s, name].append([d for d, _s in live[:10]])
        finally:
            SQLiteSearchIndex.COMMON_TERM_SHARE = default_share
        shares_figures = {
            str(s): {
                "lexical ranking": _summary(None, share_cpu[s]),
                **{
                    name: metrics(ranked[s, name], [g for _q, g in items])
                    for name, items in sets.items()
                },
            }
            for s in shares
        }

    figures = {
        "command": "python -m benchmarks.assistant_passage_search --data-dir DIR"
        + (f" --mmap {args.mmap}" if args.mmap else "")
        + (f" --shares {args.shares}" if args.shares else ""),
        "data": "DIR indexed by `python -m benchmarks.assistant_fiches CORPUS --data-dir DIR --quick`",
        "pages": collection.documents.count(),
        "passages": search.count(namespace),
        "fts_rows (every namespace)": search._total_documents(connections["default"].cursor()),
        "questions": {name: len(items) for name, items in sets.items()},
        "profile (previous statement, parts alone)": profile,
        "previous code against this code": compared,
        "mmap (this code)": {"mmap_size": args.mmap, **mmap_figures} if args.mmap else None,
        "common term shares (live page-first, lexical mode)": shares_figures,
        "load_average_start": load_start,
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
    }
    path = write_result(args.out, figures)
    print(json.dumps(figures, indent=1, ensure_ascii=False))
    print(f"→ {path}")
    return 0 if not any(different.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

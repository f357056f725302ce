"""Search quality of the register: recall@5 and MRR of lexical, semantic and fused search.

Runs the judged queries of `data/registre_queries.json` against the real records (they must be
loaded and indexed, with embeddings, in the current database) through the same matching code
as the pages (`registre.discovery.text.match_projects`), as an anonymous reader.

    recall@5  share of the expected projects found in the first 5 results (averaged over queries)
    MRR       mean of 1 / rank of the first expected project (0 when none in the first 20)
"""

from __future__ import annotations

import json
from pathlib import Path

QUERIES = Path(__file__).parent / "data" / "registre_queries.json"
MODES = {"lexical": "lexical", "semantic": "dense", "fused": "hybrid"}


def judged_queries() -> list[dict]:
    return json.loads(QUERIES.read_text())["queries"]


def evaluate(k: int = 5, depth: int = 20, queries: list[dict] | None = None) -> dict:
    """Figures on `queries` (default: every judged query)."""
    from territoria.registre.discovery.text import match_projects
    from territoria.registre.models import Project

    names = dict(Project.objects.values_list("pk", "nom_projet"))
    queries = judged_queries() if queries is None else queries
    report = {}
    for label, mode in MODES.items():
        recall, reciprocal, by_kind = [], [], {}
        misses = []
        for item in queries:
            ranked = [
                names[pk] for pk in match_projects(item["q"], None, mode=mode).project_ids[:depth]
            ]
            expected = set(item["expected"])
            unknown = expected - set(names.values())
            if unknown:
                raise ValueError(f"judged query {item['q']!r}: unknown projects {sorted(unknown)}")
            r = len(expected & set(ranked[:k])) / len(expected)
            first = next((i for i, name in enumerate(ranked, start=1) if name in expected), None)
            rr = 1 / first if first else 0.0
            recall.append(r)
            reciprocal.append(rr)
            by_kind.setdefault(item["kind"], []).append((r, rr))
            if not first or first > k:
                misses.append(item["q"])
        report[label] = {
            f"recall@{k}": round(sum(recall) / len(recall), 3),
            "mrr": round(sum(reciprocal) / len(reciprocal), 3),
            "by_kind": {
                kind: {
                    f"recall@{k}": round(sum(a for a, _ in v) / len(v), 3),
                    "mrr": round(sum(b for _, b in v) / len(v), 3),
                    "queries": len(v),
                }
                for kind, v in by_kind.items()
            },
            "missed_in_top5": misses,
        }
    return {"queries": len(queries), **report}


def run_in_fresh_database(out: str) -> None:
    """Load the real records into the current (fresh) database, embed them, evaluate, write JSON."""
    from benchmarks import setup_django

    setup_django(migrate=True)  # the caller's fresh data folder
    from benchmarks.registre_data import load_real_records
    from territoria.registre.discovery.indexing import embed_pending

    load_real_records()
    embed_pending()
    Path(out).write_text(json.dumps(evaluate(), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    import sys

    run_in_fresh_database(sys.argv[1])

"""`python -m benchmarks.assistant_fiches_abstention --data-dir DIR`: how often the assistant
abstains on the citizens' questions over the Service-Public fiches, per question type (issue 20:
"abstention ≤ 10 % on answerable questions", "reported per question type").

DIR is a data folder indexed by `python -m benchmarks.assistant_fiches … --live` (collection
"fiches", its page vectors embedded). Every question of benchmarks/data/fiches_citizen_questions.json
is answerable: its gold page is in the corpus. Each question goes through the assistant as it
answers (answering.retrieve in hybrid mode, then answer_from_passages with the embedded
extractive answer); reported per half and per question type: the share of answers that abstain,
the share whose cited passages come from the gold page, and recall@1/5 of the gold page.

Question types, from the question's own words (first rule that matches, folded for accents and
case): "que faire" (what can/must I do: "que faire", "qu'est-ce que je peux/dois faire",
"que dois-je", "quoi faire", "quelles démarches"), "qu'est-ce que" (a definition: "qu'est-ce
que/qu'", "c'est quoi"), "ai-je droit (oui / non)" (a right, a permission, an obligation: "droit",
"puis-je", "je peux", "peut-on", "dois-je", "peut-il", "c'est légal / autorisé / possible",
"valable", "suis-je"…), "comment" (how), "combien /
quand" (an amount, a delay), "quel / où / qui" (which rule, where, who, is there), "autre".

Off-topic questions (benchmarks/data/fiches_offtopic_questions.json: 40 questions no fiche
answers, in two halves) are asked the same way: they should abstain. `--sweep` also reports, on
each half, the abstentions the page-vector evidence rule (answering.page_evidence) would give at
each threshold, from the evidence recorded per question — the threshold MIN_PAGE_EVIDENCE is
chosen on the tuning halves only; the reporting halves are then read with the code's value.

The fiches' questions have no gold answer text, so answer_recall cannot be computed here; the
citation of the gold page stands in for it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from benchmarks.assistant_fiches import QUESTIONS

OFFTOPIC = Path(__file__).parent / "data" / "fiches_offtopic_questions.json"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.assistant_fiches_abstention")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--out", default="assistant_fiches_abstention")
    parser.add_argument("--only", type=int, default=0, help="every Nth question only (a subset)")
    args = parser.parse_args(argv)
    from benchmarks import setup_django

    setup_django(args.data_dir, embedded=True, migrate=True)
    from benchmarks import write_result
    from territoria.assistant.models import Collection
    from territoria.assistant.services import answering, pages
    from territoria.assistant.services.answering import (
        PASSAGES,
        _topic_terms,
        answer_from_passages,
        coverage,
        retrieve,
        term_weights,
    )

    # The question types of `territoria assistant eval` (one rule for both reports).
    from territoria.assistant.services.evaluation import TYPE_NAMES, question_type
    from territoria.search.access import PUBLIC

    collection = Collection.objects.get(slug="fiches")
    # The page index built now, not in the background thread while the questions are analysed.
    pages.page_index(collection.namespace, [PUBLIC], wait=True)
    documents = {str(d.pk): Path(d.source).stem for d in collection.documents.all()}
    questions = json.loads(QUESTIONS.read_text(encoding="utf-8"))["questions"]
    offtopic = json.loads(OFFTOPIC.read_text(encoding="utf-8"))["questions"]
    asked = [dict(q, answerable=True) for q in questions] + [
        dict(q, answerable=False, gold=None) for q in offtopic
    ]
    if args.only > 1:
        asked = asked[:: args.only]
    rows = []
    started = time.perf_counter()
    for q in asked:
        passages = retrieve([collection], q["question"], [PUBLIC], mode="hybrid", limit=10)
        shown = passages[:PASSAGES]
        answer = answer_from_passages(q["question"], shown, [collection])
        ranked = list(dict.fromkeys(documents.get(p.document, p.document) for p in passages))
        cited = {documents.get(p.document, p.document) for p in answer.cited_passages()}
        wanted = _topic_terms(q["question"])
        weights = term_weights([collection], wanted)
        idf = {t: max(weights.get(t, 1.0), 0.05) for t in wanted}
        gaps = [p.scores["page_dense_gap"] for p in shown if "page_dense_gap" in p.scores]
        rows.append(
            {
                "id": q["id"],
                "half": q["half"],
                "answerable": q["answerable"],
                "type": question_type(q["question"]),
                "abstained": bool(answer.abstained),
                "gold_cited": (not answer.abstained) and q["gold"] in cited,
                "r1": q["gold"] in ranked[:1],
                "r5": q["gold"] in ranked[:5],
                "dense_gap": any("dense_gap" in p.scores for p in passages),
                "page_dense_gap": round(max(gaps), 5) if gaps else None,
                "coverage": round(
                    max(
                        (coverage(p, wanted, idf) for p in shown[: answering.EVIDENCE_PASSAGES]),
                        default=0.0,
                    ),
                    5,
                ),
            }
        )
    seconds = round(time.perf_counter() - started, 1)

    def summary(selected: list[dict]) -> dict:
        n = len(selected) or 1
        return {
            "questions": len(selected),
            "abstained": round(sum(r["abstained"] for r in selected) / n, 4),
            "gold_page_cited": round(sum(r["gold_cited"] for r in selected) / n, 4),
            "recall@1": round(sum(r["r1"] for r in selected) / n, 4),
            "recall@5": round(sum(r["r5"] for r in selected) / n, 4),
        }

    def would_abstain(row: dict, threshold: float, weight: float) -> bool:
        """answering.supported's rule without passage vectors, at these values."""
        if row["page_dense_gap"] is None:
            return row["abstained"]
        covered = row["coverage"] >= answering.MIN_SUPPORT
        return not (covered or row["page_dense_gap"] + weight * row["coverage"] >= threshold)

    def before(selected: list[dict]) -> float:
        """The rule before the page-vector evidence (coverage alone), same run, same passages."""
        n = len(selected) or 1
        return round(sum(r["coverage"] < answering.MIN_SUPPORT for r in selected) / n, 4)

    sweep = {}
    for half in ("tune", "report"):
        answerable = [r for r in rows if r["half"] == half and r["answerable"]]
        other = [r for r in rows if r["half"] == half and not r["answerable"]]
        sweep[half] = {
            f"{weight:g} / {threshold:.3f}": {
                "answerable_abstained": round(
                    sum(would_abstain(r, threshold, weight) for r in answerable)
                    / (len(answerable) or 1),
                    4,
                ),
                "offtopic_abstained": round(
                    sum(would_abstain(r, threshold, weight) for r in other) / (len(other) or 1),
                    4,
                ),
            }
            for weight in (0.0, 0.05, 0.1)
            for threshold in [i / 200 for i in range(31)]
        }
    figures = {
        "command": "python -m benchmarks.assistant_fiches_abstention --data-dir DIR",
        "collection": {"pages": len(documents)},
        "rule": {
            "MIN_PAGE_EVIDENCE": answering.MIN_PAGE_EVIDENCE,
            "PAGE_COVERAGE_WEIGHT": answering.PAGE_COVERAGE_WEIGHT,
            "MIN_EVIDENCE": answering.MIN_EVIDENCE,
            "MIN_SUPPORT": answering.MIN_SUPPORT,
        },
        "questions_with_a_dense_gap": sum(r["dense_gap"] for r in rows),
        "questions_with_a_page_dense_gap": sum(r["page_dense_gap"] is not None for r in rows),
        "seconds": seconds,
        "halves": {},
    }
    for half in ("tune", "report"):
        selected = [r for r in rows if r["half"] == half and r["answerable"]]
        figures["halves"][half] = {
            "all": summary(selected),
            "per_type": {
                name: summary([r for r in selected if r["type"] == name])
                for name in TYPE_NAMES
                if any(r["type"] == name for r in selected)
            },
            "offtopic (should abstain)": summary(
                [r for r in rows if r["half"] == half and not r["answerable"]]
            ),
            "before: coverage rule alone (abstained)": {
                "answerable": before(selected),
                "offtopic": before([r for r in rows if r["half"] == half and not r["answerable"]]),
            },
        }
    figures["sweep (weight / threshold)"] = sweep
    figures["rows"] = rows
    path = write_result(args.out, figures)
    print(
        json.dumps(
            {k: v for k, v in figures.items() if k not in ("rows", "sweep (weight / threshold)")},
            indent=2,
        )
    )
    print(f"→ {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

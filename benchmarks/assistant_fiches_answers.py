"""`python -m benchmarks.assistant_fiches_answers --data-dir DIR`: answer_recall and
citation_recall on the fiches' citizens' questions that have accepted answer phrases
(benchmarks/data/fiches_citizen_answers.json: the reporting half's « qu'est-ce que » and
« comment » questions), per question type, the answer rule before (answering.ANSWER_LEAD off)
and after, on copies of the same retrieved passages, in one run.

DIR is a data folder indexed by `python -m benchmarks.assistant_fiches … --live` (collection
"fiches", page vectors embedded). The answers are given as the assistant gives them (hybrid
retrieval, the code's abstention rule): an abstention holds no answer.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
from pathlib import Path

from benchmarks.assistant_fiches import QUESTIONS

ANSWERS = Path(__file__).parent / "data" / "fiches_citizen_answers.json"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.assistant_fiches_answers")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--out", default="assistant_fiches_answers")
    args = parser.parse_args(argv)
    from benchmarks import setup_django

    setup_django(args.data_dir, embedded=True, migrate=False)
    from benchmarks import write_result
    from territoria.assistant.models import Collection
    from territoria.assistant.services import answering, pages
    from territoria.assistant.services.evaluation import question_type
    from territoria.search.access import PUBLIC
    from territoria.search.analyzer import fold

    collection = Collection.objects.get(slug="fiches")
    pages.page_index(collection.namespace, [PUBLIC], wait=True)
    documents = {str(d.pk): Path(d.source).stem for d in collection.documents.all()}
    accepted = json.loads(ANSWERS.read_text(encoding="utf-8"))["answers"]
    questions = [
        q
        for q in json.loads(QUESTIONS.read_text(encoding="utf-8"))["questions"]
        if q["id"] in accepted
    ]
    rows = []
    for q in questions:
        passages = answering.retrieve([collection], q["question"], [PUBLIC], mode="hybrid")
        wanted = [fold(a) for a in accepted[q["id"]]]
        row = {"id": q["id"], "type": question_type(q["question"]), "gold": q["gold"]}
        for name, lead in (("before", False), ("after", True)):
            saved = answering.ANSWER_LEAD
            answering.ANSWER_LEAD = lead
            try:
                answer = answering.answer_from_passages(
                    q["question"], copy.deepcopy(passages), [collection]
                )
            finally:
                answering.ANSWER_LEAD = saved
            cited = answer.cited_passages()
            row[name] = {
                "abstained": answer.abstained,
                "answer": (not answer.abstained) and any(a in fold(answer.text) for a in wanted),
                "citation": (not answer.abstained)
                and any(a in fold(" ".join(p.text for p in cited)) for a in wanted),
                "gold_cited": (not answer.abstained)
                and q["gold"] in {documents.get(p.document, p.document) for p in cited},
                "words": 0
                if answer.abstained
                else len(answering._CITATION.sub(" ", answer.text).split()),
            }
        rows.append(row)

    def summary(selected: list[dict], name: str) -> dict:
        n = len(selected) or 1
        answered = [r for r in selected if not r[name]["abstained"]]
        return {
            "questions": len(selected),
            "answer_recall": round(sum(r[name]["answer"] for r in selected) / n, 4),
            "citation_recall": round(sum(r[name]["citation"] for r in selected) / n, 4),
            "gold_page_cited": round(sum(r[name]["gold_cited"] for r in selected) / n, 4),
            "abstained": round(1 - len(answered) / n, 4),
            "answer_words": round(sum(r[name]["words"] for r in answered) / len(answered), 1)
            if answered
            else 0,
        }

    types = sorted({r["type"] for r in rows})
    figures = {
        "command": "python -m benchmarks.assistant_fiches_answers --data-dir DIR",
        "pages": len(documents),
        "rule": {
            "MIN_PAGE_EVIDENCE": answering.MIN_PAGE_EVIDENCE,
            "LEAD_TYPES": list(answering.LEAD_TYPES),
            "LEAD_WORDS": answering.LEAD_WORDS,
            "CONDITION_WORDS": answering.CONDITION_WORDS,
        },
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "all": {name: summary(rows, name) for name in ("before", "after")},
        "per_type": {
            t: {
                name: summary([r for r in rows if r["type"] == t], name)
                for name in ("before", "after")
            }
            for t in types
        },
        "rows": rows,
    }
    path = write_result(args.out, figures)
    print(
        json.dumps({k: v for k, v in figures.items() if k != "rows"}, indent=2, ensure_ascii=False)
    )
    print(f"→ {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

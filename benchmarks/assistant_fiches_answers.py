"""`python -m benchmarks.assistant_fiches_answers --data-dir DIR`: answer_recall and
citation_recall on the fiches' citizens' questions that have accepted answer phrases
(benchmarks/data/fiches_citizen_answers.json: every question of the reporting half of
fiches_citizen_questions.json and of the fresh set fiches_citizen_questions_fresh.json), per
set (report / fresh), per question type and per set × type, with counts, the answer rule
before (answering.ANSWER_LEAD off) and after, on copies of the same retrieved passages, in one
run. A question whose gold page does not answer it (`no_answer_in_gold`) is left out and counted.

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

from benchmarks.assistant_fiches import QUESTIONS, QUESTIONS_FRESH

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
    answers = json.loads(ANSWERS.read_text(encoding="utf-8"))
    accepted = answers["answers"]
    questions = [
        q
        for path in (QUESTIONS, QUESTIONS_FRESH)
        for q in json.loads(path.read_text(encoding="utf-8"))["questions"]
        if q["id"] in accepted
    ]
    rows = []
    for q in questions:
        passages = answering.retrieve([collection], q["question"], [PUBLIC], mode="hybrid")
        wanted = [fold(a) for a in accepted[q["id"]]]
        row = {
            "id": q["id"],
            "set": q["half"],
            "type": question_type(q["question"]),
            "gold": q["gold"],
        }
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

    def both(selected: list[dict]) -> dict:
        return {name: summary(selected, name) for name in ("before", "after")}

    sets = sorted({r["set"] for r in rows}, key=("report", "fresh").index)
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
        "no_answer_in_gold": sorted(answers.get("no_answer_in_gold", {})),
        "all": both(rows),
        "per_set": {s: both([r for r in rows if r["set"] == s]) for s in sets},
        "per_type": {t: both([r for r in rows if r["type"] == t]) for t in types},
        "per_set_type": {
            s: {
                t: both([r for r in rows if r["set"] == s and r["type"] == t])
                for t in types
                if any(r["set"] == s and r["type"] == t for r in rows)
            }
            for s in sets
        },
        "rows": rows,
    }
    path = write_result(args.out, figures)
    print(
        json.dumps({k: v for k, v in figures.items() if k != "rows"}, indent=2, ensure_ascii=False)
    )
    for label, groups in (
        ("all", {"all": figures["all"]}),
        ("set", figures["per_set"]),
        ("type", figures["per_type"]),
    ):
        for key, pair in groups.items():
            b, a = pair["before"], pair["after"]
            print(
                f"{label} « {key} » ({a['questions']}): answer_recall {b['answer_recall']} → "
                f"{a['answer_recall']}, citation_recall {b['citation_recall']} → "
                f"{a['citation_recall']}, gold page cited {b['gold_page_cited']} → "
                f"{a['gold_page_cited']}, abstained {b['abstained']} → {a['abstained']}"
            )
    print(f"→ {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

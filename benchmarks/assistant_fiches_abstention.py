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

The fiches' questions have no gold answer text, so answer_recall cannot be computed here; the
citation of the gold page stands in for it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

from benchmarks.assistant_fiches import QUESTIONS

TYPES = (
    (
        "que faire",
        (
            r"que faire|qu'?est-ce que (je|j'|on) (peux|dois|doit|peut|fais)( |-)?faire"
            r"|que dois-je|quoi faire|quelles? demarches?|que puis-je faire|que peut-on faire"
        ),
    ),
    ("qu'est-ce que", r"qu'?est-ce qu|c'est quoi|veut dire|a quoi (il |elle |ca )?correspond"),
    (
        "ai-je droit (oui / non)",
        (
            r"droit|puis-je|je peux|peut-on|est-ce que je dois|suis-je|oblige"
            r"|est-ce que j'ai|legal|autorise|permis \?|possible|peut-(il|elle)|peuvent-|dois-je"
            r"|doit-(il|elle)|doivent-|valable|vais-je|obligatoire|suffit|-t-(il|elle)|il peut|il doit|une amende"
        ),
    ),
    ("comment", r"\bcomment\b"),
    ("combien / quand", r"\bcombien\b|\bquand\b|\bdelai|\bmontant"),
    ("quel / où / qui", r"\bquel|\bou\b|\bqui\b|existe-t-il|y a-t-il|est-ce"),
)


def question_type(question: str) -> str:
    from territoria.search.analyzer import strip_accents

    text = strip_accents(question.lower()).replace("’", "'")
    for name, pattern in TYPES:
        if re.search(pattern, text):
            return name
    return "autre"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.assistant_fiches_abstention")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--out", default="assistant_fiches_abstention")
    args = parser.parse_args(argv)
    from benchmarks.heldout import _setup_django

    _setup_django(args.data_dir)
    from benchmarks import write_result
    from territoria.assistant.models import Collection
    from territoria.assistant.services import pages
    from territoria.assistant.services.answering import (
        PASSAGES,
        answer_from_passages,
        retrieve,
    )
    from territoria.search.access import PUBLIC

    collection = Collection.objects.get(slug="fiches")
    # The page index built now, not in the background thread while the questions are analysed
    # (the search core's snowball stemmer is shared: analysing in two threads at once can fail).
    pages.page_index(collection.namespace, [PUBLIC], wait=True)
    documents = {str(d.pk): Path(d.source).stem for d in collection.documents.all()}
    questions = json.loads(QUESTIONS.read_text(encoding="utf-8"))["questions"]
    rows = []
    started = time.perf_counter()
    for q in questions:
        passages = retrieve([collection], q["question"], [PUBLIC], mode="hybrid", limit=10)
        answer = answer_from_passages(q["question"], passages[:PASSAGES], [collection])
        ranked = list(dict.fromkeys(documents.get(p.document, p.document) for p in passages))
        cited = {documents.get(p.document, p.document) for p in answer.cited_passages()}
        rows.append(
            {
                "id": q["id"],
                "half": q["half"],
                "type": question_type(q["question"]),
                "abstained": bool(answer.abstained),
                "gold_cited": (not answer.abstained) and q["gold"] in cited,
                "r1": q["gold"] in ranked[:1],
                "r5": q["gold"] in ranked[:5],
                "dense_gap": any("dense_gap" in p.scores for p in passages),
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

    figures = {
        "command": "python -m benchmarks.assistant_fiches_abstention --data-dir DIR",
        "collection": {"pages": len(documents)},
        "questions_with_a_dense_gap": sum(r["dense_gap"] for r in rows),
        "seconds": seconds,
        "halves": {},
    }
    for half in ("tune", "report"):
        selected = [r for r in rows if r["half"] == half]
        figures["halves"][half] = {
            "all": summary(selected),
            "per_type": {
                name: summary([r for r in selected if r["type"] == name])
                for name in [t for t, _p in TYPES] + ["autre"]
                if any(r["type"] == name for r in selected)
            },
        }
    figures["rows"] = rows
    path = write_result(args.out, figures)
    print(json.dumps({k: v for k, v in figures.items() if k != "rows"}, indent=2))
    print(f"→ {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""`python -m benchmarks.assistant_answers`: the assistant's answers, before and after, same run.

For each question set, `territoria assistant eval`'s code (services/evaluation.py) ingests the
corpus into a fresh collection and reports retrieval (fused, lexical, dense, and the plain
baselines BM25 over whole pages and e5 over each page's first window) and answers
(`answer_recall`, `citation_recall`, `abstained`). Each set runs twice, in separate processes
and fresh data folders: with this checkout's code and with a reference checkout's
(`--reference`, by default ../main: the code before this change), so the difference is the
change alone.

Sets (tuning data and reporting data kept apart, see docs/assistant.md):
- guide-dev (tuning), guide-paraphrases-2 (reporting only: written after the tuning),
  guide-paraphrases (seen once before tuning: reported, not a clean held-out), guide-offtopic
  (tuning; `abstained` should be high): tests/fixtures/assistant/;
- PIAF tune / report: the first `--articles` articles of each half of
  benchmarks/data/heldout_split.json;
- CRPA (38 questions, all).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "assistant"
GUIDE_SETS = ("dev", "paraphrases", "paraphrases-2", "offtopic")
KEEP = (
    "questions",
    "documents",
    "chunks",
    "recall@1",
    "recall@5",
    "mrr@10",
    "answer_recall",
    "citation_recall",
    "abstained",
    "p50_ms",
    "p95_ms",
)


def _sets(work: Path, articles: int) -> list[tuple[str, Path, Path]]:
    from benchmarks.assistant_common import PIAF
    from benchmarks.heldout import split
    from territoria.assistant.services.evaluation import squad_corpus

    sets = [
        (f"guide-{name}", FIXTURES / "guide", FIXTURES / f"guide-questions-{name}.json")
        for name in GUIDE_SETS
    ]
    data = json.loads(PIAF.read_text(encoding="utf-8"))
    by_title = {a["title"]: a for a in data["data"]}
    for half in ("tune", "report"):
        chosen = [by_title[t] for t in split()["piaf_articles"][half][:articles]]
        source = work / f"piaf-{half}.json"
        source.write_text(json.dumps({"data": chosen}, ensure_ascii=False), encoding="utf-8")
        corpus, questions = work / f"piaf-{half}", work / f"piaf-{half}-q.json"
        squad_corpus(source, corpus, questions)
        sets.append((f"piaf-{half}", corpus, questions))
    crpa = PIAF.parent / "crpa-squad.json"
    squad_corpus(crpa, work / "crpa", work / "crpa-q.json")
    sets.append(("crpa", work / "crpa", work / "crpa-q.json"))
    return sets


def child(out: str, articles: int) -> None:
    from benchmarks import setup_django

    work = Path(tempfile.mkdtemp(prefix="territoria-bench-answers-"))
    setup_django(work, embedded=True, migrate=True)
    from territoria.assistant.services.evaluation import evaluate

    results = {}
    for name, corpus, questions in _sets(work, articles):
        started = time.perf_counter()
        result = evaluate(corpus, questions)
        figures = {key: result[key] for key in KEEP if key in result}
        figures["modes"] = {m: result["modes"][m]["mrr@10"] for m in result["modes"]}
        if "baselines" in result:
            figures["baselines"] = result["baselines"]
        results[name] = figures
        print(f"[answers] {name}: {time.perf_counter() - started:.0f} s", flush=True)
    Path(out).write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.assistant_answers")
    parser.add_argument("--articles", type=int, default=8, help="PIAF articles per half")
    parser.add_argument("--reference", default=str(ROOT.parent / "main"), help="checkout before")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.out, args.articles)
        return 0
    from benchmarks import write_result

    figures = {
        "command": "python -m benchmarks.assistant_answers"
        + (f" --articles {args.articles}" if args.articles != 8 else ""),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    reference = Path(args.reference)
    with tempfile.TemporaryDirectory() as tmp:
        for label, code in (("before", reference), ("after", ROOT)):
            out = Path(tmp) / f"{label}.json"
            subprocess.run(
                [sys.executable, "-m", "benchmarks.assistant_answers", "--child", "--out", str(out)]
                + ["--articles", str(args.articles)],
                cwd=ROOT,  # this checkout's benchmark and fixtures; the code under test from `code`
                env={
                    **os.environ,
                    "PYTHONPATH": os.pathsep.join(
                        [str(code / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")]
                    ),
                },
                check=True,
            )
            figures[label] = json.loads(out.read_text(encoding="utf-8"))
    figures["reference"] = "main before this change (git merge-base)"
    figures["load_average_1_5_15"] = [round(x, 2) for x in os.getloadavg()]
    path = write_result("assistant_answers", figures)
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    print(f"→ {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

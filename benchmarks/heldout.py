"""`python -m benchmarks.heldout`: the tuned search choices on the data they were tuned on,
and on a held-out half.

The register's semantic thresholds (`DENSE_MIN_SCORE`, `DENSE_MARGIN` in
registre/discovery/text.py) and its fusion were chosen on the judged queries; the assistant's
abstention threshold (`MIN_EVIDENCE` in assistant/services/answering.py) and its score
fusion (search/fusion.py) on PIAF. `benchmarks/data/heldout_split.json` splits both, once and
for all, into a tuning half and a reporting half. This command measures the same figures on
each half, with the values in the code, and writes them to benchmarks/results/heldout.json:

- register (real records, anonymous reader): recall@5 and MRR of semantic and fused search
  (the thresholds decide which neighbours are results) and of lexical search (a control the
  thresholds do not touch);
- assistant (`--articles` PIAF articles of each half, through `territoria assistant eval`'s
  code): mrr@10 of fused, lexical and dense retrieval (the fusion choice), the share of
  answerable questions that abstain (`MIN_EVIDENCE`), and the answer recall.

The register needs no shared data; PIAF is read from ../shared/data/assistant/ (or PIAF_JSON).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import setup_django

ROOT = Path(__file__).resolve().parent.parent
SPLIT = ROOT / "benchmarks" / "data" / "heldout_split.json"
HALVES = ("tune", "report")


def split() -> dict:
    return json.loads(SPLIT.read_text(encoding="utf-8"))


def registre_part() -> dict:
    """In this process's (fresh) database: the real records, embedded, then each half."""
    from benchmarks.registre_data import load_real_records
    from benchmarks.registre_quality import evaluate, judged_queries
    from territoria.registre.discovery import text
    from territoria.registre.discovery.indexing import embed_pending

    load_real_records()
    embed_pending()
    by_text = {item["q"]: item for item in judged_queries()}
    halves = split()["registre_queries"]
    results = {half: evaluate(queries=[by_text[q] for q in halves[half]]) for half in HALVES}
    figures = {}
    for mode in ("semantic", "fused", "lexical"):
        for metric in ("recall@5", "mrr"):
            figures[f"{mode} {metric}"] = {h: results[h][mode][metric] for h in HALVES}
    return {
        "size": f"{len(halves['tune'])} + {len(halves['report'])} judged queries",
        "split": "benchmarks/data/heldout_split.json, key registre_queries "
        "(alternately per kind: words, paraphrase, typo)",
        "values": {"DENSE_MIN_SCORE": text.DENSE_MIN_SCORE, "DENSE_MARGIN": text.DENSE_MARGIN},
        "figures": figures,
        "missed_in_top5": {h: results[h]["fused"]["missed_in_top5"] for h in HALVES},
    }


def assistant_part(articles: int, work: Path) -> dict:
    from benchmarks.assistant_common import PIAF
    from territoria.assistant.services import answering
    from territoria.assistant.services.evaluation import evaluate, squad_corpus

    data = json.loads(PIAF.read_text(encoding="utf-8"))
    by_title = {a["title"]: a for a in data["data"]}
    halves = split()["piaf_articles"]
    results = {}
    for half in HALVES:
        chosen = [by_title[t] for t in halves[half][:articles]]
        source = work / f"piaf-{half}.json"
        source.write_text(json.dumps({"data": chosen}, ensure_ascii=False), encoding="utf-8")
        corpus, questions = work / f"corpus-{half}", work / f"questions-{half}.json"
        squad_corpus(source, corpus, questions)
        started = time.perf_counter()
        results[half] = evaluate(corpus, questions)
        print(f"[heldout] PIAF {half}: {time.perf_counter() - started:.0f} s", flush=True)
    figures = {
        "fused (z-score) mrr@10": {h: results[h]["mrr@10"] for h in HALVES},
        "lexical mrr@10": {h: results[h]["modes"]["lexical"]["mrr@10"] for h in HALVES},
        "dense mrr@10": {h: results[h]["modes"]["dense"]["mrr@10"] for h in HALVES},
        "fused recall@5": {h: results[h]["recall@5"] for h in HALVES},
        "answerable questions abstaining (MIN_EVIDENCE)": {
            h: results[h]["abstained"] for h in HALVES
        },
        "answer recall": {h: results[h]["answer_recall"] for h in HALVES},
    }
    return {
        "size": (
            f"{articles} PIAF articles per half "
            f"({results['tune']['questions']} + {results['report']['questions']} questions, "
            f"{results['tune']['chunks']} + {results['report']['chunks']} passages)"
        ),
        "split": "benchmarks/data/heldout_split.json, key piaf_articles "
        "(PIAF v1.0 articles alternately; the first N of each half)",
        "values": {
            "MIN_EVIDENCE": answering.MIN_EVIDENCE,
            "COVERAGE_WEIGHT": answering.COVERAGE_WEIGHT,
            "MIN_SUPPORT (without vectors)": answering.MIN_SUPPORT,
            "fusion": "distribution score fusion",
        },
        "figures": figures,
    }


def child(part: str, out: str, articles: int) -> None:
    """One part in its own fresh data folder (BM25 statistics are those of the whole index)."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"territoria-bench-heldout-{part}-"))
    setup_django(data_dir, embedded=True, migrate=True)
    random.seed(42)
    result = registre_part() if part == "registre" else assistant_part(articles, data_dir)
    Path(out).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.heldout")
    parser.add_argument("--articles", type=int, default=8, help="PIAF articles per half")
    parser.add_argument("--skip-assistant", action="store_true")
    parser.add_argument("--child", choices=("registre", "assistant"), help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.out, args.articles)
        return 0
    from benchmarks import write_result

    load_at_start = [round(x, 2) for x in os.getloadavg()]
    figures = {
        "command": "python -m benchmarks.heldout"
        + (f" --articles {args.articles}" if args.articles != 8 else ""),
        "load_average_at_start": load_at_start,
    }
    parts = ["registre"] + ([] if args.skip_assistant else ["assistant"])
    with tempfile.TemporaryDirectory() as tmp:
        for part in parts:
            out = Path(tmp) / f"{part}.json"
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.heldout",
                    "--child",
                    part,
                    "--out",
                    str(out),
                    "--articles",
                    str(args.articles),
                ],
                cwd=ROOT,
                # This checkout's code, not an installed copy of the package.
                env={
                    **os.environ,
                    "PYTHONPATH": os.pathsep.join(
                        [str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")]
                    ),
                },
                check=True,
            )
            figures[part] = json.loads(out.read_text(encoding="utf-8"))
    figures["load_average_1_5_15"] = [round(x, 2) for x in os.getloadavg()]
    path = write_result("heldout", figures)
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    print(f"→ {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

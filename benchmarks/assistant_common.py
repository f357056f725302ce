"""Shared set-up of the assistant benchmarks: a throw-away data folder and database."""

from __future__ import annotations

import json
import os
import re
import resource
import sys
import tempfile
from pathlib import Path

from benchmarks import SHARED_DATA
from benchmarks import setup_django as start_django

PIAF = Path(os.environ.get("PIAF_JSON", SHARED_DATA / "assistant" / "piaf-v1.0.json"))


def setup_django(name: str) -> Path:
    """A fresh SQLite database in a temporary data folder (never the user's data)."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"territoria-bench-{name}-"))
    return start_django(data_dir, embedded=True, migrate=True)


def piaf_articles() -> list[dict]:
    return json.loads(PIAF.read_text(encoding="utf-8"))["data"]


def piaf_sentences() -> list[str]:
    sentences = []
    for article in piaf_articles():
        for paragraph in article["paragraphs"]:
            sentences += [
                s for s in re.split(r"(?<=[.!?])\s+", paragraph["context"]) if len(s.split()) > 4
            ]
    return sentences


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_result(name: str, result: dict) -> Path:
    from benchmarks import write_result as write_shared

    result["load_average_1_5_15"] = [round(x, 2) for x in os.getloadavg()]
    path = write_shared(name, result)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"→ {path}", file=sys.stderr)
    return path


def hybrid_hits(index, namespace: str, question: str, access, embedder):
    """The live path's hybrid passage search for one question (answering.retrieve's first
    step: 50 hits, the lexical rewrite of the question, no snippets), and that rewrite."""
    from territoria.assistant.services import answering

    lexical = answering.lexical_query(question)
    hits = index.search(
        namespace,
        question,
        access,
        mode="hybrid",
        limit=50,
        lexical_query=lexical,
        embedder=embedder,
        snippet_chars=0,
    )
    return hits, lexical

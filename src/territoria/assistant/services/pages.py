"""Page-level retrieval: which *page* (document) a citizen's question is about (issue 20).

A passage index answers "which paragraph holds these words"; a question asked in everyday words
("mon proprio garde ma caution") is about a page whose words are spread over its title, its
section headings and several passages. `PageIndex` scores whole pages with BM25F (Robertson,
Zaragoza 2004: each field's term frequency normalised by its own length, weighted, then one
saturation) over three fields — the title, the section path (headings) and the text — with the
search core's French analysis (folding, stop words, Snowball stemming), and adds the evidence of
the page's best passage (its best section scored alone): a page is found by its subject and by
the paragraph that answers.

The question is prepared by `page_query`: polite and spoken-question phrases out (they match
every page that says "vous pouvez"), the lexicon's administrative phrases in (lexicon.py).

Weights were chosen on the tuning half of benchmarks/data/fiches_citizen_questions.json only
(benchmarks/assistant_fiches.py reports the other half).
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from territoria.search.analyzer import analyze
from territoria.search.fusion import distribution_score_fusion

# BM25F parameters (tuning half; docs/assistant.md).
K1 = 1.2
FIELDS = ("title", "headings", "text")
WEIGHTS = {"title": 3.0, "headings": 1.5, "text": 1.0}
B = {"title": 0.3, "headings": 0.5, "text": 0.75}
# A page's score: BM25F of the page + PASSAGE_WEIGHT × BM25 of its best section (title, heading
# and text of the section), both over the page collection's statistics.
PASSAGE_WEIGHT = 0.5
SECTION_CANDIDATES = 300


@dataclass
class Page:
    id: str
    title: str
    sections: list[tuple[str, str]] = field(default_factory=list)  # (section path, text)
    keys: list = field(default_factory=list)  # each section's row (live index), when known


class PageIndex:
    """BM25F over whole pages + their best section, in memory (postings per field)."""

    def __init__(self, pages: Iterable[Page]):
        self.ids: list[str] = []
        self.titles: list[str] = []
        self.postings: dict[str, dict[str, dict[int, int]]] = {f: {} for f in FIELDS}
        self.lengths: dict[str, list[int]] = {f: [] for f in FIELDS}
        # sections: their page, term counts, length
        self.section_counts: list[dict[str, int]] = []
        self.page_sections: list[list[int]] = []
        self.section_page: list[int] = []
        self.section_keys: list = []  # each section's row pk (live) or None
        self.section_lengths: list[int] = []
        for number, page in enumerate(pages):
            self.ids.append(page.id)
            self.titles.append(page.title)
            title_terms = analyze(page.title)
            headings = list(dict.fromkeys(s for s, _t in page.sections if s))
            texts = [analyze(text) for _s, text in page.sections]  # analysed once
            fields = {
                "title": title_terms,
                "headings": analyze(" ".join(headings)),
                "text": [t for terms in texts for t in terms],
            }
            for name, terms in fields.items():
                self.lengths[name].append(len(terms))
                postings = self.postings[name]
                for term in terms:
                    row = postings.setdefault(term, {})
                    row[number] = row.get(number, 0) + 1
            self.page_sections.append([])
            for position, (section, _text) in enumerate(page.sections):
                terms = title_terms + analyze(section) + texts[position]
                self.page_sections[number].append(len(self.section_page))
                self.section_page.append(number)
                self.section_keys.append(page.keys[position] if position < len(page.keys) else None)
                self.section_lengths.append(len(terms))
                counts: dict[str, int] = {}
                for term in terms:
                    counts[term] = counts.get(term, 0) + 1
                self.section_counts.append(counts)
        self._numbers = {page_id: number for number, page_id in enumerate(self.ids)}
        n = len(self.ids) or 1
        self.average = {f: (sum(self.lengths[f]) / n) or 1.0 for f in FIELDS}
        self.section_average = (sum(self.section_lengths) / (len(self.section_lengths) or 1)) or 1.0
        self._arrays()

    def _arrays(self) -> None:
        """The postings as numpy arrays, for scoring: a question's terms touch thousands of
        pages and tens of thousands of sections, which Python loops scored in tens of ms."""
        import numpy as np

        def arrays(row: dict[int, int]) -> tuple:
            return (
                np.fromiter(row, np.int64, len(row)),
                np.fromiter(row.values(), float, len(row)),
            )

        self._field_postings = {
            f: {t: arrays(r) for t, r in self.postings[f].items()} for f in FIELDS
        }
        self._field_lengths = {f: np.asarray(self.lengths[f], float) for f in FIELDS}
        self._page_df = {}
        for f in FIELDS:
            for term in self.postings[f]:
                if term not in self._page_df:
                    pages = set()
                    for g in FIELDS:
                        pages.update(self.postings[g].get(term, ()))
                    self._page_df[term] = len(pages)
        by_term: dict[str, tuple[list[int], list[int]]] = {}
        for number, counts in enumerate(self.section_counts):
            for term, count in counts.items():
                sections, values = by_term.setdefault(term, ([], []))
                sections.append(number)
                values.append(count)
        self._section_postings = {
            t: (np.asarray(sections, np.int64), np.asarray(values, float))
            for t, (sections, values) in by_term.items()
        }
        self._section_page = np.asarray(self.section_page, np.int64)
        self._section_lengths = np.asarray(self.section_lengths, float)

    def __len__(self) -> int:
        return len(self.ids)

    def _idf(self, term: str) -> float:
        df = self._page_df.get(term, 0)
        n = len(self.ids)
        return math.log(1 + (n - df + 0.5) / (df + 0.5)) if df else 0.0

    def _page_array(self, terms: list[str], weights: dict | None = None, b: dict | None = None):
        """BM25F of every page (array), and which pages hold a query term."""
        import numpy as np

        weights = weights or WEIGHTS
        b = b or B
        scores = np.zeros(len(self.ids))
        matched = np.zeros(len(self.ids), bool)
        norms = {
            f: 1 - b[f] + b[f] * self._field_lengths[f] / self.average[f]
            for f in FIELDS
            if weights[f]
        }
        for term in dict.fromkeys(terms):
            idf = self._idf(term)
            if not idf:
                continue
            tf = np.zeros(len(self.ids))
            for f, norm in norms.items():
                found = self._field_postings[f].get(term)
                if found is not None:
                    pages, counts = found  # one entry per page: no repeated index
                    tf[pages] += weights[f] * counts / norm[pages]
            hit = tf > 0
            scores[hit] += idf * tf[hit] * (K1 + 1) / (K1 + tf[hit])
            matched |= hit
        return scores, matched

    def page_scores(
        self, terms: list[str], weights: dict | None = None, b: dict | None = None
    ) -> dict[int, float]:
        scores, matched = self._page_array(terms, weights, b)
        pages = matched.nonzero()[0]
        return dict(zip(pages.tolist(), scores[pages].tolist(), strict=True))

    def _section_array(self, terms: list[str], b: float = 0.75):
        """BM25 of every section (section = page title + its heading + its text)."""
        import numpy as np

        n = len(self.section_page)
        scores = np.zeros(n)
        length = 1 - b + b * self._section_lengths / self.section_average
        for term in dict.fromkeys(terms):
            found = self._section_postings.get(term)
            if found is None:
                continue
            sections, counts = found
            idf = math.log(1 + (n - len(sections) + 0.5) / (len(sections) + 0.5))
            scores[sections] += idf * counts * (K1 + 1) / (counts + K1 * length[sections])
        return scores

    def _best_sections(self, section_scores, pages) -> dict[int, float]:
        """The best section's score per page of `pages` (pages without a matching section
        left out)."""
        best = {}
        for page in pages:
            members = self.page_sections[page]
            if members:
                value = float(section_scores[members[0] : members[-1] + 1].max())
                if value > 0:
                    best[page] = value
        return best

    def section_scores(self, terms: list[str], pages: Iterable[int]) -> dict[int, float]:
        """The best section's BM25 per page of `pages`."""
        return self._best_sections(self._section_array(terms), pages)

    def best_keys(self, query: str, page_id: str, count: int = 2) -> list:
        """The row keys of a page's `count` best sections for the query (its first ones when
        no section holds a query term)."""
        if page_id not in self._numbers:
            return []
        number = self._numbers[page_id]
        members = self.page_sections[number]
        scores = self._section_array(analyze(query))
        ranked = sorted((s for s in members if scores[s] > 0), key=lambda s: -scores[s])
        keys = [self.section_keys[s] for s in ranked[:count]]
        if not keys:
            keys = [self.section_keys[s] for s in members]
        return [k for k in keys[:count] if k is not None]

    def search(
        self,
        query: str,
        limit: int = 10,
        passage_weight: float = PASSAGE_WEIGHT,
        weights: dict | None = None,
        b: dict | None = None,
    ) -> list[tuple[str, float]]:
        terms = analyze(query)
        scores, matched = self._page_array(terms, weights, b)
        if passage_weight and matched.any():
            # The best section is read for the SECTION_CANDIDATES best pages only: a page
            # outside them would need its best section alone to outweigh the page scores above
            # it (and scoring every page's sections was the largest cost of a question).
            candidates = _best(scores, matched, SECTION_CANDIDATES)
            best = self._best_sections(self._section_array(terms), candidates.tolist())
            for page, value in best.items():
                scores[page] += passage_weight * value
        order = _best(scores, matched, limit)
        return [(self.ids[p], float(scores[p])) for p in order.tolist()]


def _best(scores, matched, count: int):
    """The `count` best of the matched pages, best first (ties: the page read first)."""
    import numpy as np

    pages = matched.nonzero()[0]
    if len(pages) > count:
        pages = pages[np.argpartition(-scores[pages], count - 1)[:count]]
    return pages[np.lexsort((pages, -scores[pages]))]


def pages_from_markdown(items: Iterable[tuple[str, str]]) -> list[Page]:
    """(id, Markdown) → pages: the first "# " line is the title, "#"-headings open sections
    whose path is their headings joined by " › "."""
    pages = []
    for page_id, markdown in items:
        page = Page(page_id, "")
        path: list[str] = []
        text: list[str] = []
        for line in [*markdown.splitlines(), "#"]:  # a last heading closes the last section
            stripped = line.strip()
            if stripped.startswith("#"):
                level = len(stripped) - len(stripped.lstrip("#"))
                heading = stripped[level:].strip()
                if level == 1 and not page.title and heading:
                    page.title = heading
                    continue
                if text:
                    page.sections.append((" › ".join(path), "\n".join(text)))
                    text = []
                path = path[: max(0, level - 2)] + [heading]
            elif stripped:
                text.append(stripped)
        pages.append(page)
    return pages


# --- live: a page index per searched namespace, built from the passages a user may read -----
# A collection's passages are indexed rows (search core) with fields document / title / section;
# a page is a document, its sections are its passages. The page index of a namespace is built
# from the rows of the access groups (distinct token sets) the user's tokens open, so that no
# restricted word ever weighs in the ranking of someone who may not read it; it is cached in
# process by (database, namespace, index version, opened groups) and rebuilt when the index
# changes. Analysing a large collection takes minutes on 2 cores (7 180 pages, 44 000 passages:
# about 4 minutes): up to SYNC_ROWS rows the first search builds it, beyond that a background
# thread does and searches use the passage ranking until it is ready.
SYNC_ROWS = 5000
PAGE_CANDIDATES = 50  # pages ranked by the page index, then fused with the passage ranking

_cache: dict[tuple, PageIndex] = {}  # (database, namespace, version, rows digest) → index
_by_tokens: dict[tuple, tuple] = {}  # (database, namespace, version, tokens) → key of _cache
_building: set[tuple] = set()
_lock = threading.Lock()


def _version(namespace: str) -> str:
    from territoria.search.models import IndexNamespace

    return (
        IndexNamespace.objects.filter(name=namespace).values_list("version", flat=True).first()
        or ""
    )


def _rows(namespace: str, access: Iterable[str]) -> tuple[int, ...]:
    """The pks of the rows these tokens open (THE access rule of the search core)."""
    from territoria.search import get_index

    return tuple(
        get_index()
        .allowed_queryset(namespace, access)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )


def _build(pks: tuple[int, ...]) -> PageIndex:
    from territoria.search.models import IndexedDocument

    pages: dict[str, Page] = {}
    for start in range(0, len(pks), 500):
        for pk, fields, text in (
            IndexedDocument.objects.filter(pk__in=pks[start : start + 500])
            .order_by("pk")
            .values_list("pk", "fields", "text")
        ):
            doc = str(fields.get("document") or "")
            if not doc:
                continue
            page = pages.setdefault(doc, Page(doc, str(fields.get("title") or "")))
            page.sections.append((str(fields.get("section") or ""), text))
            page.keys.append(pk)
    return PageIndex(pages.values())


def _store(key: tuple, built: PageIndex) -> None:
    with _lock:
        for old in [k for k in _cache if k[:2] == key[:2] and k != key]:
            del _cache[old]
        _cache[key] = built


def page_index(namespace: str, access: Iterable[str], wait: bool | None = None):
    """The page index of what these tokens open in `namespace`, or None (no row, or a large
    index still being built in the background). `wait` forces building now (True) or in the
    background (False); by default, now up to SYNC_ROWS rows."""
    from django.db import connection

    database = connection.settings_dict.get("NAME")
    version = _version(namespace)
    tokens = (database, namespace, version, tuple(sorted(set(access))))
    key = _by_tokens.get(tokens)
    if key is not None and key in _cache:
        return _cache[key]
    pks = _rows(namespace, access)
    if not pks:
        return None
    key = (database, namespace, version, hashlib.sha256(repr(pks).encode()).hexdigest())
    with _lock:
        for old in [t for t in _by_tokens if t[:2] == tokens[:2] and t[2] != version]:
            del _by_tokens[old]
        _by_tokens[tokens] = key
    if key in _cache:
        return _cache[key]
    if wait is None:
        wait = len(pks) <= SYNC_ROWS
    if wait:
        built = _build(pks)
        _store(key, built)
        return built
    with _lock:
        if key in _building:
            return None
        _building.add(key)

    def work():
        try:
            _store(key, _build(pks))
        finally:
            with _lock:
                _building.discard(key)
            connection.close()

    threading.Thread(target=work, name=f"pages:{namespace}", daemon=True).start()
    return None


def fused_pages(
    index: PageIndex, lexical: str, passage_pages: list[tuple[str, float]]
) -> list[tuple[str, float]]:
    """Pages best first: the page index's ranking fused (z-scores, the search core's fusion)
    with the pages of the passage search (each page at its best passage's score)."""
    ranked = index.search(lexical, limit=PAGE_CANDIDATES)
    if not passage_pages:
        return ranked
    return distribution_score_fusion([ranked, passage_pages])

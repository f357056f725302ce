"""Keeping the index up to date for every content type the modules declare (core/modules.py).

Each `SearchDocumentType` names ONE indexer; every consumer (a module's search page, the
assistant's source) reads its namespace, so an object is serialised once and removed once.

Lexical indexing is done at once, in the transaction that saves the object (milliseconds),
so a saved record is found by the next query and a rolled-back save leaves no document.
Embeddings are computed by a background job queued once per transaction and namespace
(`core.dispatch.on_commit_once`); until it ran, the record is found by words only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.apps import apps
from django.db.models.signals import post_delete, post_save

from territoria.core import modules
from territoria.core.dispatch import on_commit_once


def indexer_of(document_type: modules.SearchDocumentType):
    return modules.resolve(document_type.indexer)


def index_objects(indexer, objects: Iterable) -> None:
    """Write the documents of `objects`; the keys an object no longer produces are deleted."""
    from territoria.search import get_index

    documents, dropped = [], []
    for obj in objects:
        produced = indexer.documents(obj)
        documents += produced
        dropped += sorted(set(indexer.keys(obj.pk)) - {doc.key for doc in produced})
    search_index = get_index()
    if documents:
        search_index.upsert(indexer.namespace, documents)
    if dropped:
        search_index.delete(indexer.namespace, dropped)
    schedule_embeddings(indexer.namespace)


def unindex(indexer, pks: Iterable) -> None:
    from territoria.search import get_index

    keys = [key for pk in pks for key in indexer.keys(pk)]
    if keys:
        get_index().delete(indexer.namespace, keys)


def rebuild(
    indexer, batch_size: int = 500, on_progress: Callable[[int], None] | None = None
) -> dict:
    """Index every object of `indexer.queryset()` and drop the documents of objects gone
    (after a bulk update that bypassed the signals, or a change of the indexer).

    Each object's first document is written first and the others after them all: extra
    documents that embed the same text (a record's restricted part) then come after it in the
    embedding order and get their vector from the cache, with no second inference.
    """
    from territoria.search import get_index
    from territoria.search.models import IndexedDocument

    search_index = get_index()
    queryset = indexer.queryset()
    pks = list(queryset.order_by("pk").values_list("pk", flat=True))
    wanted, later = set(), []
    for start in range(0, len(pks), batch_size):
        firsts = []
        for obj in queryset.filter(pk__in=pks[start : start + batch_size]):
            documents = indexer.documents(obj)
            firsts += documents[:1]
            later += documents[1:]
        search_index.upsert(indexer.namespace, firsts)
        wanted |= {doc.key for doc in firsts}
        if on_progress:
            on_progress(len(firsts))
    for start in range(0, len(later), batch_size):
        search_index.upsert(indexer.namespace, later[start : start + batch_size])
    wanted |= {doc.key for doc in later}
    keys = IndexedDocument.objects.filter(namespace=indexer.namespace).values_list("key", flat=True)
    stale = [key for key in keys if key not in wanted]
    for start in range(0, len(stale), 500):
        search_index.delete(indexer.namespace, stale[start : start + 500])
    return {"objects": len(pks), "documents": len(wanted), "removed": len(stale)}


def schedule_embeddings(namespace: str) -> None:
    """Queue the embedding job of `namespace` once the transaction commits (once per transaction)."""

    def enqueue():
        from territoria.search.tasks import embed_namespace

        embed_namespace.enqueue(namespace)

    on_commit_once(("search-embed", namespace), enqueue)


def _on_save(indexer) -> Callable:
    def saved(sender, instance, raw=False, **kwargs):
        if raw:  # loaddata: the index is rebuilt by the module's reindex command
            return
        index_objects(indexer, [instance])

    return saved


def _on_delete(indexer) -> Callable:
    def deleted(sender, instance, **kwargs):
        unindex(indexer, [instance.pk])

    return deleted


def connect() -> None:
    """Watch the model of every declared content type (called once, from SearchConfig.ready)."""
    for document_type in modules.search_document_types():
        model = apps.get_model(document_type.model)
        indexer = indexer_of(document_type)
        uid = f"search-index-{document_type.name}"
        post_save.connect(_on_save(indexer), sender=model, weak=False, dispatch_uid=f"{uid}-save")
        post_delete.connect(
            _on_delete(indexer), sender=model, weak=False, dispatch_uid=f"{uid}-delete"
        )

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

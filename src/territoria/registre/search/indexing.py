"""Keeping the register's search index up to date.

Lexical indexing is done at once, in the transaction that saves the project (a few
milliseconds), so a saved record is found by the next query. Embeddings are computed by a
background job (`tasks.embed_registre`) queued once the transaction commits; until it ran,
the record is found by words only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import transaction

from territoria.registre.search.documents import (
    NAMESPACE,
    documents_for,
    project_key,
    restricted_key,
)


def index():
    from territoria.search import get_index

    return get_index()


def index_projects(projects: Iterable) -> None:
    documents, emptied = [], []
    for project in projects:
        docs = documents_for(project)
        documents += docs
        if len(docs) == 1:
            emptied.append(restricted_key(project.pk))
    search_index = index()
    search_index.upsert(NAMESPACE, documents)
    if emptied:
        search_index.delete(NAMESPACE, emptied)


def unindex_projects(project_ids: Iterable) -> None:
    keys = []
    for pk in project_ids:
        keys += [project_key(pk), restricted_key(pk)]
    index().delete(NAMESPACE, keys)


def _enqueue_embeddings() -> None:
    from territoria.registre.search.tasks import embed_registre

    embed_registre.enqueue()


def schedule_embeddings() -> None:
    """Queue the embedding job after the current transaction commits (the worker must see the rows).

    Once per transaction: an import saving 500 records queues one job, which embeds them all.
    """
    connection = transaction.get_connection()
    if any(entry[1] is _enqueue_embeddings for entry in connection.run_on_commit):
        return
    transaction.on_commit(_enqueue_embeddings)


def embed_pending(
    on_progress: Callable[[int], None] | None = None, batch_size: int = 64, limit: int | None = None
) -> int:
    return index().embed_pending(
        NAMESPACE, batch_size=batch_size, limit=limit, on_progress=on_progress
    )


def reindex_all(batch_size: int = 500, on_progress: Callable[[int], None] | None = None) -> dict:
    """Index every project (public documents first, see below) and drop documents of deleted ones."""
    from territoria.registre.models import Project
    from territoria.search.models import IndexedDocument

    search_index = index()
    project_ids = list(Project.objects.order_by("pk").values_list("pk", flat=True))
    restricted_docs = []
    for start in range(0, len(project_ids), batch_size):
        chunk = Project.objects.filter(
            pk__in=project_ids[start : start + batch_size]
        ).select_related("organisation")
        public_docs = []
        for project in chunk:
            docs = documents_for(project)
            public_docs.append(docs[0])
            restricted_docs += docs[1:]
        search_index.upsert(NAMESPACE, public_docs)
        if on_progress:
            on_progress(len(public_docs))
    # Restricted documents embed the same text as the public ones: written after them, they
    # come after them in the embedding order and get their vector from the cache.
    for start in range(0, len(restricted_docs), batch_size):
        search_index.upsert(NAMESPACE, restricted_docs[start : start + batch_size])
    wanted = {project_key(pk) for pk in project_ids} | {doc.key for doc in restricted_docs}
    stale = [
        key
        for key in IndexedDocument.objects.filter(namespace=NAMESPACE).values_list("key", flat=True)
        if key not in wanted
    ]
    for start in range(0, len(stale), 500):
        search_index.delete(NAMESPACE, stale[start : start + 500])
    return {"projects": len(project_ids), "documents": len(wanted), "removed": len(stale)}

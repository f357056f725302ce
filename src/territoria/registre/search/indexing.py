"""Rebuilding the register's search index and its embeddings (`territoria reindex_registre`).

Day to day, the one indexer of a project (`documents.ProjectIndexer`, declared in apps.py)
is called by the search core on every save and delete (`territoria.search.indexing`).
"""

from __future__ import annotations

from collections.abc import Callable

from territoria.registre.search.documents import NAMESPACE, documents_for, project_key


def index():
    from territoria.search import get_index

    return get_index()


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

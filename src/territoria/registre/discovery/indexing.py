"""Rebuilding the register's search index and its embeddings (`territoria reindex_registre`).

Day to day, the one indexer of a project (`documents.ProjectIndexer`, declared in apps.py)
is called by the search core on every save and delete (`territoria.search.indexing`).
"""

from __future__ import annotations

from collections.abc import Callable

from territoria.registre.discovery.documents import NAMESPACE, project_indexer


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
    """Index every project (public documents first) and drop documents of deleted ones."""
    from territoria.search.indexing import rebuild

    counts = rebuild(project_indexer, batch_size=batch_size, on_progress=on_progress)
    return {
        "projects": counts["objects"],
        "documents": counts["documents"],
        "removed": counts["removed"],
    }

"""Background jobs of the search core (worker: `territoria db_worker`)."""

from django_tasks import task


@task()
def embed_namespace(namespace: str) -> int:
    """Embed the documents of `namespace` that have no vector yet (resumable, batch by batch)."""
    from territoria.search import get_index

    return get_index().embed_pending(namespace)

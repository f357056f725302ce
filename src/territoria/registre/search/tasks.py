"""Background jobs of the register's search (worker: `territoria db_worker`)."""

from django_tasks import task


@task()
def embed_registre() -> int:
    """Embed the register's documents that have no vector yet (resumable, batch by batch)."""
    from territoria.registre.search.indexing import embed_pending

    return embed_pending()

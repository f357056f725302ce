"""Background jobs of the assistant (worker: `territoria db_worker`)."""

from django_tasks import task


@task()
def run_ingestion_job(job_id: str) -> None:
    from territoria.assistant.models import IngestionJob
    from territoria.assistant.services.ingestion import run_job

    job = IngestionJob.objects.filter(pk=job_id).first()
    if job is not None:  # None: its collection was deleted while the job waited
        run_job(job)


@task()
def reindex_collection_access(collection_id: str) -> int:
    from territoria.assistant.models import Collection
    from territoria.assistant.services.ingestion import reindex_access

    collection = Collection.objects.filter(pk=collection_id).first()
    return reindex_access(collection) if collection else 0


@task()
def purge_old_exchanges() -> int:
    from territoria.assistant.services.traceability import purge_expired

    return purge_expired()

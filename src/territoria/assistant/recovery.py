"""Recovery of assistant ingestion after a crash of the worker (kill -9, out of memory…).

Ingestion is resumable by design (services/ingestion.py): a job queued again picks up its
documents left pending or indexing and the passages without a vector. So an interrupted
job is queued again; a document caught twice in the middle of its indexing (it may be what
kills the worker) fails with a reason instead. Files of an upload cut before its documents
were registered belong to no document: removed once untouched for a lease.
"""

from pathlib import Path

from django.conf import settings
from django.utils import timezone

from territoria.assistant.models import Document, DocumentState, IngestionJob, JobState
from territoria.assistant.tasks import run_ingestion_job
from territoria.core.recovery import active_ids, queue_is_observable, remove_stale_files
from territoria.core.workers import lease

RETRYING = "Indexation interrompue par un arrêt du service de traitement : nouvel essai."
GAVE_UP = (
    "L'indexation de ce document a été interrompue deux fois par un arrêt du service de "
    "traitement (il est peut-être trop lourd) : déposez-le à nouveau, ou demandez à l'équipe "
    "technique d'augmenter la mémoire."
)


def recover_ingestion() -> dict:
    done = {"requeued": 0, "documents_failed": 0, "files_removed": 0}
    if not queue_is_observable():
        return done
    active = active_ids(run_ingestion_job)
    young = timezone.now() - lease()
    for job in IngestionJob.objects.filter(state__in=[JobState.QUEUED, JobState.RUNNING]):
        if str(job.pk) in active:
            continue
        if job.state == JobState.QUEUED and job.updated_at > young:
            continue  # just created: its job is being queued
        if IngestionJob.objects.filter(
            pk=job.pk, state=job.state, updated_at=job.updated_at
        ).update(state=JobState.QUEUED, updated_at=timezone.now()):
            done["documents_failed"] += _release_documents(job)
            run_ingestion_job.enqueue(str(job.pk))
            done["requeued"] += 1
    done["files_removed"] = _remove_orphan_uploads()
    return done


def _release_documents(job: IngestionJob) -> int:
    """Documents caught while indexing go back to pending, or fail the second time."""
    failed = 0
    for document in job.documents.filter(state=DocumentState.INDEXING):
        if document.error == RETRYING:
            document.state, document.error = DocumentState.FAILED, GAVE_UP
            job.failed += 1
            failed += 1
        else:
            document.state, document.error = DocumentState.PENDING, RETRYING
        document.save(update_fields=["state", "error", "updated_at"])
    if failed:
        IngestionJob.objects.filter(pk=job.pk).update(failed=job.failed)
    return failed


def _remove_orphan_uploads() -> int:
    root = Path(settings.MEDIA_ROOT) / "assistant"
    if not root.is_dir():
        return 0
    known = set(Document.objects.exclude(path="").values_list("path", flat=True))
    keep = known | {str(Path(path).resolve()) for path in known}
    return remove_stale_files(root, keep=frozenset(keep))

"""Imports as background jobs (django-tasks): the page enqueues, the worker imports.

Progress is written during the reading and checking phase, which is outside the import's
transaction so that other connections see it; the writing phase is one transaction and
the job shows "running" until it commits.
"""

import logging

from django.utils import timezone
from django_tasks import task

from territoria.registre.models import ImportJob

PROGRESS_EVERY = 50
logger = logging.getLogger(__name__)


def _progress(job: ImportJob):
    def update(done: int, total: int) -> None:
        if done % PROGRESS_EVERY == 0 or done == total:
            ImportJob.objects.filter(pk=job.pk).update(progress=round(done / max(total, 1), 3))

    return update


def run_import_job(job: ImportJob) -> ImportJob:
    from territoria.registre.importers.service import import_file

    job.status = ImportJob.Status.RUNNING
    job.save(update_fields=["status", "updated_at"])
    try:
        with job.file.open("rb") as handle:
            report = import_file(
                handle,
                name=job.file_name,
                format=job.format,
                mapping_file=job.mapping or None,
                dry_run=job.dry_run,
                status=job.status_after_import,
                user=job.requested_by,
                progress=_progress(job),
            )
        job.report = report.as_dict()
        job.status = ImportJob.Status.DONE if report.ok else ImportJob.Status.FAILED
    except Exception:
        # Nothing was written (one transaction); the page must still show an end, not "running" forever.
        logger.exception("import job %s crashed", job.pk)
        job.report = {
            "ok": False,
            "summary": "L'import a échoué sur une erreur interne : rien n'a été écrit.",
        }
        job.status = ImportJob.Status.FAILED
        raise
    finally:
        # The uploaded file is kept only until the job ends — or, after a clean dry run, until
        # the import is confirmed (unconfirmed ones are discarded after a day); its (random)
        # name stays as the upload's identity, so that confirming twice finds the same job.
        awaits_confirmation = job.dry_run and job.status == ImportJob.Status.DONE
        if job.file and not awaits_confirmation and job.file.storage.exists(job.file.name):
            job.file.storage.delete(job.file.name)
        job.progress = 1.0
        job.finished_at = timezone.now()
        job.save(update_fields=["report", "status", "progress", "finished_at", "updated_at"])
    return job


@task()
def import_registre_task(job_id: str) -> str:
    job = run_import_job(ImportJob.objects.get(pk=job_id))
    return job.status

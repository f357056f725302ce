"""Imports as background jobs (django-tasks): the page enqueues, the worker imports.

Progress is written during the reading and checking phase, which is outside the import's
transaction so that other connections see it; the writing phase is one transaction and
the job shows "running" until it commits.
"""

from django.utils import timezone
from django_tasks import task

from territoria.registre.importers.jobs import ImportJob

PROGRESS_EVERY = 50


def _progress(job: ImportJob):
    def update(done: int, total: int) -> None:
        if done % PROGRESS_EVERY == 0 or done == total:
            ImportJob.objects.filter(pk=job.pk).update(progress=round(done / max(total, 1), 3))

    return update


def run_import_job(job: ImportJob) -> ImportJob:
    from territoria.registre.importers.service import import_file

    job.status = ImportJob.Status.RUNNING
    job.save(update_fields=["status", "updated_at"])
    with job.file.open("rb") as handle:
        report = import_file(
            handle,
            name=job.file_name,
            format=job.format,
            dry_run=job.dry_run,
            status=job.status_after_import,
            user=job.requested_by,
            progress=_progress(job),
        )
    job.report = report.as_dict()
    job.status = ImportJob.Status.DONE if report.ok else ImportJob.Status.FAILED
    job.progress = 1.0
    job.finished_at = timezone.now()
    job.save(update_fields=["report", "status", "progress", "finished_at", "updated_at"])
    return job


@task()
def import_registre_task(job_id: str) -> str:
    job = run_import_job(ImportJob.objects.get(pk=job_id))
    return job.status

"""Background jobs of the writing help (worker: `territoria db_worker`)."""

from django_tasks import task


@task()
def run_writing_job(job_id: str) -> None:
    from territoria.redaction.models import WritingJob
    from territoria.redaction.services.jobs import run_job

    job = WritingJob.objects.filter(pk=job_id).first()
    if job is not None:
        run_job(job)

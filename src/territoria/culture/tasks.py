"""Background jobs of the culture module (worker: `territoria worker`)."""

from django_tasks import task


@task()
def run_culture_job(job_id: str) -> str:
    from territoria.culture.models import CultureJob
    from territoria.culture.services import run_job

    return run_job(CultureJob.objects.get(pk=job_id)).status

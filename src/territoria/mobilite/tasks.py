"""Background jobs of the mobility module (worker: `territoria db_worker`)."""

from django_tasks import task


@task()
def run_job(job_id: str) -> None:
    from territoria.mobilite.jobs import run

    run(job_id)

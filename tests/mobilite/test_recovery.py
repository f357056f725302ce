"""A mobility job lost with its worker does not say « en cours » for ever: the module's
recovery (a periodic task of the platform's scheduler) fails it with a reason and removes
its files; a job a live worker holds, or the queue still waits to run, is left alone."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from territoria.core.periodic import get_task
from territoria.core.recovery import fail_orphaned_task_results
from territoria.mobilite import recovery
from territoria.mobilite.models import Job, JobStatus
from territoria.mobilite.tasks import run_job
from tests.jobs import claimed_by, dead_worker, live_worker
from tests.mobilite.conftest import FIXTURES

pytestmark = pytest.mark.django_db


def sent_counts(client, agent, network, capture) -> Job:
    """A counts file sent through the page: its job queued (no worker takes it here)."""
    client.force_login(agent)
    with capture(execute=True), (FIXTURES / "counts.csv").open("rb") as handle:
        client.post(reverse("mobilite:counts_import", args=[network.pk]), {"fichier": handle})
    return Job.objects.get(kind="comptages")


def stalled(job: Job) -> None:
    """As a worker leaves it when killed: running, its last progress an hour ago."""
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, updated_at=timezone.now() - timedelta(hours=1)
    )


def test_a_job_lost_with_its_worker_is_failed_and_its_file_removed(
    client, agent, grid, database_queue, django_capture_on_commit_callbacks
):
    job = sent_counts(client, agent, grid, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.QUEUED and job.upload.exists()
    stalled(job)
    assert recovery.recover_jobs() == {"failed": 0}  # the queue still waits to run it
    claimed_by(run_job, dead_worker(), str(job.pk))  # taken by a worker, killed mid-job
    fail_orphaned_task_results()
    assert recovery.recover_jobs() == {"failed": 1}
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.message == recovery.INTERRUPTED
    assert not job.folder.exists()
    page = client.get(reverse("mobilite:job", args=[job.pk])).content.decode()
    assert "relancez-le" in page and 'http-equiv="refresh"' not in page
    assert recovery.recover_jobs() == {"failed": 0}  # once


def test_a_job_a_live_worker_holds_is_left_alone(
    client, agent, grid, database_queue, django_capture_on_commit_callbacks
):
    job = sent_counts(client, agent, grid, django_capture_on_commit_callbacks)
    stalled(job)
    claimed_by(run_job, live_worker(), str(job.pk))
    assert recovery.recover_jobs() == {"failed": 0}
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.upload.exists()


def test_a_recent_job_is_left_alone_and_recovery_is_scheduled(
    client, agent, grid, database_queue, django_capture_on_commit_callbacks
):
    job = sent_counts(client, agent, grid, django_capture_on_commit_callbacks)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)  # progress just now
    claimed_by(run_job, dead_worker(), str(job.pk))
    fail_orphaned_task_results()
    assert recovery.recover_jobs() == {"failed": 0}  # within the lease: not judged yet
    assert get_task("mobilite_recover_jobs").every == timedelta(minutes=15)

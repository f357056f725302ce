"""A model dropped for import whose job never runs does not stay under DATA_DIR/eau/imports/:
the module's recovery (a periodic task of the platform's scheduler) fails the job with a reason and deletes the file; a job lost with its worker too."""

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from territoria.core.periodic import get_task
from territoria.core.recovery import fail_orphaned_task_results
from territoria.eau import recovery
from territoria.eau.jobs import upload_folder
from territoria.eau.models import Job, JobStatus
from territoria.eau.tasks import run_job
from tests.jobs import claimed_by, dead_worker, live_worker

from .test_network_import_job import TINY, agent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_upload_folder():
    """The folder is shared with the other tests: left as found (empty)."""
    yield
    for path in upload_folder().glob("*") if upload_folder().is_dir() else []:
        path.unlink()


def dropped(client, organisation, capture) -> Job:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(agent(organisation=organisation))
    with capture(execute=True):  # the job is queued; no worker takes it
        client.post(
            reverse("eau:network_import"),
            {"fichier": SimpleUploadedFile("reseau.inp", TINY.encode()), "nom": "Essai"},
        )
    return Job.objects.get(kind="network_import")


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_model_no_worker_reads_for_a_day_is_deleted_and_its_job_failed(
    client, organisation, database_queue, django_capture_on_commit_callbacks
):
    job = dropped(client, organisation, django_capture_on_commit_callbacks)
    stored = Path(job.params["file"])
    assert job.status == JobStatus.QUEUED and stored.exists()
    assert recovery.recover_jobs() == {"failed": 0, "files_removed": 0}  # still waiting
    assert stored.exists()
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=25))
    assert recovery.recover_jobs()["failed"] == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.message == recovery.NEVER_READ
    assert not stored.exists() and list(upload_folder().iterdir()) == []
    page = client.get(reverse("eau:job", args=[job.pk])).content.decode()
    assert "Déposez-le à nouveau" in page


def test_a_job_lost_with_its_worker_is_failed_and_its_model_deleted(
    client, organisation, database_queue, django_capture_on_commit_callbacks
):
    job = dropped(client, organisation, django_capture_on_commit_callbacks)
    stored = Path(job.params["file"])
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, updated_at=timezone.now() - timedelta(hours=1)
    )
    assert recovery.recover_jobs()["failed"] == 0 and stored.exists()  # the queue waits
    claimed_by(run_job, dead_worker(), str(job.pk))  # taken by a worker, killed mid-job
    fail_orphaned_task_results()
    assert recovery.recover_jobs()["failed"] == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.message == recovery.INTERRUPTED
    assert not stored.exists()


def test_a_job_a_live_worker_holds_is_left_alone(
    client, organisation, database_queue, django_capture_on_commit_callbacks
):
    job = dropped(client, organisation, django_capture_on_commit_callbacks)
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, updated_at=timezone.now() - timedelta(hours=1)
    )
    claimed_by(run_job, live_worker(), str(job.pk))
    assert recovery.recover_jobs()["failed"] == 0 and Path(job.params["file"]).exists()


def test_a_file_no_waiting_job_names_is_removed_once_stale(db, settings):
    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    orphan, fresh = folder / "orphelin.inp", folder / "en-cours-d-ecriture.inp"
    orphan.write_text(TINY)
    fresh.write_text(TINY)
    age(orphan, settings.JOB_LEASE_S + 60)
    assert recovery.recover_jobs()["files_removed"] == 1
    assert not orphan.exists() and fresh.exists()


def test_the_recovery_is_a_periodic_task_of_the_platform_scheduler():
    task = get_task("eau_recover_jobs")
    assert task.func == "territoria.eau.recovery.recover_jobs"
    assert task.every == timedelta(minutes=15)

"""Imports after a kill -9 of the worker: failed with a reason and a retry, files cleaned."""

import os
import time

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from territoria.registre.importers.storage import import_storage
from territoria.registre.importers.tasks import import_registre_task
from territoria.registre.models import ImportJob, Project
from territoria.registre.recovery import recover_import_jobs
from tests.jobs import age, claimed_by, dead_worker, live_worker, run_worker

from .import_helpers import anchor_row, csv_text

pytestmark = pytest.mark.django_db


def _job(moderator, status) -> ImportJob:
    job = ImportJob(file_name="projets.csv", requested_by=moderator, status=status)
    job.file.save("projets.csv", ContentFile(csv_text([anchor_row()]).encode()), save=True)
    return job


def test_import_killed_while_running_fails_with_reason_and_its_file_is_removed(
    database_queue, moderator, client
):
    job = _job(moderator, ImportJob.Status.RUNNING)
    claimed_by(import_registre_task, dead_worker(), str(job.pk))
    assert import_storage().exists(job.file.name)

    assert recover_import_jobs()["failed"] == 1

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.finished_at
    assert "interrompu" in job.report["summary"] and "Déposez le fichier" in job.report["summary"]
    assert not import_storage().exists(job.file.name)
    client.force_login(moderator)
    page = client.get(reverse("registre:import_job", args=[job.pk])).content.decode()
    assert "interrompu" in page
    assert client.get(reverse("registre:import")).status_code == 200  # a new upload is possible


def test_import_running_on_a_live_worker_is_left_alone(database_queue, moderator):
    job = _job(moderator, ImportJob.Status.RUNNING)
    claimed_by(import_registre_task, live_worker(), str(job.pk))
    assert recover_import_jobs() == {"failed": 0, "requeued": 0, "files_removed": 0}
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING and import_storage().exists(job.file.name)


def test_import_never_queued_is_queued_again_and_completes(database_queue, moderator):
    job = _job(moderator, ImportJob.Status.PENDING)  # the page died before enqueue()
    recover_import_jobs()
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.PENDING  # too young
    age(ImportJob, job.pk, minutes=10)
    assert recover_import_jobs()["requeued"] == 1
    assert recover_import_jobs()["requeued"] == 0  # now in the queue
    run_worker()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and Project.objects.count() == 1


def test_files_of_finished_or_abandoned_imports_are_removed(database_queue, moderator):
    finished = _job(moderator, ImportJob.Status.DONE)
    simulation = _job(moderator, ImportJob.Status.DONE)  # clean: waits for its confirmation
    ImportJob.objects.filter(pk=simulation.pk).update(dry_run=True)
    waiting = _job(moderator, ImportJob.Status.PENDING)
    abandoned = import_storage().save("simulation.csv", ContentFile(b"x"))
    recent = import_storage().save("simulation2.csv", ContentFile(b"x"))
    old = time.time() - 25 * 3600
    os.utime(import_storage().path(abandoned), (old, old))
    assert recover_import_jobs()["files_removed"] == 2
    assert not import_storage().exists(finished.file.name)
    assert not import_storage().exists(abandoned)
    assert import_storage().exists(waiting.file.name) and import_storage().exists(recent)
    assert import_storage().exists(simulation.file.name)

"""Imports as background jobs: ImportJob stores status, progress and the report."""

import pytest
from django.core.files.base import ContentFile

from territoria.registre.importers.tasks import import_registre_task
from territoria.registre.models import ImportJob, Project

from .import_helpers import anchor_row, csv_text

pytestmark = pytest.mark.django_db


def test_import_job_runs_as_task_and_stores_report(moderator):
    job = ImportJob(file_name="projets.csv", requested_by=moderator)
    job.file.save("projets.csv", ContentFile(csv_text([anchor_row()]).encode()), save=True)
    import_registre_task.enqueue(str(job.pk))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.progress == 1.0
    assert job.report["counts"]["created"] == 1 and job.report["ok"]
    assert Project.objects.get().created_by == moderator


def test_import_job_with_errors_is_failed_and_writes_nothing(moderator):
    job = ImportJob(file_name="projets.csv", requested_by=moderator)
    job.file.save(
        "projets.csv", ContentFile(csv_text([anchor_row(SIRET="123")]).encode()), save=True
    )
    import_registre_task.enqueue(str(job.pk))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert (job.report["errors"][0]["line"], job.report["errors"][0]["column"]) == (2, "SIRET")
    assert Project.objects.count() == 0

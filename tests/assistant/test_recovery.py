"""Ingestion after a kill -9 of the worker: the job resumes where it stopped, every
document ends indexed or failed with a reason, files of a cut upload are removed."""

import os
import time

import pytest

from territoria.assistant.models import DocumentState, IngestionJob, JobState
from territoria.assistant.recovery import GAVE_UP, RETRYING, recover_ingestion
from territoria.assistant.services.ingestion import add_files, index_document
from territoria.assistant.tasks import run_ingestion_job
from territoria.search import get_index
from tests.jobs import claimed_by, dead_worker, live_worker, run_worker

pytestmark = pytest.mark.django_db


def _batch(collection, tmp_path, count=10) -> IngestionJob:
    files = []
    for n in range(count):
        path = tmp_path / f"note-{n}.md"
        path.write_text(f"# Note {n}\n\nLa salle polyvalente numéro {n} ouvre à {8 + n} heures.\n")
        files.append((path, path.name))
    return add_files(collection, files)


def _killed_after(job: IngestionJob, indexed: int) -> None:
    """The worker indexed `indexed` documents, was inside the next one, and was killed."""
    documents = list(job.documents.order_by("source"))
    for document in documents[:indexed]:
        index_document(document)
    documents[indexed].state = DocumentState.INDEXING
    documents[indexed].save()
    IngestionJob.objects.filter(pk=job.pk).update(state=JobState.RUNNING, indexed=indexed)
    claimed_by(run_ingestion_job, dead_worker(), str(job.pk))


def test_ingestion_killed_midway_resumes_and_indexes_every_document(
    database_queue, internal_collection, tmp_path
):
    job = _batch(internal_collection, tmp_path)
    _killed_after(job, indexed=4)

    assert recover_ingestion()["requeued"] == 1
    caught = job.documents.get(source="note-4.md")
    assert (caught.state, caught.error) == (DocumentState.PENDING, RETRYING)
    run_worker()

    job.refresh_from_db()
    assert job.state == JobState.DONE and (job.indexed, job.failed) == (10, 0)
    assert set(job.documents.values_list("state", flat=True)) == {DocumentState.INDEXED}
    assert job.documents.get(source="note-4.md").error == ""
    assert get_index().count(internal_collection.namespace) == 10


def test_document_caught_twice_in_its_indexing_fails_with_a_reason(
    database_queue, internal_collection, tmp_path
):
    job = _batch(internal_collection, tmp_path, count=3)
    _killed_after(job, indexed=1)
    recover_ingestion()
    _killed_after(job, indexed=1)  # the same document kills the worker again
    assert recover_ingestion()["documents_failed"] == 1
    run_worker()
    job.refresh_from_db()
    assert job.state == JobState.DONE and (job.indexed, job.failed) == (2, 1)
    assert job.documents.get(source="note-1.md").error == GAVE_UP


def test_ingestion_on_a_live_worker_is_left_alone(database_queue, internal_collection, tmp_path):
    job = _batch(internal_collection, tmp_path, count=2)
    IngestionJob.objects.filter(pk=job.pk).update(state=JobState.RUNNING)
    claimed_by(run_ingestion_job, live_worker(), str(job.pk))
    assert recover_ingestion()["requeued"] == 0


def test_files_of_a_cut_upload_are_removed_and_documents_files_kept(
    database_queue, internal_collection, media_root, settings
):
    settings.JOB_LEASE_S = 60
    folder = media_root / "assistant" / internal_collection.slug
    folder.mkdir(parents=True)
    kept, cut = folder / "guide.md", folder / "rapport.pdf"
    kept.write_text("# Guide\n\nHoraires de la mairie.\n")
    cut.write_bytes(b"%PDF-1.7 half")
    add_files(internal_collection, [(kept, "guide.md")])
    old = time.time() - 120
    for path in (kept, cut):
        os.utime(path, (old, old))
    assert recover_ingestion()["files_removed"] == 1
    assert kept.exists() and not cut.exists()

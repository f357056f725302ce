"""Open-data versions after a kill -9 (worker or web process): analysis and publication
resumed, a cut upload failed with a reason, half-written files removed."""

import os
import time

import pytest
from django.http import QueryDict

from territoria.opendata import publishing, querying, storage
from territoria.opendata.models import ResourceVersion, VersionStatus
from territoria.opendata.recovery import UPLOAD_CUT, recover_versions
from territoria.opendata.tasks import analyse_version_task, publish_version_task
from tests.jobs import claimed_by, dead_worker, live_worker, run_worker

from .conftest import SUBSIDIES, new_resource, upload

pytestmark = pytest.mark.django_db
DROP = ["Représentant", "Courriel"]


def _uploaded(dataset) -> ResourceVersion:
    resource = new_resource(dataset, "Subventions 2023")
    return publishing.receive_file(
        resource, upload(SUBSIDIES.name, SUBSIDIES.read_bytes()), SUBSIDIES.name, analyse=False
    )


def _killed_during(task, version, status):
    """The state a kill -9 leaves: status set by the job, task running on a dead worker."""
    ResourceVersion.objects.filter(pk=version.pk).update(status=status)
    claimed_by(task, dead_worker(), str(version.pk))


def _leftovers(version) -> list[str]:
    folder = storage.version_dir(version)
    return sorted(p.name for p in folder.iterdir() if p.name.endswith((".partial", "work")))


def test_analysis_killed_is_resumed_and_publication_killed_is_resumed(database_queue, dataset):
    version = _uploaded(dataset)
    _killed_during(analyse_version_task, version, VersionStatus.ANALYSING)
    storage.staging_parquet(version).write_bytes(b"PAR1 half")
    (storage.work_dir(version) / "chunk-3.csv").write_text("a;b")

    assert recover_versions()["analysis_requeued"] == 1
    assert not storage.staging_parquet(version).exists() and _leftovers(version) == []
    run_worker()
    version.refresh_from_db()
    assert version.status == VersionStatus.REVIEW and version.row_count

    assert publishing.request_publication(version, DROP, []) == []
    _killed_during(publish_version_task, version, VersionStatus.PUBLISHING)
    storage.query_copy(version).with_name("data.duckdb.partial").write_bytes(b"half")

    assert recover_versions()["publication_requeued"] == 1
    run_worker()
    version.refresh_from_db()
    assert version.status == VersionStatus.PUBLISHED, version.error
    assert version.resource.current_version == version
    result, _meta = querying.rows(version.resource, QueryDict())
    assert result.total == version.row_count
    assert _leftovers(version) == [] and not storage.staging_parquet(version).exists()


def test_publication_killed_twice_goes_back_to_review_and_retry_is_accepted(
    database_queue, dataset, agent, api_client
):
    version = _uploaded(dataset)
    publishing.analyse(version)
    version.refresh_from_db()
    publishing.request_publication(version, DROP, [])
    for _ in range(2):
        _killed_during(publish_version_task, version, VersionStatus.PUBLISHING)
        recover_versions()
    version.refresh_from_db()
    assert version.status == VersionStatus.REVIEW
    assert "interrompue" in version.error and "Relancez" in version.error

    api_client.force_authenticate(agent)
    retry = api_client.post(
        f"/api/opendata/versions/{version.pk}/publish/", {"drop_columns": DROP}, format="json"
    )
    assert retry.status_code == 202, retry.content


def test_analysis_on_a_live_worker_is_left_alone(database_queue, dataset):
    version = _uploaded(dataset)
    ResourceVersion.objects.filter(pk=version.pk).update(status=VersionStatus.ANALYSING)
    claimed_by(analyse_version_task, live_worker(), str(version.pk))
    assert recover_versions()["analysis_requeued"] == 0
    assert ResourceVersion.objects.get(pk=version.pk).status == VersionStatus.ANALYSING


def test_upload_cut_fails_with_reason_and_its_truncated_file_is_removed(
    database_queue, dataset, settings
):
    settings.JOB_LEASE_S = 60
    resource = new_resource(dataset)
    version = ResourceVersion.objects.create(
        resource=resource, number=1, source_name="gros.csv", source_format="csv"
    )  # what receive_file commits before writing the file
    source = storage.source_path(version)
    source.write_bytes(b"a;b\n1;")
    assert recover_versions()["failed"] == 0  # still growing, maybe
    old = time.time() - 120
    os.utime(source, (old, old))

    assert recover_versions()["failed"] == 1
    version.refresh_from_db()
    assert version.status == VersionStatus.FAILED and version.error == UPLOAD_CUT
    assert not source.exists()


def test_folders_of_deleted_versions_and_staging_of_failed_ones_are_removed(
    database_queue, dataset, settings
):
    settings.JOB_LEASE_S = 60
    version = _uploaded(dataset)
    ResourceVersion.objects.filter(pk=version.pk).update(status=VersionStatus.FAILED)
    storage.staging_parquet(version).write_bytes(b"PAR1")
    orphan = settings.OPENDATA_DIR / str(version.resource_id) / "v9"
    orphan.mkdir()
    (orphan / "source.csv").write_text("a")
    old = time.time() - 120
    os.utime(orphan, (old, old))

    assert recover_versions()["files_removed"] == 2
    assert not orphan.exists() and not storage.staging_parquet(version).exists()
    assert storage.source_path(version).exists()  # the failed version keeps its source

"""Real files through the whole publication: upload, analysis, publication, query.

The committed fixture covers a fresh clone; the team's shared data folder, when present,
adds every real CSV it holds (each must publish, none may end on an unexpected error)."""

import logging

import pytest

from territoria.opendata import publishing, querying, storage
from territoria.opendata.models import VersionStatus
from tests.shared_data import SHARED_DATA

from .conftest import FIXTURES, new_resource, publish_bytes, upload

UTC_OFFSET_TIMESTAMPS = FIXTURES / "casses-canalisations-2024.csv"
SHARED_CSVS = sorted(SHARED_DATA.rglob("*.csv")) if SHARED_DATA.is_dir() else []


def test_csv_with_utc_offset_timestamps_publishes_and_reads_back(dataset):
    version = publish_bytes(dataset, UTC_OFFSET_TIMESTAMPS.name, UTC_OFFSET_TIMESTAMPS.read_bytes())
    assert version.status == VersionStatus.PUBLISHED, version.error
    assert version.row_count == 4
    types = {f["name"]: f["type"] for f in version.inferred_schema["fields"]}
    assert types["date_incident"] == "datetime"
    assert version.preview[0][1].startswith("2024-01-08")
    assert version.preview[2][2] is None  # the empty timestamp stays empty
    table = version.resource.table_name
    result = querying.sql(f"SELECT count(*) FROM {table} WHERE date_incident >= '2024-03-01'")
    assert result.rows == [[2]]


@pytest.mark.slow
@pytest.mark.skipif(not SHARED_CSVS, reason=f"no shared data folder at {SHARED_DATA}")
@pytest.mark.parametrize("path", SHARED_CSVS, ids=lambda p: str(p.relative_to(SHARED_DATA)))
def test_every_shared_csv_publishes(dataset, path):
    version = publish_bytes(dataset, path.name, path.read_bytes())
    assert version.status == VersionStatus.PUBLISHED, version.error
    assert version.row_count > 0
    assert storage.published_parquet(version).exists()


def test_unexpected_analysis_failure_names_the_step_in_french_and_logs_the_trace(
    dataset, monkeypatch, caplog
):
    # A bug in one step (here the personal-data scan) stands for any failure we did not
    # foresee: the publisher must learn which step stopped and what to do, never a bare
    # "erreur inattendue"; the trace goes to the server log under the same reference.
    def broken_scan(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(publishing.personal_data, "scan_parquet", broken_scan)
    resource = new_resource(dataset)
    with caplog.at_level(logging.ERROR, logger="territoria.opendata.publishing"):
        version = publishing.receive_file(
            resource,
            upload(UTC_OFFSET_TIMESTAMPS.name, UTC_OFFSET_TIMESTAMPS.read_bytes()),
            UTC_OFFSET_TIMESTAMPS.name,
        )
    version.refresh_from_db()
    assert version.status == VersionStatus.FAILED
    assert "recherche de données personnelles" in version.error
    assert UTC_OFFSET_TIMESTAMPS.name in version.error
    assert str(version.pk) in version.error
    assert "inattendue" not in version.error
    record = next(r for r in caplog.records if str(version.pk) in r.getMessage())
    assert record.exc_info and "simulated bug" in str(record.exc_info[1])
    assert not storage.source_path(version).exists()  # a refused file is not kept

"""The publication state machine: analysis, personal-data guard, versions, failures."""

import pytest

from territoria.opendata import publishing, storage
from territoria.opendata.ingest.errors import IngestError
from territoria.opendata.models import Resource, VersionStatus

from .conftest import SUBSIDIES, new_resource, publish_bytes, upload


def test_upload_analysis_shows_schema_preview_and_flags_personal_data(dataset):
    resource = new_resource(dataset)
    version = publishing.receive_file(
        resource, upload(SUBSIDIES.name, SUBSIDIES.read_bytes()), SUBSIDIES.name
    )
    version.refresh_from_db()
    assert version.status == VersionStatus.REVIEW
    assert version.row_count == 48 and len(version.preview) == 20
    assert {f["column"] for f in version.personal_data} == {"Représentant", "Courriel"}
    assert storage.staging_parquet(version).exists()
    assert resource.current_version is None


def test_publication_refused_until_each_flagged_column_is_dropped_or_confirmed(dataset):
    resource = new_resource(dataset)
    version = publishing.receive_file(
        resource, upload(SUBSIDIES.name, SUBSIDIES.read_bytes()), SUBSIDIES.name
    )
    version.refresh_from_db()
    blockers = publishing.request_publication(version, drop=["Courriel"])
    assert any("Représentant" in b for b in blockers)
    version.refresh_from_db()
    assert version.status == VersionStatus.REVIEW
    assert (
        publishing.request_publication(version, drop=["Courriel"], confirmed=["Représentant"]) == []
    )
    version.refresh_from_db()
    resource.refresh_from_db()
    assert version.status == VersionStatus.PUBLISHED
    assert resource.current_version == version
    assert [f["name"] for f in version.published_columns].count("Courriel") == 0
    assert (
        storage.published_parquet(version).exists()
        and not storage.staging_parquet(version).exists()
    )


def test_republishing_keeps_previous_version_with_row_diff(subsidies):
    first = subsidies.current_version
    content = (
        SUBSIDIES.read_bytes()
        + "Nouvelle association;12345678900011;Projet;100,00;01/12/2023;69266;X;x@y.fr\r\n".encode(
            "cp1252"
        )
    )
    second = publish_bytes(
        subsidies.dataset,
        SUBSIDIES.name,
        content,
        resource=subsidies,
        drop=["Représentant", "Courriel"],
    )
    first.refresh_from_db()
    assert second.status == VersionStatus.PUBLISHED and second.number == 2
    assert first.status == VersionStatus.SUPERSEDED
    assert storage.published_parquet(first).exists()
    assert second.diff["rows_delta"] == 1 and second.diff["previous_version"] == 1


def test_failed_new_version_leaves_previous_version_published(subsidies):
    bad = publish_bytes(subsidies.dataset, "v2.csv", b"a;b\n1;2\n3;4;5\n", resource=subsidies)
    subsidies.refresh_from_db()
    assert bad.status == VersionStatus.FAILED
    assert "Ligne 3" in bad.error
    assert subsidies.current_version.number == 1
    assert not storage.staging_parquet(bad).exists()


def test_file_larger_than_limit_is_refused_before_anything_is_written(dataset, settings):
    settings.OPENDATA_MAX_FILE_MB = 1
    resource = new_resource(dataset)
    with pytest.raises(IngestError, match="trop volumineux"):
        publishing.receive_file(resource, upload("gros.csv", b"a\n" + b"1\n" * 600_000), "gros.csv")
    assert resource.versions.count() == 0


def test_unknown_extension_is_refused(dataset):
    with pytest.raises(IngestError, match="Extension « .exe »"):
        publishing.receive_file(new_resource(dataset), upload("x.exe", b"MZ"), "x.exe")


def test_table_schema_errors_block_publication_and_name_line_and_field(dataset):
    schema = {
        "fields": [
            {
                "name": "code_insee",
                "type": "string",
                "constraints": {"pattern": "[0-9]{5}", "required": True},
            },
            {"name": "population", "type": "integer", "constraints": {"minimum": 0}},
        ]
    }
    version = publish_bytes(
        dataset, "communes.csv", b"code_insee;population\n01001;780\n7505;-3\n", table_schema=schema
    )
    assert version.status == VersionStatus.REVIEW
    messages = {(e["field"], e["line"]) for e in version.validation_errors}
    assert ("code_insee", 3) in messages and ("population", 3) in messages
    assert publishing.request_publication(version)  # blocked


def test_table_schema_valid_data_publishes(dataset):
    schema = {
        "fields": [
            {"name": "code_insee", "type": "string"},
            {"name": "population", "type": "integer", "constraints": {"unique": True}},
        ]
    }
    version = publish_bytes(
        dataset,
        "communes.csv",
        b"code_insee;population\n01001;780\n75056;2100000\n",
        table_schema=schema,
    )
    assert version.validation_errors == [] and version.status == VersionStatus.PUBLISHED


def test_resource_table_names_are_unique_sql_identifiers(dataset):
    a = Resource.objects.create(dataset=dataset, title="Budget 2024")
    b = Resource.objects.create(dataset=dataset, title="Budget 2024")
    assert a.table_name != b.table_name
    assert a.table_name.replace("_", "").isalnum()


def test_publication_writes_the_query_copy_and_the_engine_reads_it(subsidies):
    version = subsidies.current_version
    copy = storage.query_copy(version)
    assert copy.exists() and not copy.with_name(copy.name + ".partial").exists()
    from territoria.opendata.query.tables import table_for

    assert table_for(version).query_copy == str(copy)


def test_failed_query_copy_fails_publication_and_keeps_previous_version(subsidies, monkeypatch):
    from territoria.opendata.query import duckdb_engine

    def disk_full(parquet, target):
        raise OSError("No space left on device")

    monkeypatch.setattr(duckdb_engine, "build_query_copy", disk_full)
    second = publish_bytes(
        subsidies.dataset,
        SUBSIDIES.name,
        SUBSIDIES.read_bytes(),
        resource=subsidies,
        drop=["Représentant", "Courriel"],
    )
    subsidies.refresh_from_db()
    assert second.status == VersionStatus.FAILED
    assert "version précédente reste en ligne" in second.error
    assert subsidies.current_version.number == 1
    assert (
        not storage.published_parquet(second).exists() and not storage.query_copy(second).exists()
    )

"""Datasets the modules publish (their `datasets`, core/modules.py), kept up to date.

A module names a writer that produces its public CSV; this file turns it into a dataset of
the catalogue (a "system" dataset: not editable by hand) and publishes a new version only
when the rows changed: compared with the version that is published or on its way to be (a
publication job may still be queued), by content hash first, then row by row
(order-independent), so a save that changes no public value, or a burst of refreshes queued
before the first publication ran, adds no "+0 lignes" version. Every save or delete of a watched model queues ONE refresh
per transaction (signals.py): an import of 12 000 projects queues one job, not 12 000.
"""

import logging
import shutil
import tempfile
from pathlib import Path

from django.db import transaction

from territoria.core import modules
from territoria.opendata import publishing, storage
from territoria.opendata.models import Dataset, Resource, ResourceVersion, VersionStatus
from territoria.opendata.query.duckdb_engine import new_connection, sql_literal

logger = logging.getLogger(__name__)


def dataset_spec(key: str) -> modules.PublishedDataset:
    for spec in modules.published_datasets():
        if spec.key == key:
            return spec
    raise LookupError(f"no module publishes a dataset {key!r}")


def module_dataset(spec: modules.PublishedDataset) -> Dataset:
    dataset, _ = Dataset.objects.get_or_create(
        system_key=spec.key,
        defaults={
            "slug": spec.slug,
            "title": spec.title,
            "description": spec.description,
            "licence": spec.licence,
            "theme": spec.theme,
            "frequency": spec.frequency,
            "keywords": list(spec.keywords),
            "spatial_coverage": spec.spatial_coverage,
        },
    )
    return dataset


def _reference_version(resource: Resource) -> ResourceVersion | None:
    """What the dataset is, or is about to be: the newest version published or on its way."""
    return (
        resource.versions.filter(
            status__in=[VersionStatus.REVIEW, VersionStatus.PUBLISHING, VersionStatus.PUBLISHED]
        )
        .order_by("-number")
        .first()
    )


def _rows_file(version: ResourceVersion) -> Path | None:
    for path in (storage.published_parquet(version), storage.staging_parquet(version)):
        if path.exists():
            return path
    return None


def same_rows(first: Path, second: Path) -> bool:
    """Same columns and the same rows (as a multiset: the export's order may vary)."""
    a, b = (f"read_parquet({sql_literal(str(p))})" for p in (first, second))
    con = new_connection()
    try:
        if (
            con.execute(f"DESCRIBE SELECT * FROM {a}").fetchall()
            != con.execute(f"DESCRIBE SELECT * FROM {b}").fetchall()
        ):
            return False
        (differences,) = con.execute(
            f"SELECT count(*) FROM ((SELECT * FROM {a} EXCEPT ALL SELECT * FROM {b}) "
            f"UNION ALL (SELECT * FROM {b} EXCEPT ALL SELECT * FROM {a}))"
        ).fetchone()
    finally:
        con.close()
    return differences == 0


def _discard(version: ResourceVersion) -> None:
    shutil.rmtree(storage.version_dir(version), ignore_errors=True)
    version.delete()


def refresh_module_dataset(key: str):
    """Publish the module's current data as a new version when its rows changed; returns the
    version that holds them (the new one, or the one already published or on its way), or None
    when the module has nothing to publish yet (no empty table in the catalogue)."""
    spec = dataset_spec(key)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{spec.key}.csv"
        exported = modules.resolve(spec.writer)(path)
        if exported is None or exported[0] < 1:
            return None
        digest = exported[1]
        with transaction.atomic():
            dataset = module_dataset(spec)
            resource, _ = Resource.objects.get_or_create(
                dataset=dataset,
                slug=spec.resource_slug,
                defaults={
                    "title": spec.resource_title,
                    "table_name": spec.table_name or spec.key.replace("-", "_"),
                },
            )
        reference = _reference_version(resource)
        if reference and reference.detection.get("content_hash") == digest:
            return reference
        version = publishing.receive_file(resource, path, path.name, analyse=False)
    publishing.analyse(version)
    version.refresh_from_db()
    if version.status != VersionStatus.REVIEW:
        logger.error("dataset %s not refreshed: %s", spec.key, version.error)
        return version
    reference_rows = _rows_file(reference) if reference else None
    if reference_rows and same_rows(reference_rows, storage.staging_parquet(version)):
        # Same rows written differently (order, a byte of the CSV): remember this form too.
        _discard(version)
        reference.detection = {**reference.detection, "content_hash": digest}
        reference.save(update_fields=["detection", "updated_at"])
        return reference
    version.detection = {**version.detection, "content_hash": digest}
    version.save(update_fields=["detection", "updated_at"])
    # The module publishes what its own rule calls public: flagged columns are confirmed.
    publishing.request_publication(version, confirmed=[f["column"] for f in version.personal_data])
    version.refresh_from_db()
    return version

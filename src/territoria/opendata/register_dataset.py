"""The register of AI systems, published as an open dataset and kept up to date.

The rows come from the register's own CSV export made for an anonymous reader
(`registre.exports`: `rows.projects(None)`, `rows.export_fields(None, all_fields=True)`,
`formats.csv_chunks`), which goes through the register's single visibility rule: published
projects only, public fields only — a restricted field cannot reach this dataset by
construction. Every change of a project queues a refresh (see signals.py); the refresh
publishes a new version only when the rows changed: compared with the version that is
published or on its way to be (a publication job may still be queued), by content hash first,
then row by row (order-independent), so a save that changes no public value, or a burst of
refreshes queued before the first publication ran, adds no "+0 lignes" version.
"""

import hashlib
import logging
import shutil
import tempfile
from pathlib import Path

from django.db import transaction

from territoria.opendata import publishing, storage
from territoria.opendata.models import (
    Dataset,
    Frequency,
    Licence,
    Resource,
    ResourceVersion,
    Theme,
    VersionStatus,
)
from territoria.opendata.query.duckdb_engine import new_connection, sql_literal

logger = logging.getLogger(__name__)

SYSTEM_KEY = "registre-ia"
RESOURCE_SLUG = "projets-publies"


def write_public_register_csv(path: Path) -> tuple[int, str] | None:
    """Write the public register as CSV (schema ids as columns); (rows, content hash), or None
    when the register app is not installed."""
    try:
        from territoria.registre.exports import formats, rows
    except ImportError:
        return None
    fields = rows.export_fields(None, all_fields=True)
    digest, lines = hashlib.sha256(), -1
    with path.open("w", encoding="utf-8", newline="") as handle:
        # The raw values: this file is converted to Parquet, and the dataset's CSV downloads
        # neutralise formulas themselves (a quote here would end up in the published data).
        for chunk in formats.csv_chunks(
            rows.projects(None), fields, None, anchor_columns=False, neutralise_formulas=False
        ):
            handle.write(chunk)
            digest.update(chunk.encode())
            lines += chunk.count("\n")
    return lines, digest.hexdigest()


def register_dataset() -> Dataset:
    dataset, _ = Dataset.objects.get_or_create(
        system_key=SYSTEM_KEY,
        defaults={
            "slug": "registre-des-systemes-d-ia",
            "title": "Registre des systèmes d'IA des collectivités",
            "description": (
                "Partie publique du registre des systèmes d'intelligence artificielle utilisés par "
                "les collectivités (Bibliothèque d'IA territoriales) : projets publiés, champs "
                "publics uniquement. Mis à jour automatiquement à chaque publication."
            ),
            "licence": Licence.ETALAB_2,
            "theme": Theme.GOVE,
            "frequency": Frequency.CONTINUOUS,
            "keywords": [
                "intelligence artificielle",
                "registre",
                "algorithmes publics",
                "transparence",
            ],
            "spatial_coverage": "France",
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


def refresh_register_dataset():
    """Publish the current public register as a new version when its rows changed; returns
    the version that holds them (the new one, or the one already published or on its way)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "registre-ia.csv"
        exported = write_public_register_csv(path)
        if exported is None or exported[0] < 1:
            return None  # no register, or nothing published yet: no empty table in the catalogue
        digest = exported[1]
        with transaction.atomic():
            dataset = register_dataset()
            resource, _ = Resource.objects.get_or_create(
                dataset=dataset,
                slug=RESOURCE_SLUG,
                defaults={"title": "Projets publiés", "table_name": "registre_ia"},
            )
        reference = _reference_version(resource)
        if reference and reference.detection.get("content_hash") == digest:
            return reference
        version = publishing.receive_file(resource, path, path.name, analyse=False)
    publishing.analyse(version)
    version.refresh_from_db()
    if version.status != VersionStatus.REVIEW:
        logger.error("register dataset not refreshed: %s", version.error)
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
    # These fields are public by the register's own rule: flagged columns are confirmed.
    publishing.request_publication(version, confirmed=[f["column"] for f in version.personal_data])
    version.refresh_from_db()
    return version

"""Publishing a resource version, as a state machine:

    uploaded → analysing → review → publishing → published (→ superseded by the next one)
                    ↘ failed          ↘ failed

`receive_file` stores the upload and queues the analysis (a background job): conversion to
a staging Parquet, inferred schema, preview, personal-data guard, Table Schema validation.
The publisher checks the result and calls `request_publication` (drop or confirm flagged
columns); the publication job writes the final Parquet and switches the current version
in one transaction. A failure at any step leaves the previous version published, untouched.
"""

import logging
import os
import shutil
import time
from pathlib import Path

import httpx
import pyarrow.parquet as pq
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from territoria.opendata import fetching, storage, visibility, withdrawal
from territoria.opendata.ingest import personal_data, table_schema
from territoria.opendata.ingest.conversion import PARQUET_OPTIONS, conversion_connection, convert
from territoria.opendata.ingest.errors import IngestError
from territoria.opendata.models import Resource, ResourceVersion, SourceFormat, VersionStatus
from territoria.opendata.query.base import get_engine, json_safe
from territoria.opendata.query.duckdb_engine import new_connection, quote, sql_literal

logger = logging.getLogger(__name__)

EXTENSIONS = {
    ".csv": SourceFormat.CSV,
    ".txt": SourceFormat.CSV,
    ".tsv": SourceFormat.CSV,
    ".xlsx": SourceFormat.XLSX,
    ".json": SourceFormat.JSON,
    ".ndjson": SourceFormat.JSON,
    ".geojson": SourceFormat.GEOJSON,
    ".parquet": SourceFormat.PARQUET,
}
PREVIEW_ROWS = 20


def max_bytes() -> int:
    return settings.OPENDATA_MAX_FILE_MB * 1024 * 1024


def format_of(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in EXTENSIONS:
        raise IngestError(
            f"Extension « {suffix or '(aucune)'} » non prise en charge. Formats "
            "acceptés : .csv, .xlsx, .json, .geojson, .parquet."
        )
    return EXTENSIONS[suffix]


def too_large_message(size: int | None = None) -> str:
    shown = f" ({size / 1024 / 1024:.0f} Mo)" if size else ""
    return (
        f"Fichier trop volumineux{shown} : la limite est de {settings.OPENDATA_MAX_FILE_MB} Mo "
        "(variable TERRITORIA_OPENDATA_MAX_FILE_MB)."
    )


def _new_version(resource: Resource, name: str, user, source_url: str = "") -> ResourceVersion:
    return ResourceVersion.objects.create(
        resource=resource,
        number=resource.next_version_number(),
        source_name=Path(name).name[:255],
        source_format=format_of(name),
        uploaded_by=user if getattr(user, "is_authenticated", False) else None,
        source_url=source_url,
    )


def receive_file(
    resource: Resource, upload, name: str, user=None, analyse: bool = True
) -> ResourceVersion:
    """Store an uploaded file (a Django UploadedFile, an open binary file or a Path)."""
    fmt = format_of(name)  # refuse a bad extension before writing anything
    size = getattr(upload, "size", None)
    if isinstance(upload, Path):
        size = upload.stat().st_size
    if size is not None and size > max_bytes():
        raise IngestError(too_large_message(size))
    if size == 0:
        raise IngestError("Le fichier est vide.")
    with transaction.atomic():
        version = _new_version(resource, name, user)
    target = storage.source_path(version)
    try:
        if isinstance(upload, Path):
            _link_or_copy(upload, target)
        else:
            _write_chunks(
                upload.chunks() if hasattr(upload, "chunks") else _read_chunks(upload), target
            )
    except IngestError:
        shutil.rmtree(storage.version_dir(version), ignore_errors=True)
        version.delete()
        raise
    version.source_bytes = target.stat().st_size
    version.source_format = fmt
    version.save(update_fields=["source_bytes", "source_format", "updated_at"])
    if analyse:
        queue_analysis(version)
        version.refresh_from_db()  # an inline job (tests, CLI) has already moved it on
    return version


def receive_url(resource: Resource, url: str, user=None) -> ResourceVersion:
    """Fetch a file from an address (e.g. the collectivité's file server), streamed and
    size-limited, through `fetching` (allow-listed hosts, public addresses only)."""
    name = Path(httpx.URL(url).path).name or "fichier.csv"
    format_of(name)
    fetching.check(url)  # refuse a forbidden address before creating anything
    with transaction.atomic():
        version = _new_version(resource, name, user, source_url=url)
    target = storage.source_path(version)
    try:
        _write_chunks(fetching.fetch(url), target)
    except IngestError:
        shutil.rmtree(storage.version_dir(version), ignore_errors=True)
        version.delete()
        raise
    version.source_bytes = target.stat().st_size
    version.save(update_fields=["source_bytes", "updated_at"])
    queue_analysis(version)
    version.refresh_from_db()
    return version


def _read_chunks(handle, size: int = 1024 * 1024):
    while chunk := handle.read(size):
        yield chunk


def _write_chunks(chunks, target: Path) -> None:
    written = 0
    with target.open("wb") as out:
        for chunk in chunks:
            written += len(chunk)
            if written > max_bytes():
                out.close()
                target.unlink(missing_ok=True)
                raise IngestError(too_large_message())
            out.write(chunk)
    if written == 0:
        target.unlink(missing_ok=True)
        raise IngestError("Le fichier est vide.")


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def queue_analysis(version: ResourceVersion) -> None:
    from territoria.opendata.tasks import analyse_version_task

    analyse_version_task.enqueue(str(version.pk))


def _set_status(version: ResourceVersion, status: str, **fields) -> None:
    version.status = status
    for key, value in fields.items():
        setattr(version, key, value)
    version.save()


# What each analysis step does, in the publisher's words: an unexpected failure names it.
ANALYSIS_STEPS = {
    "conversion": "la lecture et la conversion du fichier",
    "preview": "la préparation de l'aperçu des premières lignes",
    "personal_data": "la recherche de données personnelles",
    "table_schema": "la vérification du Table Schema de la ressource",
}


def unexpected_analysis_error(step: str, version: ResourceVersion) -> str:
    """The message a publisher reads when the analysis failed for a reason we did not foresee:
    which step failed, what to try, and a reference that finds the trace in the server log."""
    return (
        f"L'analyse du fichier « {version.source_name} » s'est arrêtée pendant "
        f"{ANALYSIS_STEPS[step]}. Le fichier n'a pas été publié et la version en ligne "
        "ne change pas. Vérifiez que le fichier s'ouvre correctement dans un tableur, puis "
        "déposez-le de nouveau ; si l'erreur se reproduit, transmettez à l'équipe technique "
        f"la référence {version.pk} (le détail est dans le journal du serveur)."
    )


def analyse(version: ResourceVersion) -> ResourceVersion:
    """Convert to a staging Parquet and fill in what the publisher must check."""
    _set_status(version, VersionStatus.ANALYSING, error="")
    started = time.perf_counter()
    staging = storage.staging_parquet(version)
    step = "conversion"
    try:
        conversion = convert(
            storage.source_path(version), version.source_format, staging, storage.work_dir(version)
        )
        con = new_connection()
        try:
            step = "preview"
            preview = con.execute(
                f"SELECT * FROM read_parquet({sql_literal(str(staging))}) LIMIT {PREVIEW_ROWS}"
            ).fetchall()
            step = "personal_data"
            flags = personal_data.scan_parquet(con, str(staging), conversion.fields)
            step = "table_schema"
            schema = version.resource.table_schema
            errors = (
                table_schema.validate(con, str(staging), conversion.fields, schema)
                if schema
                else []
            )
        finally:
            con.close()
    except IngestError as error:
        _discard_files(version)
        _set_status(version, VersionStatus.FAILED, error=str(error))
        return version
    except Exception:
        logger.exception(
            "analysis of version %s (%s) failed during %s", version.pk, version.source_name, step
        )
        _discard_files(version)
        _set_status(version, VersionStatus.FAILED, error=unexpected_analysis_error(step, version))
        return version
    finally:
        storage.clean_work_dir(version)
    _set_status(
        version,
        VersionStatus.REVIEW,
        detection=conversion.detection,
        row_count=conversion.row_count,
        inferred_schema={"fields": conversion.fields},
        preview=[[json_safe(v) for v in row] for row in preview],
        personal_data=flags,
        validation_errors=errors,
        parquet_bytes=staging.stat().st_size,
        analysis_seconds=round(time.perf_counter() - started, 3),
    )
    return version


def _discard_files(version: ResourceVersion) -> None:
    """A refused file is not kept: the publisher fixes it and uploads it again (a 2 GB file
    that failed its analysis would otherwise stay on disk)."""
    shutil.rmtree(storage.version_dir(version), ignore_errors=True)


def publication_blockers(
    version: ResourceVersion, drop: list[str], confirmed: list[str]
) -> list[str]:
    """What prevents publication, in words for the publisher; empty when it can go."""
    if version.status != VersionStatus.REVIEW:
        return [f"Cette version n'est pas à vérifier (état : {version.get_status_display()})."]
    reasons = []
    names = [f["name"] for f in version.columns]
    for column in drop:
        if column not in names:
            reasons.append(f"Colonne inconnue : « {column} ».")
    if len(set(drop)) >= len(names):
        reasons.append("Impossible de retirer toutes les colonnes.")
    for flag in version.personal_data:
        if flag["column"] not in drop and flag["column"] not in confirmed:
            reasons.append(
                f"Colonne « {flag['column']} » : elle semble contenir des {flag['label']} "
                "— retirez-la ou confirmez qu'elle peut être publiée."
            )
    if version.validation_errors:
        reasons.append(
            f"Les données ne respectent pas le Table Schema de la ressource "
            f"({len(version.validation_errors)} erreur(s)) : corrigez le fichier et "
            "déposez-le de nouveau."
        )
    return reasons


def request_publication(
    version: ResourceVersion, drop: list[str] = (), confirmed: list[str] = (), user=None
) -> list[str]:
    drop, confirmed = list(drop), list(confirmed)
    blockers = publication_blockers(version, drop, confirmed)
    if blockers:
        return blockers
    from territoria.opendata.tasks import publish_version_task

    _set_status(version, VersionStatus.PUBLISHING, dropped_columns=drop)
    publish_version_task.enqueue(str(version.pk))
    return []


def publish(version: ResourceVersion) -> ResourceVersion:
    """Write the final Parquet (without dropped columns) and make it the current version."""
    staging, final = storage.staging_parquet(version), storage.published_parquet(version)
    try:
        if version.dropped_columns:
            partial = final.with_suffix(".partial")
            excluded = ", ".join(quote(c) for c in version.dropped_columns)
            con = conversion_connection()
            try:
                con.execute(
                    f"COPY (SELECT * EXCLUDE ({excluded}) FROM read_parquet("
                    f"{sql_literal(str(staging))})) TO {sql_literal(str(partial))} ({PARQUET_OPTIONS})"
                )
            finally:
                con.close()
            partial.replace(final)
            staging.unlink()
        else:
            staging.replace(final)
        get_engine().prepare(final, storage.query_copy(version))
    except Exception:
        logger.exception("publication of %s failed", version.pk)
        final.unlink(missing_ok=True)
        storage.query_copy(version).unlink(missing_ok=True)
        _set_status(
            version,
            VersionStatus.FAILED,
            error="La publication a échoué ; la version précédente reste en ligne.",
        )
        return version
    with transaction.atomic():
        resource = Resource.objects.select_for_update().get(pk=version.resource_id)
        previous = resource.current_version
        version.diff = version_diff(previous, version)
        version.parquet_bytes = final.stat().st_size
        version.row_count = pq.ParquetFile(final).metadata.num_rows
        # The stored preview loses the dropped columns too: it is read by the API and pages.
        _set_status(
            version,
            VersionStatus.PUBLISHED,
            published_at=timezone.now(),
            preview=visibility.published_preview(version),
        )
        if previous:
            previous.status = VersionStatus.SUPERSEDED
            previous.save(update_fields=["status", "updated_at"])
        resource.current_version = version
        resource.save()
        resource.dataset.save(update_fields=["updated_at"])
        withdrawal.clear(resource.dataset)  # a withdrawn dataset is back online
    return version


def version_diff(previous: ResourceVersion | None, current: ResourceVersion) -> dict:
    if previous is None:
        return {}
    before = [f["name"] for f in previous.published_columns]
    after = [f["name"] for f in current.published_columns]
    return {
        "previous_version": previous.number,
        "rows_before": previous.row_count,
        "rows_after": current.row_count,
        "rows_delta": (current.row_count or 0) - (previous.row_count or 0),
        "columns_added": [c for c in after if c not in before],
        "columns_removed": [c for c in before if c not in after],
    }


def parquet_location(version: ResourceVersion) -> Path:
    return storage.published_parquet(version)

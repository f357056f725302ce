"""Where the files of a resource version live: DATA_DIR/opendata/<resource>/v<n>/."""

import shutil
from pathlib import Path

from django.conf import settings


def version_dir(version) -> Path:
    path = settings.OPENDATA_DIR / str(version.resource_id) / f"v{version.number}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def source_path(version) -> Path:
    return version_dir(version) / f"source.{version.source_format}"


def staging_parquet(version) -> Path:
    return version_dir(version) / "staging.parquet"


def published_parquet(version) -> Path:
    return version_dir(version) / "data.parquet"


def query_copy(version) -> Path:
    """The DuckDB copy of the published Parquet that the embedded engine queries (see publishing)."""
    return version_dir(version) / "data.duckdb"


def work_dir(version) -> Path:
    path = version_dir(version) / "work"
    path.mkdir(exist_ok=True)
    (settings.OPENDATA_DIR / "tmp").mkdir(parents=True, exist_ok=True)
    return path


def clean_work_dir(version) -> None:
    shutil.rmtree(version_dir(version) / "work", ignore_errors=True)

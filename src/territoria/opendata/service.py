"""The open-data portal's public service API, for the platform's other modules.

A module that publishes data (water meters, traffic counts…) calls these functions and never
imports the portal's internals (models aside, publishing, storage, query engine), which may
change. Everything goes through the same pipeline as an upload by hand: analysis,
personal-data guard, Table Schema, versions, the visibility rule, the query engine.

    from territoria.opendata import service

    published = service.publish_table(
        dataset, "Relevés journaliers", rows=[{"jour": "2026-01-01", "m3": 12.5}],
        schema=[("jour", "date"), ("m3", "number")],
    )
    service.append_rows(published.table_name, rows=[{"jour": "2026-01-02", "m3": 11.0}])
    service.query(published.table_name, {"m3__gt": "12"}).records()

Tables are a `pyarrow.Table`, or `rows` (dicts, or sequences in schema order) with a
`schema` of (name, Table Schema type) pairs: string, integer, number, boolean, date,
datetime. No pandas needed. Each call publishes a new version (the previous ones stay
downloadable); the publication job runs in the background worker, inline in tests and
with the immediate task backend.
"""

import datetime
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from django.db import transaction
from django.http import QueryDict

from territoria.opendata import publishing, querying, storage, visibility
from territoria.opendata.ingest.errors import IngestError
from territoria.opendata.models import Dataset, Resource, ResourceVersion, VersionStatus
from territoria.opendata.query.base import QueryError, Result
from territoria.opendata.query.duckdb_engine import new_connection, sql_literal

ARROW_TYPES = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "datetime": pa.timestamp("us"),
}


class ServiceError(Exception):
    """What the caller did wrong or what stops the publication, in French for the user."""

    def __init__(self, message: str, blockers: Sequence[str] = ()):
        super().__init__(message)
        self.message = message
        self.blockers = list(blockers)


@dataclass(frozen=True)
class Publication:
    resource: Resource
    version: ResourceVersion

    @property
    def table_name(self) -> str:
        return self.resource.table_name

    @property
    def published(self) -> bool:
        return self.version.status == VersionStatus.PUBLISHED


def to_arrow(
    table: pa.Table | None = None,
    rows: Iterable | None = None,
    schema: Sequence[tuple[str, str]] | None = None,
) -> pa.Table:
    """A pyarrow Table from `table`, or from `rows` and `schema` (checked, French errors)."""
    if table is not None:
        if rows is not None or schema is not None:
            raise ServiceError("Donnez soit une table Arrow, soit des lignes et leur schéma.")
        return table
    if rows is None or not schema:
        raise ServiceError("Donnez une table Arrow, ou des lignes (rows) avec leur schéma.")
    names = [name for name, _ in schema]
    if len(set(names)) != len(names):
        raise ServiceError(f"Colonnes en double dans le schéma : {names}.")
    for name, kind in schema:
        if kind not in ARROW_TYPES:
            raise ServiceError(
                f"Colonne « {name} » : type « {kind} » inconnu (attendu : "
                f"{', '.join(ARROW_TYPES)})."
            )
    columns: dict[str, list] = {name: [] for name in names}
    for number, row in enumerate(rows, start=1):
        if isinstance(row, Mapping):
            unknown = sorted(set(row) - set(names))
            if unknown:
                raise ServiceError(f"Ligne {number} : colonne(s) hors du schéma : {unknown}.")
            values = [row.get(name) for name in names]
        else:
            values = list(row)
            if len(values) != len(names):
                raise ServiceError(
                    f"Ligne {number} : {len(values)} valeurs pour {len(names)} colonnes."
                )
        for name, value in zip(names, values, strict=True):
            columns[name].append(value)
    arrays = []
    for name, kind in schema:
        try:
            arrays.append(pa.array(_prepared(columns[name], kind), type=ARROW_TYPES[kind]))
        except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError, TypeError) as error:
            raise ServiceError(
                f"Colonne « {name} » : une valeur n'est pas du type {kind} ({error})."
            ) from None
    return pa.table(arrays, names=names)


def _prepared(values: list, kind: str) -> list:
    """ISO texts accepted for dates and datetimes (what JSON-minded callers have)."""
    if kind == "date":
        return [datetime.date.fromisoformat(v) if isinstance(v, str) else v for v in values]
    if kind == "datetime":
        return [datetime.datetime.fromisoformat(v) if isinstance(v, str) else v for v in values]
    return values


def publish_table(
    dataset: Dataset,
    title: str,
    table: pa.Table | None = None,
    *,
    rows: Iterable | None = None,
    schema: Sequence[tuple[str, str]] | None = None,
    description: str = "",
    confirm_columns: Sequence[str] = (),
    drop_columns: Sequence[str] = (),
    user=None,
) -> Publication:
    """Publish a new resource `title` of `dataset` from a table. Columns that look like
    personal data must be listed in `confirm_columns` (public by nature) or
    `drop_columns`, as a publisher would decide on the review page; otherwise
    ServiceError, with the version left in review for a person to decide."""
    data = to_arrow(table, rows, schema)
    with transaction.atomic():
        resource = Resource.objects.create(dataset=dataset, title=title, description=description)
    try:
        version = _publish(resource, data, confirm_columns, drop_columns, user)
    except ServiceError as error:
        if not error.blockers:  # nothing for a person to decide: leave nothing behind
            resource.delete()
        raise
    return Publication(resource, version)


def append_rows(
    table_name: str,
    table: pa.Table | None = None,
    *,
    rows: Iterable | None = None,
    schema: Sequence[tuple[str, str]] | None = None,
    user=None,
) -> Publication:
    """Publish a new version of a published table: its current rows then the new ones. The
    new rows have the published columns (names; values cast to their types)."""
    resource = _published_resource(table_name)
    current = resource.current_version
    published = pq.read_schema(storage.published_parquet(current))
    if schema is None and table is None:
        schema = [(f["name"], f["type"]) for f in current.published_columns]
    data = to_arrow(table, rows, schema)
    missing = [n for n in published.names if n not in data.column_names]
    extra = [n for n in data.column_names if n not in published.names]
    if missing or extra:
        raise ServiceError(
            f"Les lignes doivent avoir les colonnes de la table {table_name} : "
            f"{published.names}"
            + (f" ; manquantes : {missing}" if missing else "")
            + (f" ; inconnues : {extra}" if extra else "")
            + "."
        )
    data = data.select(published.names)
    try:
        data = data.cast(published)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as error:
        raise ServiceError(f"Types incompatibles avec la table {table_name} : {error}") from None
    with tempfile.TemporaryDirectory(dir=_tmp_dir()) as folder:
        added = Path(folder) / "added.parquet"
        pq.write_table(data, added)
        whole = Path(folder) / "whole.parquet"
        con = new_connection()
        try:
            con.execute(
                f"COPY (SELECT * FROM read_parquet({sql_literal(str(storage.published_parquet(current)))})"
                f" UNION ALL BY NAME SELECT * FROM read_parquet({sql_literal(str(added))})) "
                f"TO {sql_literal(str(whole))} (FORMAT parquet)"
            )
        except duckdb.Error as error:
            raise ServiceError(f"Ajout impossible : {str(error).splitlines()[0]}") from None
        finally:
            con.close()
        # The columns were already reviewed at the first publication: they stay confirmed.
        confirmed = [f["column"] for f in current.personal_data]
        version = _publish_file(resource, whole, confirmed, (), user)
    return Publication(resource, version)


def query(table_name: str, params: Mapping[str, str | Sequence[str]] | None = None) -> Result:
    """Rows of a published table, with the API's parameters (`col__op=value`, `_sort`,
    `_size`, `_offset`, `version`): what any reader may see, nothing else."""
    resource = _published_resource(table_name)
    result, _ = querying.rows(resource, _query_dict(params or {}))
    return result


def aggregate(table_name: str, params: Mapping[str, str | Sequence[str]]) -> Result:
    """Aggregation of a published table (`_group_by`, `_agg`, filters), as the API does."""
    resource = _published_resource(table_name)
    result, _ = querying.aggregate(resource, _query_dict(params))
    return result


def sql(statement: str) -> Result:
    """Read-only SQL over the published tables, with the public endpoint's limits."""
    return querying.sql(statement)


def _published_resource(table_name: str) -> Resource:
    resource = (
        visibility.visible_resources(Resource.objects.select_related("current_version"), None)
        .filter(table_name=table_name)
        .first()
    )
    if resource is None:
        raise ServiceError(f"Table publiée inconnue : « {table_name} ».")
    return resource


def _query_dict(params: Mapping) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in params.items():
        query.setlist(
            key, [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
        )
    return query


def _tmp_dir() -> Path:
    from django.conf import settings

    path = settings.OPENDATA_DIR / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _publish(resource, data: pa.Table, confirm_columns, drop_columns, user) -> ResourceVersion:
    with tempfile.TemporaryDirectory(dir=_tmp_dir()) as folder:
        path = Path(folder) / "table.parquet"
        pq.write_table(data, path)
        return _publish_file(resource, path, confirm_columns, drop_columns, user)


def _publish_file(resource, path: Path, confirm_columns, drop_columns, user) -> ResourceVersion:
    try:
        version = publishing.receive_file(resource, path, path.name, user, analyse=False)
    except IngestError as error:
        raise ServiceError(str(error)) from None
    publishing.analyse(version)
    version.refresh_from_db()
    if version.status != VersionStatus.REVIEW:
        raise ServiceError(version.error or "L'analyse de la table a échoué.")
    blockers = publishing.request_publication(
        version, list(drop_columns), list(confirm_columns), user
    )
    if blockers:
        raise ServiceError(" ".join(blockers), blockers)
    version.refresh_from_db()
    return version


__all__ = [
    "Publication",
    "QueryError",
    "ServiceError",
    "aggregate",
    "append_rows",
    "publish_table",
    "query",
    "sql",
    "to_arrow",
]

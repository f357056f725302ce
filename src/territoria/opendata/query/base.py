"""The query layer: one interface, an embedded DuckDB implementation, room for a cluster engine.

Views and the API speak only to `QueryEngine`; `get_engine()` returns the implementation
named by `settings.OPENDATA_QUERY_ENGINE`. A Trino or Spark engine over object storage
implements the same methods (see docs/adr-opendata-scale-out.md).
"""

import datetime
import decimal
import math
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

FILTER_OPERATORS = {
    "exact": "égal à",
    "not": "différent de",
    "contains": "contient",
    "startswith": "commence par",
    "gt": "supérieur à",
    "gte": "supérieur ou égal à",
    "lt": "inférieur à",
    "lte": "inférieur ou égal à",
    "in": "parmi (liste séparée par des virgules)",
    "isnull": "est vide (1) ou non (0)",
}
AGGREGATES = {
    "count": "nombre",
    "sum": "somme",
    "avg": "moyenne",
    "min": "minimum",
    "max": "maximum",
    "count_distinct": "nombre de valeurs distinctes",
}


class QueryError(Exception):
    """A query the engine refuses or could not finish; the message is for the user (French)."""

    def __init__(self, message: str, kind: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.kind = kind  # invalid | forbidden | timeout | memory | busy


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Table Schema type: string, integer, number, date, datetime, boolean, …


@dataclass(frozen=True)
class Table:
    """A published table: its SQL name, its Parquet file and its columns.

    `query_copy`: the same rows in an engine-native file, when the engine made one at
    publication (faster to scan than Parquet); the Parquet file stays the reference.
    """

    name: str
    location: str
    columns: tuple[Column, ...]
    row_count: int | None = None
    query_copy: str | None = None

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise QueryError(
            f"Colonne inconnue : « {name} ». Colonnes disponibles : "
            f"{', '.join(c.name for c in self.columns)}."
        )


@dataclass(frozen=True)
class Filter:
    column: str
    op: str
    value: object


@dataclass(frozen=True)
class Sort:
    column: str
    descending: bool = False


@dataclass(frozen=True)
class Aggregate:
    function: str
    column: str | None = None

    @property
    def label(self) -> str:
        return self.function if self.column is None else f"{self.function}_{self.column}"


@dataclass
class Result:
    columns: list[str]
    rows: list[list]
    total: int | None = None
    truncated: bool = False
    elapsed_ms: float = 0.0
    cpu_ms: float | None = None  # CPU of this process spent on the query (frugality figure)
    cached: bool = False  # served (at least partly) from the result cache
    notice: str = ""  # why the result was cut (rows or size limit), for the reader

    def records(self) -> list[dict]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


class QueryEngine(ABC):
    """What the portal needs from an engine. Every method raises QueryError on bad input."""

    def prepare(self, parquet: Path, copy: Path) -> None:
        """Called when a version is published: the engine may write a faster copy of the
        Parquet file at `copy` (then given back as `Table.query_copy`). Default: nothing."""

    @abstractmethod
    def page(
        self,
        table: Table,
        filters: list[Filter],
        sort: list[Sort],
        limit: int,
        offset: int = 0,
        count: bool = True,
    ) -> Result: ...

    @abstractmethod
    def aggregate(
        self,
        table: Table,
        filters: list[Filter],
        group_by: list[str],
        aggregates: list[Aggregate],
        limit: int = 1000,
        order: str = "-value",
    ) -> Result:
        """`order`: "-value"/"value" (the first aggregate), "group"/"-group" (the keys)."""

    @abstractmethod
    def sql(self, tables: list[Table], query: str, max_rows: int) -> Result: ...

    @abstractmethod
    def export(
        self,
        table: Table,
        filters: list[Filter],
        sort: list[Sort],
        fmt: str,
        spreadsheet: bool = False,
    ) -> Iterator[bytes]:
        """The filtered rows as CSV or JSON bytes, streamed batch by batch; `spreadsheet`:
        the CSV for French spreadsheets (UTF-8 with BOM, `;`, decimal comma)."""


@lru_cache(maxsize=1)
def _engine_class():
    return import_string(settings.OPENDATA_QUERY_ENGINE)


def get_engine() -> QueryEngine:
    return _engine_class()()


def json_safe(value):
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if hasattr(value, "hex") and type(value).__name__ == "UUID":
        return str(value)
    return value

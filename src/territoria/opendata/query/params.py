"""Parsing of the query-string filters, sort and aggregations (Datasette-like syntax):
`?commune__exact=Lyon&montant__gt=1000&_sort=-montant&_size=50&_group_by=commune&_agg=sum:montant`.
Values are converted to the column's type here, so that a bad value is reported by name."""

import datetime

from territoria.opendata.query.base import (
    AGGREGATES,
    FILTER_OPERATORS,
    Aggregate,
    Filter,
    QueryError,
    Sort,
    Table,
)

RESERVED = {
    "_sort",
    "_size",
    "_offset",
    "_count",
    "_group_by",
    "_agg",
    "format",
    "version",
    "_format",
    "page",
    "sql",
    "_limit",
    "tableur",
}


def _convert(column_type: str, raw: str, label: str):
    raw = raw.strip()
    try:
        if column_type == "integer":
            return int(raw)
        if column_type == "number":
            return float(raw.replace(",", "."))
        if column_type == "date":
            return datetime.date.fromisoformat(raw)
        if column_type == "datetime":
            return datetime.datetime.fromisoformat(raw)
        if column_type == "boolean":
            lowered = raw.lower()
            if lowered in {"1", "true", "vrai", "oui"}:
                return True
            if lowered in {"0", "false", "faux", "non"}:
                return False
            raise ValueError
    except ValueError:
        expected = {
            "integer": "un nombre entier",
            "number": "un nombre",
            "date": "une date AAAA-MM-JJ",
            "datetime": "une date et heure ISO 8601",
            "boolean": "vrai ou faux",
        }[column_type]
        raise QueryError(f"Filtre {label} : « {raw} » n'est pas {expected}.") from None
    return raw


def parse_filters(table: Table, params) -> list[Filter]:
    filters = []
    for key in params:
        if key in RESERVED or key.startswith("_") or key == "csrfmiddlewaretoken":
            continue
        name, _, op = key.rpartition("__")
        if not name:
            name, op = key, "exact"
        if op not in FILTER_OPERATORS:
            name, op = key, "exact"
        column = table.column(name)
        for raw in params.getlist(key):
            if op == "isnull":
                value = raw.strip().lower() in {"1", "true", "vrai", "oui"}
            elif op == "in":
                value = [
                    _convert(column.type, part, key) for part in raw.split(",") if part.strip()
                ]
                if not value:
                    raise QueryError(f"Filtre {key} : liste de valeurs vide.")
            elif op in ("contains", "startswith"):
                value = raw
            else:
                value = _convert(column.type, raw, key)
            filters.append(Filter(column.name, op, value))
    return filters


def parse_sort(table: Table, params) -> list[Sort]:
    sorts = []
    for raw in params.getlist("_sort"):
        for part in raw.split(","):
            part = part.strip()
            if not part:
                continue
            descending = part.startswith("-")
            sorts.append(Sort(table.column(part.lstrip("-")).name, descending))
    return sorts


def parse_int(params, name: str, default: int, maximum: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise QueryError(f"Paramètre {name} : « {raw} » n'est pas un nombre entier.") from None
    if value < 0:
        raise QueryError(f"Paramètre {name} : doit être positif.")
    return min(value, maximum)


def parse_aggregation(table: Table, params) -> tuple[list[str], list[Aggregate]]:
    group_by = []
    for raw in params.getlist("_group_by"):
        group_by += [table.column(part.strip()).name for part in raw.split(",") if part.strip()]
    aggregates = []
    for raw in params.getlist("_agg"):
        for part in raw.split(","):
            part = part.strip()
            if not part:
                continue
            function, _, column = part.partition(":")
            if function not in AGGREGATES:
                raise QueryError(
                    f"Agrégat inconnu : « {function} ». Agrégats possibles : "
                    f"{', '.join(AGGREGATES)}."
                )
            if function == "count" and not column:
                aggregates.append(Aggregate("count"))
                continue
            if not column:
                raise QueryError(
                    f"Agrégat {function} : indiquez la colonne, ex. {function}:montant."
                )
            col = table.column(column)
            if function in ("sum", "avg") and col.type not in ("integer", "number"):
                raise QueryError(
                    f"Agrégat {function} : la colonne « {col.name} » n'est pas numérique."
                )
            aggregates.append(Aggregate(function, col.name))
    if not aggregates:
        aggregates = [Aggregate("count")]
    return group_by, aggregates

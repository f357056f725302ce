"""The query routes' shared steps (API and pages): resolve the table, parse the parameters,
run the engine, count the usage."""

from django.conf import settings

from territoria.opendata import labels
from territoria.opendata.models import DatasetUsage, Resource, UsageKind
from territoria.opendata.query import params as qp
from territoria.opendata.query.base import QueryError, Result, get_engine
from territoria.opendata.query.tables import published_tables, resolve_version, table_for

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 50


def table_of(resource: Resource, params):
    version = resolve_version(resource, params.get("version"))
    return version, table_for(version)


def rows(resource: Resource, params) -> tuple[Result, dict]:
    version, table = table_of(resource, params)
    filters = qp.parse_filters(table, params)
    sort = qp.parse_sort(table, params)
    size = qp.parse_int(params, "_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    offset = qp.parse_int(params, "_offset", 0, 10**12)
    count = params.get("_count", "1") not in ("0", "false")
    result = get_engine().page(table, filters, sort, size, offset, count=count)
    DatasetUsage.record(resource.dataset_id, UsageKind.QUERY)
    return result, {
        "version": version.number,
        "limit": size,
        "offset": offset,
        "columns": [{"name": c.name, "type": c.type} for c in table.columns],
    }


# `_agg_sort`: the order of the groups (the first aggregate's value, or the group's own).
AGGREGATE_ORDERS = {
    "-value": "valeur décroissante",
    "value": "valeur croissante",
    "group": "groupe, de A à Z",
    "-group": "groupe, de Z à A",
}


def aggregate(resource: Resource, params) -> tuple[Result, dict]:
    version, table = table_of(resource, params)
    filters = qp.parse_filters(table, params)
    group_by, aggregates = qp.parse_aggregation(table, params)
    limit = qp.parse_int(params, "_size", 1000, 10000)
    order = params.get("_agg_sort") or "-value"
    if order not in AGGREGATE_ORDERS:
        raise QueryError(
            f"Ordre des groupes « {order} » inconnu : "
            + ", ".join(f"{k} ({v})" for k, v in AGGREGATE_ORDERS.items())
            + "."
        )
    result = get_engine().aggregate(table, filters, group_by, aggregates, limit, order=order)
    DatasetUsage.record(resource.dataset_id, UsageKind.QUERY)
    return result, {
        "version": version.number,
        "group_by": group_by,
        "order": order,
        "aggregates": [a.label for a in aggregates],
        "aggregate_titles": [labels.aggregate_label(a.function, a.column) for a in aggregates],
    }


def sql(query: str) -> Result:
    from territoria.opendata.query.duckdb_engine import referenced_tables
    from territoria.opendata.query.sql_guard import check_read_only

    check_read_only(query)
    names = referenced_tables(query)
    tables = published_tables(names)  # every published table when the names are unknown
    known = {t.name for t in tables}
    unknown = sorted(n for n in names or () if n not in known and "." not in n)
    if unknown:
        raise QueryError(
            f"Table inconnue : {', '.join(unknown)}. Les tables sont les noms SQL "
            "des ressources publiées (voir la page de chaque ressource)."
        )
    result = get_engine().sql(tables, query, settings.OPENDATA_SQL_MAX_ROWS)
    for dataset_id in Resource.objects.filter(table_name__in=known).values_list(
        "dataset_id", flat=True
    ):
        DatasetUsage.record(dataset_id, UsageKind.QUERY)
    return result

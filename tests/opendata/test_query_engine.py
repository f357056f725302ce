"""The DuckDB engine: filters, sorting, aggregation, and the SQL sandbox."""

import pytest
from django.http import QueryDict

from territoria.opendata import querying
from territoria.opendata.query.base import QueryError, get_engine
from territoria.opendata.query.tables import table_for


def q(text: str) -> QueryDict:
    return QueryDict(text)


def test_rows_filter_sort_paginate(subsidies):
    result, _meta = querying.rows(
        subsidies,
        q(
            "Montant (€)__gt=10000&_sort=-Montant (€)&_size=5".replace(" ", "%20").replace(
                "€", "%E2%82%AC"
            )
        ),
    )
    amounts = [r["Montant (€)"] for r in result.records()]
    assert amounts == sorted(amounts, reverse=True) and all(a > 10000 for a in amounts)
    assert len(amounts) == 5 and result.total >= 5


def test_rows_bad_value_names_filter_and_expected_type(subsidies):
    with pytest.raises(QueryError, match="n'est pas un nombre"):
        querying.rows(subsidies, q("Montant%20(%E2%82%AC)__gt=beaucoup"))


def test_rows_unknown_column_lists_columns(subsidies):
    with pytest.raises(QueryError, match="Colonne inconnue"):
        querying.rows(subsidies, q("inexistante=1"))


def test_query_copy_and_parquet_give_the_same_answers(subsidies):
    import dataclasses

    from territoria.opendata.query.base import Aggregate, Filter, Sort

    table = table_for(subsidies.current_version)
    assert table.query_copy is not None
    parquet_only = dataclasses.replace(table, query_copy=None)
    engine = get_engine()
    amount = "Montant (€)"
    answers = []
    for t in (table, parquet_only):
        page = engine.page(
            t, [Filter(amount, "gt", 1000)], [Sort(amount, descending=True)], 7, offset=3
        )
        agg = engine.aggregate(
            t, [], ["Bénéficiaire"], [Aggregate("count"), Aggregate("sum", amount)]
        )
        answers.append((page.columns, page.rows, page.total, sorted(agg.rows)))
    assert answers[0] == answers[1]
    assert answers[0][2] > 7


def test_aggregate_group_by_sum(subsidies):
    result, meta = querying.aggregate(
        subsidies, q("_group_by=B%C3%A9n%C3%A9ficiaire&_agg=sum:Montant%20(%E2%82%AC),count")
    )
    assert meta["group_by"] == ["Bénéficiaire"]
    assert sum(r["count"] for r in result.records()) == 48


def test_sql_select_over_published_table(subsidies):
    result = querying.sql(f"SELECT count(*) AS n FROM {subsidies.table_name}")
    assert result.rows == [[48]]


def test_sql_cannot_see_dropped_personal_columns(subsidies):
    with pytest.raises(QueryError):
        querying.sql(f'SELECT "Courriel" FROM {subsidies.table_name}')


@pytest.mark.parametrize(
    "query, expected",
    [
        ("COPY (SELECT 1) TO '/tmp/x.csv'", "COPY"),
        ("ATTACH '/tmp/x.db'", "ATTACH"),
        ("SELECT * FROM read_csv('/etc/passwd')", "Refusé"),
        ("SELECT * FROM read_parquet('/etc/passwd')", "Refusé"),
        ("INSTALL httpfs", "extension"),
        ("LOAD httpfs", "extension"),
        ("PRAGMA version", "PRAGMA"),
        ("CREATE TABLE t AS SELECT 1", "CREATE"),
        ("SET threads = 64", "SET"),
        ("SELECT 1; SELECT 2", "Une seule requête"),
        ("DROP TABLE x", "DROP"),
        ("", "vide"),
    ],
)
def test_sql_escape_attempts_are_refused_with_a_clear_message(subsidies, query, expected):
    with pytest.raises(QueryError, match=expected) as error:
        querying.sql(query)
    assert error.value.kind in ("forbidden", "invalid")


@pytest.mark.parametrize(
    "query",
    [
        "SELECT current_setting('allowed_paths')",
        "SELECT sql FROM duckdb_views()",
        "SELECT * FROM duckdb_settings()",
        "SELECT getenv('HOME')",
        "SELECT (SELECT CURRENT_SETTING('allowed_paths')) AS x FROM range(1)",
        "SELECT * FROM pragma_database_list()",
    ],
)
def test_sql_server_configuration_and_paths_are_not_readable(subsidies, query):
    """Issue 11 L8: the sandbox's settings and views hold the server's absolute paths."""
    with pytest.raises(QueryError, match="configuration du serveur") as error:
        querying.sql(query)
    assert error.value.kind == "forbidden"
    assert "/" not in str(error.value)


def test_sql_infinite_recursive_query_is_interrupted(subsidies, settings):
    settings.OPENDATA_QUERY_TIMEOUT_S = 1
    with pytest.raises(QueryError, match="limite") as error:
        querying.sql(
            "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT count(*) FROM t"
        )
    assert error.value.kind in ("timeout", "memory")


def test_sql_result_is_capped(subsidies, settings):
    settings.OPENDATA_SQL_MAX_ROWS = 10
    result = querying.sql("SELECT * FROM range(100)")
    assert len(result.rows) == 10 and result.truncated


def test_export_csv_streams_filtered_rows(subsidies):
    table = table_for(subsidies.current_version)
    body = b"".join(get_engine().export(table, [], [], "csv")).decode()
    assert body.splitlines()[0].startswith('"Bénéficiaire"')
    assert len(body.strip().splitlines()) == 49


def test_sql_join_using_and_cte_work(subsidies):
    name = subsidies.table_name
    result = querying.sql(
        f'WITH a AS (SELECT "SIRET" FROM {name}) SELECT count(*) FROM a JOIN {name} USING ("SIRET")'
    )
    assert result.rows[0][0] >= 48


def test_sql_unknown_table_is_named(subsidies):
    with pytest.raises(QueryError, match="Table inconnue : nulle_part"):
        querying.sql("SELECT * FROM nulle_part")


def test_rows_same_query_twice_is_served_from_result_cache(subsidies):
    params = "Objet%20de%20la%20subvention=Projet%20jeunesse&_sort=-SIRET"
    first, _ = querying.rows(subsidies, q(params))
    second, _ = querying.rows(subsidies, q(params))
    assert not first.cached and second.cached
    assert second.rows == first.rows and second.total == first.total

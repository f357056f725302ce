"""The public service API other modules use (issue 10): publish a table, append rows, query."""

import datetime

import pyarrow as pa
import pytest

from territoria.opendata import service
from territoria.opendata.models import Resource, VersionStatus

SCHEMA = [("compteur", "string"), ("jour", "date"), ("m3", "number"), ("fuite", "boolean")]
ROWS = [
    {"compteur": "C-01", "jour": "2026-01-01", "m3": 12.5, "fuite": False},
    {"compteur": "C-02", "jour": "2026-01-01", "m3": 40.0, "fuite": True},
]


def test_publish_rows_with_a_schema_then_query_them(dataset):
    published = service.publish_table(dataset, "Relevés journaliers", rows=ROWS, schema=SCHEMA)
    assert published.published and published.version.row_count == 2
    assert [f["type"] for f in published.version.published_columns] == [
        "string",
        "date",
        "number",
        "boolean",
    ]
    result = service.query(published.table_name, {"m3__gt": "20"})
    assert result.records() == [
        {"compteur": "C-02", "jour": "2026-01-01", "m3": 40.0, "fuite": True}
    ]
    totals = service.aggregate(published.table_name, {"_agg": "sum:m3"})
    assert totals.rows == [[52.5]]
    assert service.sql(f"SELECT count(*) FROM {published.table_name}").rows == [[2]]


def test_publish_an_arrow_table_and_append_rows_as_a_new_version(dataset):
    table = pa.table({"jour": pa.array([datetime.date(2026, 1, 1)]), "vehicules": pa.array([1200])})
    first = service.publish_table(dataset, "Comptages", table)
    second = service.append_rows(first.table_name, rows=[{"jour": "2026-01-02", "vehicules": 1350}])
    assert second.resource.pk == first.resource.pk
    assert second.version.number == 2 and second.version.row_count == 2
    assert second.version.diff["rows_delta"] == 1
    rows = service.query(first.table_name, {"_sort": "jour"}).rows
    assert rows == [["2026-01-01", 1200], ["2026-01-02", 1350]]
    assert service.query(first.table_name, {"version": "1"}).total == 1  # v1 stays readable


def test_append_rows_refuses_other_columns_in_french(dataset):
    first = service.publish_table(dataset, "Relevés", rows=ROWS, schema=SCHEMA)
    with pytest.raises(service.ServiceError, match="manquantes : \\['fuite'\\]"):
        service.append_rows(
            first.table_name,
            rows=[{"compteur": "C-03", "jour": "2026-01-02", "m3": 1.0}],
            schema=SCHEMA[:3],
        )
    with pytest.raises(service.ServiceError, match="n'est pas du type number"):
        service.append_rows(
            first.table_name,
            rows=[{"compteur": "C-03", "jour": "2026-01-02", "m3": "beaucoup", "fuite": False}],
        )
    assert Resource.objects.get(pk=first.resource.pk).versions.count() == 1


def test_personal_data_must_be_decided_by_the_caller(dataset):
    rows = [{"nom": "Marie Dupont", "courriel": "marie.dupont@example.org", "m3": 3.0}]
    schema = [("nom", "string"), ("courriel", "string"), ("m3", "number")]
    with pytest.raises(service.ServiceError) as refused:
        service.publish_table(dataset, "Abonnés", rows=rows, schema=schema)
    assert any("courriel" in b for b in refused.value.blockers)
    waiting = Resource.objects.get(title="Abonnés").versions.get()
    assert waiting.status == VersionStatus.REVIEW  # left for a person to decide
    published = service.publish_table(
        dataset,
        "Abonnés anonymisés",
        rows=rows,
        schema=schema,
        drop_columns=["nom", "courriel"],
    )
    assert service.query(published.table_name).columns == ["m3"]


def test_bad_input_is_refused_before_anything_is_written(dataset):
    with pytest.raises(service.ServiceError, match="type « texte » inconnu"):
        service.publish_table(dataset, "X", rows=[], schema=[("a", "texte")])
    with pytest.raises(service.ServiceError, match="Ligne 1 : 1 valeurs pour 2 colonnes"):
        service.publish_table(
            dataset, "X", rows=[["a"]], schema=[("a", "string"), ("b", "integer")]
        )
    with pytest.raises(service.ServiceError, match="aucune ligne"):
        service.publish_table(dataset, "Vide", rows=[], schema=[("a", "string")])
    assert not Resource.objects.exists()


def test_query_sees_only_published_tables(dataset):
    with pytest.raises(service.ServiceError, match="Table publiée inconnue"):
        service.query("nulle_part")

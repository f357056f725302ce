"""Exports for people: the CSV that French spreadsheets open as is (`?tableur=1`), and the
results of an SQL query as a file."""

import csv
import io

import pyarrow as pa
from django.urls import reverse

from territoria.opendata.query.duckdb_engine import _decimal_commas


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def test_spreadsheet_csv_has_bom_semicolons_and_decimal_commas(client, subsidies):
    url = reverse("opendata:api-table-download", args=[subsidies.table_name, "csv"])
    response = client.get(url, {"tableur": "1", "_sort": "-Montant (€)"})
    assert response.status_code == 200
    assert "tableur" in response["Content-Disposition"]
    body = _body(response)
    assert body.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 48 and "Bénéficiaire" in rows[0]
    amounts = [r["Montant (€)"] for r in rows]
    assert all("." not in a for a in amounts)
    assert float(amounts[0].replace(",", ".")) >= float(amounts[-1].replace(",", "."))
    # The anchor's comma CSV is unchanged for its existing consumers.
    plain = _body(client.get(url))
    assert not plain.startswith("\ufeff".encode()) and b";" not in plain.splitlines()[0]


def test_spreadsheet_csv_writes_decimals_with_a_comma():
    table = pa.table({"x": [1.5, 2.25, None], "n": [1, 2, 3], "t": ["a.b", "c", "d"]})
    converted = _decimal_commas(table)
    assert converted.column("x").to_pylist() == ["1,5", "2,25", None]
    assert converted.column("n").to_pylist() == [1, 2, 3]  # integers and text untouched
    assert converted.column("t").to_pylist() == ["a.b", "c", "d"]


def test_resource_page_offers_both_csv(client, subsidies):
    html = client.get(subsidies.get_absolute_url()).content.decode()
    assert "tableur=1" in html and "Tableur" in html


def test_sql_result_downloads_as_csv_and_for_spreadsheets(client, subsidies, settings):
    query = f'SELECT "Bénéficiaire", "Montant (€)" FROM {subsidies.table_name} ORDER BY 2 DESC'
    console = client.get(reverse("opendata:sql"), {"sql": query}).content.decode()
    assert "resultat.csv?sql=" in console and "tableur=1" in console
    plain = client.get(reverse("opendata:sql-export"), {"sql": query})
    assert plain.status_code == 200 and plain["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(plain.content.decode())))
    assert rows[0] == ["Bénéficiaire", "Montant (€)"] and len(rows) == 49
    sheet = client.get(reverse("opendata:sql-export"), {"sql": query, "tableur": "1"})
    body = sheet.content.decode("utf-8-sig")
    assert sheet.content.startswith("\ufeff".encode()) and "tableur" in sheet["Content-Disposition"]
    cells = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert len(cells) == 49 and all("." not in r[1] for r in cells[1:])


def test_sql_export_neutralises_formulas_and_says_when_cut(client, db, settings):
    settings.OPENDATA_SQL_MAX_ROWS = 10
    response = client.get(
        reverse("opendata:sql-export"),
        {"sql": "SELECT '=HYPERLINK(\"http://x\")' AS f, i FROM range(20) t(i)"},
    )
    assert response.status_code == 200 and "tronque" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows) == 11 and rows[1][0].startswith("'=")


def test_sql_export_refusal_is_plain_french(client, db):
    response = client.get(reverse("opendata:sql-export"), {"sql": "DROP TABLE x"})
    assert response.status_code in (400, 403)
    assert "lecture seule" in response.content.decode()


def test_console_says_when_its_table_shows_part_of_the_result(client, db, settings):
    settings.OPENDATA_SQL_MAX_ROWS = 5000
    html = client.get(reverse("opendata:sql"), {"sql": "SELECT * FROM range(800)"})
    text = html.content.decode()
    assert "Le tableau montre les 500 premières lignes sur 800" in text

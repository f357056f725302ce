"""Conversion of uploaded files to Parquet: detection, types, and bad input."""

import json

import duckdb
import pytest
from openpyxl import Workbook

from territoria.opendata.ingest.conversion import convert
from territoria.opendata.ingest.errors import IngestError

from .conftest import SUBSIDIES


def run(tmp_path, content: bytes, fmt="csv", name="in"):
    source = tmp_path / f"{name}.{fmt}"
    source.write_bytes(content)
    target = tmp_path / "out.parquet"
    return convert(source, fmt, target, tmp_path), target


def rows(target):
    return duckdb.sql(f"SELECT * FROM read_parquet('{target}')").fetchall()


def test_convert_windows1252_semicolon_decimal_comma_file_detects_everything(tmp_path):
    conversion, target = run(tmp_path, SUBSIDIES.read_bytes())
    assert conversion.detection["encoding"] == "Windows-1252"
    assert conversion.detection["delimiter"] == ";"
    types = {f["name"]: f["type"] for f in conversion.fields}
    assert types["Montant (€)"] == "number"
    assert types["Date de la délibération"] == "date"
    assert types["SIRET"] == "string" and types["Code INSEE"] == "string"
    assert conversion.row_count == 48
    first = rows(target)[0]
    assert first[0] == "Association sportive de Villeurbanne"


def test_convert_keeps_leading_zeros_of_codes(tmp_path):
    _conversion, target = run(tmp_path, b"code_commune,population\n01001,780\n75056,2100000\n")
    assert rows(target)[0] == ("01001", 780)


def test_convert_thousands_space_decimal_comma(tmp_path):
    _, target = run(tmp_path, "libellé;montant\nA;1 234,50\nB;12,75\n".encode())
    assert [r[1] for r in rows(target)] == [1234.5, 12.75]


def test_convert_late_value_contradicting_sniffed_type_keeps_column_as_text(tmp_path):
    body = "id,valeur\n" + "".join(f"{i},{i}\n" for i in range(30000)) + "30000,N/A\n"
    conversion, _target = run(tmp_path, body.encode())
    assert {f["name"]: f["type"] for f in conversion.fields}["valeur"] == "string"
    assert "valeur" in conversion.detection["kept_as_text"]
    assert conversion.row_count == 30001


def test_convert_ragged_row_names_the_line(tmp_path):
    with pytest.raises(IngestError, match=r"Ligne 3 : 3 valeurs au lieu des 2 colonnes"):
        run(tmp_path, b"a;b\n1;2\n3;4;5\n6;7\n")
    assert not (tmp_path / "out.parquet").exists()


def test_convert_unclosed_quote_is_reported(tmp_path):
    with pytest.raises(IngestError, match="guillemet"):
        run(tmp_path, b'a,b\n1,"2\n3,4\n5,6\n')


def test_convert_mixed_encodings_names_the_line(tmp_path):
    content = "nom;ville\nÉcole;Lyon\n".encode() + "Crèche;Nîmes\n".encode("cp1252")
    with pytest.raises(IngestError, match=r"Ligne 3 : encodages mélangés"):
        run(tmp_path, content)


def test_convert_empty_file(tmp_path):
    with pytest.raises(IngestError, match="vide"):
        run(tmp_path, b"")


def test_convert_header_only(tmp_path):
    with pytest.raises(IngestError, match="aucune ligne"):
        run(tmp_path, b"a;b;c\n")


def test_convert_duplicate_header_names_the_column(tmp_path):
    with pytest.raises(IngestError, match="« montant » apparaît deux fois"):
        run(tmp_path, b"montant;montant\n1;2\n")


def test_convert_xlsx_first_sheet(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["commune", "date", "montant"])
    import datetime

    sheet.append(["Lyon", datetime.date(2024, 1, 31), 12.5])
    sheet.append(["Nîmes", datetime.date(2024, 2, 29), 3])
    path = tmp_path / "in.xlsx"
    workbook.save(path)
    conversion = convert(path, "xlsx", tmp_path / "out.parquet", tmp_path)
    types = {f["name"]: f["type"] for f in conversion.fields}
    assert types == {"commune": "string", "date": "date", "montant": "number"}


def test_convert_json_records(tmp_path):
    conversion, target = run(
        tmp_path, json.dumps([{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]).encode(), "json"
    )
    assert conversion.row_count == 2 and rows(target) == [(1, "x"), (2, "y")]


def test_convert_geojson_adds_centre_and_geometry(tmp_path):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"nom": "Mairie"},
                "geometry": {"type": "Point", "coordinates": [4.83, 45.76]},
            },
            {
                "type": "Feature",
                "properties": {"nom": "Parc"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[4.0, 45.0], [5.0, 45.0], [5.0, 46.0], [4.0, 45.0]]],
                },
            },
        ],
    }
    conversion, target = run(tmp_path, json.dumps(doc).encode(), "geojson")
    names = [f["name"] for f in conversion.fields]
    assert {"nom", "longitude", "latitude", "geometry"} <= set(names)
    data = duckdb.sql(f"SELECT nom, longitude, latitude FROM read_parquet('{target}')").fetchall()
    assert data == [("Mairie", 4.83, 45.76), ("Parc", 4.5, 45.5)]


def test_convert_geojson_not_a_feature_collection(tmp_path):
    with pytest.raises(IngestError, match="FeatureCollection"):
        run(tmp_path, b'{"type": "Point", "coordinates": [1, 2]}', "geojson")


def test_convert_parquet_round_trip(tmp_path):
    source = tmp_path / "src.parquet"
    duckdb.sql(f"COPY (SELECT 1 AS a, 'x' AS b) TO '{source}'")
    conversion = convert(source, "parquet", tmp_path / "out.parquet", tmp_path)
    assert conversion.row_count == 1


def test_convert_broken_json(tmp_path):
    with pytest.raises(IngestError, match="JSON illisible"):
        run(tmp_path, b'[{"a": 1}, {"a": ', "json")


def test_convert_windows1252_bytes_far_from_the_head_are_found(tmp_path):
    body = b"nom;ville\n" + b"Ecole;Lyon\n" * 500_000 + "Crèche;Nîmes\n".encode("cp1252")
    conversion, target = run(tmp_path, body)
    assert conversion.detection["encoding"] == "Windows-1252"
    assert rows(target)[-1] == ("Crèche", "Nîmes")


def test_convert_mixed_encodings_far_from_the_head_names_the_line(tmp_path):
    body = (
        "nom;ville\nÉcole;Lyon\n".encode()
        + b"Ecole;Lyon\n" * 500_000
        + "Crèche;Nîmes\n".encode("cp1252")
    )
    with pytest.raises(IngestError, match=r"Ligne 500003 : encodages mélangés"):
        run(tmp_path, body)

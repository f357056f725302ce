"""Uploads cannot exhaust memory or disk (finding M6, open-data side): XLSX expansion and
row limits, GeoJSON streamed, oversized request bodies refused early, refused files removed."""

import io
import json
import time
import tracemalloc
import zipfile

from django.test import Client
from openpyxl import Workbook

from territoria.opendata import publishing, storage
from territoria.opendata.ingest.conversion import _geojson_to_ndjson
from territoria.opendata.models import VersionStatus

from .conftest import new_resource, upload

MB = 1024 * 1024


def _small_xlsx(rows: int) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Données")
    sheet.append(["commune", "valeur"])
    for n in range(rows):
        sheet.append([f"Commune {n}", n])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _bomb_xlsx(rows: int) -> bytes:
    """A valid workbook whose one sheet holds `rows` rows: ~1 MB zipped for a million rows."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="rels" ContentType="application'
            '/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http'
            '://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxml'
            'formats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"'
            "/></sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http'
            '://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                b'<row r="1"><c r="A1" t="inlineStr"><is><t>n</t></is></c></row>'
            )
            row = b"<row><c><v>1</v></c></row>"
            for _ in range(rows // 1000):
                sheet.write(row * 1000)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def _files_of(version) -> list:
    return [p for p in storage.version_dir(version).rglob("*") if p.is_file()]


def test_xlsx_of_a_million_rows_is_refused_quickly_and_leaves_nothing(dataset):
    content = _bomb_xlsx(1_000_000)
    assert len(content) < 2 * MB
    started = time.perf_counter()
    version = publishing.receive_file(
        new_resource(dataset), upload("bombe.xlsx", content), "b.xlsx"
    )
    elapsed = time.perf_counter() - started
    assert version.status == VersionStatus.FAILED
    assert "dépasse 200000 lignes" in version.error and "CSV" in version.error
    assert _files_of(version) == []
    assert elapsed < 10, f"{elapsed:.0f} s"  # the whole million took 32 s and 196 MB before


def test_xlsx_expanded_size_is_checked_before_reading(dataset, settings):
    settings.OPENDATA_XLSX_MAX_UNCOMPRESSED_MB = 0.05
    version = publishing.receive_file(
        new_resource(dataset), upload("grand.xlsx", _small_xlsx(3000)), "grand.xlsx"
    )
    assert version.status == VersionStatus.FAILED
    assert "trop volumineux une fois décompressé" in version.error
    assert _files_of(version) == []


def test_xlsx_under_the_limits_is_published(dataset, settings):
    settings.OPENDATA_XLSX_MAX_ROWS = 3000
    version = publishing.receive_file(
        new_resource(dataset), upload("ok.xlsx", _small_xlsx(3000)), "ok.xlsx"
    )
    assert version.status == VersionStatus.REVIEW and version.row_count == 3000


def test_geojson_is_streamed_feature_by_feature(tmp_path):
    source = tmp_path / "points.geojson"
    with source.open("w") as out:
        out.write('{"type": "FeatureCollection", "features": [')
        for n in range(20_000):
            feature = {
                "type": "Feature",
                "properties": {"nom": f"Arrêt {n}", "code": n, "commentaire": "x" * 200},
                "geometry": {"type": "Point", "coordinates": [4.8 + n * 1e-6, 45.7]},
            }
            out.write(("," if n else "") + json.dumps(feature))
        out.write("]}")
    assert source.stat().st_size > 5 * MB
    tracemalloc.start()
    try:
        _geojson_to_ndjson(source, tmp_path / "out.ndjson")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * MB, f"peak {peak / MB:.0f} MB"  # json.load of the whole: ~10x the file
    lines = (tmp_path / "out.ndjson").read_text().splitlines()
    assert len(lines) == 20_000 and json.loads(lines[-1])["nom"] == "Arrêt 19999"


def test_geojson_errors_stay_clear(dataset):
    bad = publishing.receive_file(
        new_resource(dataset), upload("x.geojson", b'{"type": "Feature"}'), "x.geojson"
    )
    assert "FeatureCollection" in bad.error
    empty = publishing.receive_file(
        new_resource(dataset),
        upload("y.geojson", b'{"type": "FeatureCollection", "features": []}'),
        "y.geojson",
    )
    assert "aucun objet" in empty.error


def test_anonymous_oversized_body_is_refused_before_it_is_read(db, settings):
    settings.ANONYMOUS_MAX_BODY_MB = 5
    client = Client()
    # A 300 MB Content-Length with a tiny body: a 413 proves nothing tried to read it.
    response = client.post(
        "/donnees/publier/", b"x", content_type="text/plain", CONTENT_LENGTH=str(300 * MB)
    )
    assert response.status_code == 413 and "sans être connecté" in response.content.decode()
    api = client.post(
        "/api/opendata/sql/", b"x", content_type="application/json", CONTENT_LENGTH=str(300 * MB)
    )
    assert api.status_code == 413 and "Requête trop volumineuse" in api.json()["error"]
    small = client.post("/api/opendata/sql/", {"sql": "SELECT 1"}, content_type="application/json")
    assert small.status_code == 200


def test_logged_in_publisher_keeps_the_open_data_file_limit(client, agent, settings):
    settings.ANONYMOUS_MAX_BODY_MB = 1
    client.force_login(agent)

    def body():
        return {"title": "x", "description": "y", "file": upload("big.csv", b"a;b\n" * MB)}

    assert client.post("/donnees/publier/", body()).status_code != 413
    settings.REQUEST_BODY_LIMITS_MB = {**settings.REQUEST_BODY_LIMITS_MB, "/donnees/": 1}
    assert client.post("/donnees/publier/", body()).status_code == 413


def test_a_body_sent_in_chunks_is_refused_with_411_before_it_is_read(db):
    client = Client()
    for path in ("/donnees/publier/", "/api/opendata/sql/"):
        response = client.generic(
            "POST", path, b"4\r\nabcd\r\n0\r\n\r\n", HTTP_TRANSFER_ENCODING="chunked"
        )
        assert response.status_code == 411, path
        assert "Content-Length" in response.content.decode()
    assert client.get("/donnees/").status_code == 200  # requests without a body are untouched

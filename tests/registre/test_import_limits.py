"""Import limits: the dry run of an upload is a background job (never read in the request), and
a workbook or file that expands beyond the documented limits is refused before it fills memory."""

import io
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from openpyxl import Workbook

from territoria.registre.importers.service import import_file
from territoria.registre.models import ImportJob, Project

from .import_helpers import HEADER, anchor_row, csv_text

pytestmark = pytest.mark.django_db
SHEET = "xl/worksheets/sheet1.xml"


@pytest.fixture(autouse=True)
def own_data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def workbook_bytes(rows: list[list]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def inflated_workbook(row_count: int, cell_text: str) -> bytes:
    """A real workbook whose sheet is rewritten with `row_count` rows, streamed into the zip:
    small on disk (deflate), huge once read — the shape of an expansion attack."""
    source = zipfile.ZipFile(io.BytesIO(workbook_bytes([HEADER[:2]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != SHEET:
                target.writestr(item, source.read(item.filename))
        with target.open(SHEET, "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                b'<row r="1"><c r="A1" t="inlineStr"><is><t>Nom_collectivite</t></is></c>'
                b'<c r="B1" t="inlineStr"><is><t>Nom_du_projet</t></is></c></row>'
            )
            chunk = []
            for number in range(2, row_count + 2):
                chunk.append(
                    f'<row r="{number}"><c r="A{number}" t="inlineStr"><is><t>{cell_text}'
                    f"</t></is></c></row>"
                )
                if len(chunk) == 10_000:
                    sheet.write("".join(chunk).encode())
                    chunk = []
            sheet.write("".join(chunk).encode() + b"</sheetData></worksheet>")
    return out.getvalue()


def test_import_page_upload_runs_the_dry_run_as_a_job_not_in_the_request(client, moderator):
    client.force_login(moderator)
    response = client.post(
        reverse("registre:import"),
        {
            "file": SimpleUploadedFile("projets.csv", csv_text([anchor_row()]).encode()),
            "format": "auto",
            "status": "published",
        },
    )
    job = ImportJob.objects.get()
    assert job.dry_run and job.requested_by == moderator
    assert response.status_code == 302
    assert response["Location"] == reverse("registre:import_job", args=[job.pk])
    # The test task backend runs it at once; a worker does in production.
    page = client.get(response["Location"]).content.decode()
    assert "Simulation de l'import" in page and "Confirmer l'import" in page
    assert Project.objects.count() == 0


def test_xlsx_expanding_beyond_the_limit_is_refused_before_reading_its_rows():
    data = inflated_workbook(200_000, "x" * 600)  # 120 MB once decompressed
    assert len(data) < 2 * 1024 * 1024
    started = time.monotonic()
    report = import_file(data, name="bombe.xlsx", dry_run=True)
    assert time.monotonic() - started < 5
    assert not report.ok
    [error] = report.errors
    assert "une fois décompressé" in error.message
    assert "TERRITORIA_IMPORT_MAX_XLSX_MB" in error.expected


def test_xlsx_with_more_rows_than_the_limit_is_refused_naming_the_limit():
    data = inflated_workbook(30_000, "x")  # small once decompressed, but too many rows
    report = import_file(data, name="lignes.xlsx", dry_run=True)
    assert not report.ok
    [error] = report.errors
    assert (
        "plus de 20000 lignes" in error.message and "TERRITORIA_IMPORT_MAX_ROWS" in error.expected
    )


def test_xlsx_declaring_more_rows_than_the_limit_is_refused_before_opening_it():
    workbook = Workbook()  # the normal mode writes the sheet's <dimension>, as Excel does
    for row in [HEADER[:2]] + [["x", "y"]] * 20_001:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    started = time.monotonic()
    report = import_file(buffer.getvalue(), name="declare.xlsx", dry_run=True)
    assert time.monotonic() - started < 2
    [error] = report.errors
    assert "plus de 20000 lignes" in error.message


@override_settings(TERRITORIA_IMPORT_MAX_ROWS=3)
def test_csv_with_more_rows_than_the_limit_is_refused():
    rows = [anchor_row(Nom_du_projet=f"Projet {n}") for n in range(4)]
    report = import_file(csv_text(rows).encode(), name="lignes.csv", dry_run=True)
    assert not report.ok
    [error] = report.errors
    assert "plus de 3 lignes" in error.message and error.line == 5


@override_settings(TERRITORIA_IMPORT_MAX_ROWS=3)
def test_xlsx_at_the_row_limit_is_read():
    rows = [HEADER] + [list(anchor_row(Nom_du_projet=f"Projet {n}").values()) for n in range(3)]
    report = import_file(workbook_bytes(rows), name="ok.xlsx", dry_run=True)
    assert report.ok, report.render_text()

"""The writers: each turns (projects, fields, reader) into the bytes of one format.

CSV, JSON and GeoJSON are generators of text chunks, for StreamingHttpResponse (a register
of 100 000 records is never held in memory); XLSX is written by openpyxl's write-only mode.
"""

import csv
import io
import json
from decimal import Decimal

from django.conf import settings

from territoria.core.csv_safety import neutralise
from territoria.registre import schema
from territoria.registre.exports.rows import values as project_values

LIST_SEPARATOR = ", "
CSV_BATCH = 200


def cell(value) -> str:
    """A value as text in a CSV or XLSX cell: lists joined by ", " (what the importer splits)."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return LIST_SEPARATOR.join(str(item) for item in value)
    return str(value)


class _Echo:
    def write(self, value):
        return value


def spreadsheet_cell(value) -> str:
    """A cell of the CSV for French spreadsheets: decimal numbers with a comma (48,85)."""
    if isinstance(value, (float, Decimal)) and not isinstance(value, bool):
        return str(value).replace(".", ",")
    return cell(value)


def csv_chunks(
    projects,
    fields: list[schema.FieldSpec],
    user,
    *,
    anchor_columns: bool,
    neutralise_formulas: bool = True,
    spreadsheet: bool = False,
):
    """Header (anchor's column names and order, or schema ids) then one line per project.

    Cells a spreadsheet would run as formulas are neutralised (core.csv_safety); only a CSV
    that never reaches a spreadsheet (the open-data register dataset's source, whose own
    downloads neutralise) is written with `neutralise_formulas=False`."""
    safe = neutralise if neutralise_formulas else str
    if spreadsheet:
        # For Excel and LibreOffice in French: a BOM so UTF-8 is recognised, « ; » between
        # columns (the comma is the decimal separator), column titles in words.
        writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
        to_text = spreadsheet_cell
        yield "\ufeff" + writer.writerow([spec.title for spec in fields])
    else:
        writer = csv.writer(_Echo(), lineterminator="\n")
        to_text = cell
        yield writer.writerow([spec.csv_column if anchor_columns else spec.name for spec in fields])
    batch = []
    for project in projects:
        row = project_values(project, user)
        batch.append(writer.writerow([safe(to_text(row[spec.name])) for spec in fields]))
        if len(batch) >= CSV_BATCH:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def project_url(project) -> str:
    return settings.SITE_URL.rstrip("/") + project.get_absolute_url()


def _record(project, fields, user) -> dict:
    row = project_values(project, user)
    return {
        "id": str(project.pk),
        "url": project_url(project),
        **{spec.name: row[spec.name] for spec in fields},
    }


def json_chunks(projects, fields, user, *, schema_url: str):
    yield '{"schema": ' + json.dumps(schema_url) + ', "projets": ['
    first = True
    for project in projects:
        yield ("" if first else ",\n") + json.dumps(
            _record(project, fields, user), ensure_ascii=False, default=str
        )
        first = False
    yield "]}\n"


def geojson_chunks(projects, fields, user):
    """Points at the carrying organisation's coordinates; a project without any has no geometry."""
    yield '{"type": "FeatureCollection", "features": ['
    first = True
    for project in projects:
        properties = _record(
            project, [s for s in fields if s.name not in ("latitude", "longitude")], user
        )
        organisation = project.organisation
        geometry = None
        if organisation.latitude is not None and organisation.longitude is not None:
            geometry = {
                "type": "Point",
                "coordinates": [organisation.longitude, organisation.latitude],
            }
        feature = {
            "type": "Feature",
            "id": properties["id"],
            "geometry": geometry,
            "properties": properties,
        }
        yield ("" if first else ",\n") + json.dumps(feature, ensure_ascii=False, default=str)
        first = False
    yield "]}\n"


def xlsx_bytes(projects, fields, user) -> bytes:
    """Sheet "Projets" (one column per field, headed by its title in words, like the
    spreadsheet CSV; the importer reads titles back, so the file re-imports) and sheet
    "Champs" (title, id, description, access of each column)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Projets")
    sheet.append([spec.title for spec in fields])
    for project in projects:
        row = project_values(project, user)
        sheet.append([_xlsx_cell(sheet, row[spec.name]) for spec in fields])
    legend = workbook.create_sheet("Champs")
    legend.append(["Colonne", "Identifiant du champ", "Description", "Accès"])
    for spec in fields:
        legend.append([spec.title, spec.name, spec.description, spec.access])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = cell(value)
    if not text.startswith("="):
        return text
    # openpyxl would store "=…" as a formula that a spreadsheet runs: force a text cell.
    formula_safe = WriteOnlyCell(sheet, value=text)
    formula_safe.data_type = "s"
    return formula_safe

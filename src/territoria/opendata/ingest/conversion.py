"""Conversion of an uploaded file into a Parquet copy, streamed (never loaded whole).

CSV: encoding (UTF-8 / Windows-1252, transcoded), delimiter, decimal comma and dates are
detected, then DuckDB streams `read_csv → COPY TO parquet` under a memory limit. XLSX rows
are streamed by openpyxl into a CSV first; JSON, GeoJSON and Parquet go through DuckDB too.
"""

import csv
import datetime
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import duckdb
import pyarrow.parquet as pq
from django.conf import settings

from territoria.opendata.ingest import dialect
from territoria.opendata.ingest.encoding import (
    check_no_nul,
    detect_encoding,
    transcode_to_utf8,
)
from territoria.opendata.ingest.errors import IngestError
from territoria.opendata.query.duckdb_engine import new_connection, quote, sql_literal

logger = logging.getLogger(__name__)

MAX_TYPE_RETRIES = 20
# Small row groups let DuckDB's late materialisation decompress only the groups that hold
# the rows of a page ("filter, sort, show 50 rows" reads ~50 groups, not the whole file);
# measured on 10M rows: 122 880-row groups ≈ 4× slower pages, same group-by speed.
# Snappy rather than zstd: files ~1.6× larger, ~30 % less CPU per query, and every Parquet
# reader knows it.
ROW_GROUP_ROWS = 16384
PARQUET_OPTIONS = f"FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE {ROW_GROUP_ROWS}"
DUCKDB_TO_TABLE_SCHEMA = [
    (
        re.compile(
            r"^(BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT|UBIGINT|UINTEGER|USMALLINT|UTINYINT)$"
        ),
        "integer",
    ),
    (re.compile(r"^(DOUBLE|FLOAT|REAL|DECIMAL.*)$"), "number"),
    (re.compile(r"^DATE$"), "date"),
    (re.compile(r"^TIMESTAMP.*$"), "datetime"),
    (re.compile(r"^TIME$"), "time"),
    (re.compile(r"^BOOLEAN$"), "boolean"),
    (re.compile(r"^VARCHAR$"), "string"),
]


NUL_TEXT = "caractère nul (\\u0000), que la base refuse : retirez-le du fichier."


@dataclass
class Conversion:
    row_count: int
    fields: list[dict]
    detection: dict = field(default_factory=dict)


def table_schema_type(duckdb_type: str) -> str:
    for pattern, name in DUCKDB_TO_TABLE_SCHEMA:
        if pattern.match(duckdb_type):
            return name
    return "any"


def conversion_connection() -> duckdb.DuckDBPyConnection:
    """A DuckDB for conversions: bounded memory, spills to the data folder if it must."""
    con = new_connection()
    con.execute(f"SET memory_limit = {sql_literal(settings.OPENDATA_CONVERSION_MEMORY_LIMIT)}")
    con.execute(f"SET temp_directory = {sql_literal(str(settings.OPENDATA_DIR / 'tmp'))}")
    return con


def _copy_to_parquet(con, select_sql: str, target: Path) -> None:
    con.execute(f"COPY ({select_sql}) TO {sql_literal(str(target))} ({PARQUET_OPTIONS})")


def _fields(con, target: Path, formats: dict) -> list[dict]:
    described = con.execute(
        f"DESCRIBE SELECT * FROM read_parquet({sql_literal(str(target))})"
    ).fetchall()
    fields = []
    for name, duck_type, *_ in described:
        item = {"name": name, "type": table_schema_type(duck_type), "duckdb_type": duck_type}
        if name in formats:
            item["format"] = formats[name]
        fields.append(item)
    return fields


def convert(source: Path, fmt: str, target: Path, workdir: Path) -> Conversion:
    if not source.exists() or source.stat().st_size == 0:
        raise IngestError("Le fichier est vide.")
    target.unlink(missing_ok=True)
    try:
        if fmt == "csv":
            return convert_csv(source, target, workdir)
        if fmt == "xlsx":
            csv_path = workdir / "xlsx-sheet.csv"
            _xlsx_to_csv(source, csv_path)
            conversion = convert_csv(csv_path, target, workdir)
            csv_path.unlink(missing_ok=True)
            conversion.detection = {
                "format": "xlsx",
                "sheet": "première feuille",
                **conversion.detection,
            }
            return conversion
        if fmt == "json":
            return _convert_with_duckdb(
                f"SELECT * FROM read_json({sql_literal(str(source))}, format='auto')",
                target,
                "JSON",
            )
        if fmt == "geojson":
            ndjson = workdir / "features.ndjson"
            _geojson_to_ndjson(source, ndjson)
            conversion = _convert_with_duckdb(
                f"SELECT * FROM read_json({sql_literal(str(ndjson))}, format='newline_delimited')",
                target,
                "GeoJSON",
            )
            ndjson.unlink(missing_ok=True)
            conversion.detection["geometry"] = (
                "colonnes longitude/latitude (centre) et geometry (GeoJSON)"
            )
            return conversion
        if fmt == "parquet":
            return _convert_with_duckdb(
                f"SELECT * FROM read_parquet({sql_literal(str(source))})", target, "Parquet"
            )
    except BaseException:
        target.unlink(missing_ok=True)  # nothing partial is left behind
        raise
    raise IngestError(
        f"Format non pris en charge : {fmt}. Formats acceptés : CSV, XLSX, JSON, GeoJSON, Parquet."
    )


def _convert_with_duckdb(select_sql: str, target: Path, label: str) -> Conversion:
    con = conversion_connection()
    try:
        _copy_to_parquet(con, select_sql, target)
        fields = _fields(con, target, {})
        _check_no_nul_text(con, target, label)
    except duckdb.Error as error:
        raise IngestError(
            f"Fichier {label} illisible : {str(error).strip().splitlines()[0]}"
        ) from None
    finally:
        con.close()
    rows = pq.ParquetFile(target).metadata.num_rows
    if rows == 0:
        raise IngestError(f"Le fichier {label} ne contient aucune ligne de données.")
    return Conversion(rows, fields, {"format": label.lower()})


def _check_no_nul_text(con, target: Path, label: str) -> None:
    """JSON can carry a NUL behind a valid \\u0000 escape and Parquet stores it as is: refused
    like a NUL byte in a CSV (core.text_files), naming the column and the record."""
    parquet = f"read_parquet({sql_literal(str(target))}, file_row_number=true)"
    columns = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {parquet}").fetchall()]
    columns = [name for name in columns if name != "file_row_number"]
    for number, name in enumerate(columns, start=1):
        if "\0" in name:
            raise IngestError(
                f"Fichier {label} : le nom de la colonne n° {number} contient un {NUL_TEXT}"
            )
    if not columns:
        return
    tests = [f"contains(CAST({quote(name)} AS VARCHAR), chr(0))" for name in columns]
    found = con.execute(
        f"SELECT file_row_number, {', '.join(tests)} FROM {parquet} "
        f"WHERE {' OR '.join(tests)} ORDER BY file_row_number LIMIT 1"
    ).fetchone()
    if found:
        column = columns[list(found[1:]).index(True)]
        raise IngestError(
            f"Fichier {label}, enregistrement {found[0] + 1}, colonne « {column} » : {NUL_TEXT}"
        )


class _NotUtf8(Exception):
    """DuckDB met a byte that is not UTF-8 past the head of the file."""


def convert_csv(source: Path, target: Path, workdir: Path) -> Conversion:
    encoding = detect_encoding(source, head_only=True)
    check_no_nul(source)
    try:
        return _convert_with_encoding(source, target, workdir, encoding)
    except _NotUtf8:
        target.unlink(missing_ok=True)
        encoding = detect_encoding(source)  # whole scan: names the line, mixed or Windows-1252
        if encoding != "cp1252":
            raise IngestError(
                "Caractères invalides : le fichier n'est ni en UTF-8 ni en Windows-1252."
            ) from None
        return _convert_with_encoding(source, target, workdir, encoding)


def _convert_with_encoding(source: Path, target: Path, workdir: Path, encoding: str) -> Conversion:
    readable = source
    if encoding == "cp1252":
        readable = workdir / "source-utf8.csv"
        transcode_to_utf8(source, readable, encoding)
    try:
        return _convert_utf8_csv(readable, target, encoding)
    finally:
        if readable != source:
            readable.unlink(missing_ok=True)


def _convert_utf8_csv(path: Path, target: Path, encoding: str) -> Conversion:
    lines = dialect.read_sample_lines(path)
    if not lines:
        raise IngestError("Le fichier est vide.")
    delimiter = dialect.detect_delimiter(lines)
    header, sample_rows = dialect.parse_sample(lines, delimiter)
    dialect.check_header(header)
    if not sample_rows:
        raise IngestError("Le fichier ne contient que l'en-tête : aucune ligne de données.")
    decimal_comma = dialect.decimal_comma_columns(header, sample_rows) if delimiter != "," else []
    as_text: set[str] = set(dialect.code_columns(header, sample_rows))
    con = conversion_connection()
    try:
        for _attempt in range(MAX_TYPE_RETRIES):
            try:
                formats = _copy_csv(con, path, target, delimiter, decimal_comma, as_text)
                break
            except duckdb.ConversionException as error:
                column = _failed_column(str(error), header)
                target.unlink(missing_ok=True)
                if column and column not in as_text:
                    as_text.add(column)  # a late value contradicts the sniffed type: keep text
                elif decimal_comma:
                    as_text |= set(decimal_comma)
                    decimal_comma = []
                else:
                    raise IngestError(_structure_message(path, delimiter, error)) from None
            except duckdb.Error as error:
                target.unlink(missing_ok=True)
                if "Invalid unicode" in str(error):
                    raise _NotUtf8 from None
                raise IngestError(_structure_message(path, delimiter, error)) from None
        else:
            raise IngestError(
                "Types de colonnes impossibles à déterminer : trop de valeurs incohérentes."
            )
        fields = _fields(con, target, formats)
    finally:
        con.close()
    rows = pq.ParquetFile(target).metadata.num_rows
    if rows == 0:
        target.unlink(missing_ok=True)
        raise IngestError("Le fichier ne contient que l'en-tête : aucune ligne de données.")
    names = {f["name"] for f in fields}
    detection = {
        "format": "csv",
        "encoding": {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (avec BOM)", "cp1252": "Windows-1252"}[
            encoding
        ],
        "delimiter": delimiter,
        "decimal_comma_columns": [c for c in decimal_comma if c in names and c not in as_text],
        "kept_as_text": sorted(as_text),
    }
    return Conversion(rows, fields, detection)


def _copy_csv(con, path, target, delimiter, decimal_comma, as_text) -> dict:
    """COPY the CSV to Parquet; returns the date formats detected per column."""
    types = {name: "VARCHAR" for name in (set(decimal_comma) | as_text)}
    options = (
        f"delim={sql_literal(delimiter)}, header=true, skip=0, quote='\"', escape='\"', "
        "strict_mode=true, sample_size=20480, null_padding=false"
    )
    if types:
        options += ", types={" + ", ".join(f"{sql_literal(k)}: 'VARCHAR'" for k in types) + "}"
    reader = f"read_csv({sql_literal(str(path))}, {options})"
    sniff = con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
    formats = _date_formats(con, path, delimiter)
    select = []
    for name, duck_type, *_ in sniff:
        if name in decimal_comma and name not in as_text:
            select.append(
                f"CAST(replace(regexp_replace({quote(name)}, '[\\s\u00a0\u202f]', '', 'g'), ',', '.') "
                f"AS DOUBLE) AS {quote(name)}"
            )
        else:
            select.append(quote(name))
    _copy_to_parquet(con, f"SELECT {', '.join(select)} FROM {reader}", target)
    return {name: formats[duck_type] for name, duck_type, *_ in sniff if duck_type in formats}


def _date_formats(con, path: Path, delimiter: str) -> dict:
    try:
        row = con.execute(
            f"SELECT DateFormat, TimestampFormat FROM sniff_csv({sql_literal(str(path))}, "
            f"delim={sql_literal(delimiter)}, header=true)"
        ).fetchone()
    except duckdb.Error:
        return {}
    formats = {}
    if row and row[0]:
        formats["DATE"] = row[0]
    if row and row[1]:
        formats["TIMESTAMP"] = row[1]
    return formats


def _failed_column(message: str, header: list[str]) -> str | None:
    match = re.search(r'converting column "(.+?)"', message)
    if match and match.group(1) in header:
        return match.group(1)
    return None


def _structure_message(path: Path, delimiter: str, error: Exception) -> str:
    diagnosis = dialect.diagnose(path, delimiter)
    if diagnosis:
        return diagnosis
    match = re.search(r"Line:\s*(\d+)", str(error))
    where = f"Ligne {match.group(1)} : " if match else ""
    return (
        f"{where}fichier CSV illisible ({str(error).strip().splitlines()[0]}). Vérifiez "
        "le séparateur, les guillemets et le nombre de colonnes de chaque ligne."
    )


def unreadable_workbook(error: Exception) -> str:
    """The libraries' own words ("File is not a zip file") are English and technical: the
    publisher reads what is wrong and what to do; the detail goes to the log."""
    logger.info("unreadable workbook: %s", error)
    return (
        "Classeur illisible : ce fichier n'est pas un classeur Excel .xlsx valide (il est "
        "peut-être endommagé, ou c'est un autre format renommé en .xlsx, par exemple un .xls "
        "ou un .ods). Ouvrez-le dans votre tableur, enregistrez-le au format « Classeur "
        "Excel (.xlsx) » ou en CSV, puis déposez-le de nouveau."
    )


def check_xlsx_expansion(source: Path) -> None:
    """Refuse a workbook whose XML would expand past OPENDATA_XLSX_MAX_UNCOMPRESSED_MB (a
    1.5 MB XLSX held 1 000 000 rows): checked on the archive's directory, before reading it.
    The declared sizes bound what is read (zipfile stops at a member's declared size)."""
    import zipfile

    limit_mb = settings.OPENDATA_XLSX_MAX_UNCOMPRESSED_MB
    try:
        with zipfile.ZipFile(source) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as error:
        raise IngestError(unreadable_workbook(error)) from None
    if expanded > limit_mb * 1024 * 1024:
        raise IngestError(
            f"Classeur trop volumineux une fois décompressé ({expanded / 1024 / 1024:.0f} Mo, "
            f"limite {limit_mb:g} Mo) : enregistrez la feuille en CSV et déposez le CSV "
            "(variable TERRITORIA_OPENDATA_XLSX_MAX_UNCOMPRESSED_MB)."
        )


ROW_TAG = re.compile(rb"<(?:[A-Za-z]\w*:)?row[\s>/]")


def _count_rows(source: Path) -> int:
    """Rows of the first worksheet, counted on its XML streamed out of the archive."""
    import zipfile

    count, tail = 0, b""
    try:
        with zipfile.ZipFile(source) as archive, archive.open(_first_sheet_path(archive)) as xml:
            while chunk := xml.read(1024 * 1024):
                data = tail + chunk
                count += len(ROW_TAG.findall(data))
                tail = data[-8:]
                count -= len(ROW_TAG.findall(tail))  # counted again with the next chunk
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return 0  # not a workbook we understand: openpyxl says what is wrong
    return count + len(ROW_TAG.findall(tail))


def _first_sheet_path(archive) -> str:
    """The part of the workbook's first sheet (the one read), from workbook.xml and its rels."""
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    first = workbook.find(f"{main}sheets/{main}sheet")
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for item in rels:
        if first is not None and item.get("Id") == first.get(rel):
            target = item.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise KeyError("first sheet")


def _too_many_rows(max_rows: int) -> str:
    return (
        f"Le classeur dépasse {max_rows} lignes : enregistrez la feuille en CSV et déposez "
        "le CSV (variable TERRITORIA_OPENDATA_XLSX_MAX_ROWS)."
    )


def _xlsx_to_csv(source: Path, target: Path) -> None:
    from openpyxl import load_workbook

    check_xlsx_expansion(source)
    max_rows = settings.OPENDATA_XLSX_MAX_ROWS
    # Counted on the raw XML first, before openpyxl (which, without a <dimension>, reads the
    # whole sheet just to open it): refusing a million rows takes a second, not a minute.
    if _count_rows(source) > max_rows + 1:
        raise IngestError(_too_many_rows(max_rows))
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 — openpyxl raises many types for a broken file
        raise IngestError(unreadable_workbook(error)) from None
    try:
        sheet = workbook.worksheets[0]
        with target.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter=",")
            width = None
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                if number > max_rows + 1:  # the header, then the data rows
                    raise IngestError(_too_many_rows(max_rows))
                values = ["" if v is None else _cell_text(v) for v in row]
                while values and values[-1] == "" and (width is None or len(values) > width):
                    values.pop()
                if width is None:
                    if not any(values):
                        continue
                    width = len(values)
                if not any(values):
                    continue
                writer.writerow((values + [""] * width)[:width])
    except IngestError:
        target.unlink(missing_ok=True)
        raise
    finally:
        workbook.close()


def _cell_text(value) -> str:
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def _geojson_to_ndjson(source: Path, target: Path) -> None:
    """Features streamed one by one (ijson): memory holds one feature, not the document
    (a 67 MB GeoJSON loaded whole took a worker to 880 MB)."""
    import ijson

    try:
        with source.open("rb") as handle:
            kind = next(ijson.items(_skip_bom(handle), "type"), None)
        if kind != "FeatureCollection":
            raise IngestError("GeoJSON : le fichier doit être une FeatureCollection.")
        count = 0
        with source.open("rb") as handle, target.open("w", encoding="utf-8") as out:
            features = ijson.items(_skip_bom(handle), "features.item", use_float=True)
            for count, feature in enumerate(features, start=1):
                out.write(_feature_line(count, feature))
    except (ijson.JSONError, UnicodeDecodeError) as error:
        target.unlink(missing_ok=True)
        raise IngestError(f"GeoJSON illisible : {error}") from None
    except IngestError:
        target.unlink(missing_ok=True)
        raise
    if count == 0:
        target.unlink(missing_ok=True)
        raise IngestError("GeoJSON : la FeatureCollection ne contient aucun objet (features).")


def _skip_bom(handle):
    if handle.read(3) != b"\xef\xbb\xbf":
        handle.seek(0)
    return handle


def _feature_line(number: int, feature) -> str:
    geometry = feature.get("geometry") if isinstance(feature, dict) else None
    if geometry is not None and not isinstance(geometry, dict):
        raise IngestError(f"GeoJSON, objet {number} : géométrie invalide.")
    properties = dict(feature.get("properties") or {}) if isinstance(feature, dict) else {}
    lon, lat = _center(geometry)
    properties["longitude"], properties["latitude"] = lon, lat
    properties["geometry"] = json.dumps(geometry) if geometry else None
    return json.dumps(properties, ensure_ascii=False) + "\n"


def _center(geometry) -> tuple[float | None, float | None]:
    """Centre of the bounding box of a geometry (a point for points), for the map."""
    if not geometry:
        return None, None
    coords: list = []

    def walk(item):
        if isinstance(item, (list, tuple)) and item and isinstance(item[0], (int, float)):
            coords.append(item[:2])
        elif isinstance(item, (list, tuple)):
            for sub in item:
                walk(sub)

    walk(geometry.get("coordinates"))
    for sub in geometry.get("geometries") or []:
        walk(sub.get("coordinates"))
    if not coords:
        return None, None
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2

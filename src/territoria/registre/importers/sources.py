"""Reading an uploaded or local file into rows of raw cells, whatever its container.

French administrative files come as UTF-8, UTF-8 with a BOM or Windows-1252, separated by
commas or semicolons, or as XLSX workbooks. The encoding is decided here once (strict UTF-8
first, then charset-normalizer among the legacy Western encodings); a file mixing two
encodings, or one nobody can decide, is refused with a message that says what to do.
"""

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from territoria.core import safe_json
from territoria.core.csv_safety import restore
from territoria.core.text_files import NUL_MESSAGE, nul_json_problem, nul_position
from territoria.registre.importers.report import Issue

DELIMITERS = [",", ";", "\t", "|"]
# Lead bytes followed by continuation bytes: evidence that part of the file is UTF-8.
UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
LEGACY_ENCODINGS = ["cp1252", "iso8859_15", "latin_1"]


class SourceError(Exception):
    """The file as a whole cannot be read; carries the issues to report."""

    def __init__(self, *issues: Issue):
        self.issues = list(issues)
        super().__init__("; ".join(str(issue) for issue in issues))


@dataclass
class Row:
    line: int  # line (CSV), row (XLSX) or record number (JSON) as a person finds it
    cells: dict  # column -> raw value


@dataclass
class Table:
    name: str
    kind: str  # csv | xlsx | json
    columns: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""
    payload: object = None  # the parsed JSON document


def max_upload_bytes() -> int:
    return settings.TERRITORIA_MAX_UPLOAD_MB * 1024 * 1024


# Limits on what a file expands to once read (settings TERRITORIA_IMPORT_MAX_*): the register
# holds thousands of records; the Dutch register, the largest read, 1 530.


def max_rows() -> int:
    return settings.TERRITORIA_IMPORT_MAX_ROWS


def max_xlsx_uncompressed_bytes() -> int:
    return settings.TERRITORIA_IMPORT_MAX_XLSX_MB * 1024 * 1024


def _too_many_rows(line: int) -> SourceError:
    return SourceError(
        Issue(
            f"le fichier compte plus de {max_rows()} lignes de données (lecture arrêtée à la "
            f"ligne {line})",
            line=line,
            expected=f"au plus {max_rows()} lignes par import (réglage TERRITORIA_IMPORT_MAX_ROWS) : "
            "découpez le fichier",
        )
    )


def read_bytes(source, name: str | None = None) -> tuple[str, bytes]:
    """(file name, content) of a path, bytes or an uploaded file, refusing oversized ones."""
    limit = max_upload_bytes()
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise SourceError(Issue(f"fichier introuvable : {path}"))
        if path.stat().st_size > limit:
            raise SourceError(_too_big(path.stat().st_size))
        return name or path.name, path.read_bytes()
    if isinstance(source, bytes):
        data = source
    else:  # an uploaded file or any binary file object
        size = getattr(source, "size", None)
        if size is not None and size > limit:
            raise SourceError(_too_big(size))
        data = source.read(limit + 1)
        name = name or getattr(source, "name", None)
    if len(data) > limit:
        raise SourceError(_too_big(len(data)))
    return name or "fichier", data


def _too_big(size: int) -> Issue:
    mb = settings.TERRITORIA_MAX_UPLOAD_MB
    return Issue(
        f"le fichier est trop volumineux ({size / 1024 / 1024:.1f} Mo)",
        expected=f"au plus {mb} Mo (réglage TERRITORIA_MAX_UPLOAD_MB)",
    )


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of a text file; SourceError when it cannot be decided, or when the
    text holds a NUL character (a binary file or a UTF-16 export)."""
    text, label = _decode(data)
    if position := nul_position(text):
        raise SourceError(
            Issue(NUL_MESSAGE, line=position[0], expected="un fichier CSV ou JSON en texte UTF-8")
        )
    return text, label


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8", "UTF-8 (BOM)")
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as exc:
        bad_line = data[: exc.start].count(b"\n") + 1
        if UTF8_MULTIBYTE.search(data):
            raise SourceError(
                Issue(
                    "le fichier mélange deux encodages (une partie en UTF-8, une partie dans un "
                    "autre encodage) : les accents seraient corrompus",
                    line=bad_line,
                    expected="un fichier enregistré entièrement en UTF-8",
                )
            ) from exc
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=LEGACY_ENCODINGS).best()
    if best is None:
        raise SourceError(
            Issue(
                "encodage des caractères impossible à déterminer",
                expected="un fichier CSV enregistré en UTF-8 (ou Windows-1252)",
            )
        )
    encoding = best.encoding
    label = {"cp1252": "Windows-1252"}.get(encoding, encoding)
    return _strict(data, encoding, label)


def _strict(data: bytes, encoding: str, label: str) -> tuple[str, str]:
    try:
        return data.decode(encoding), label
    except UnicodeDecodeError as exc:
        raise SourceError(
            Issue(
                f"octets invalides pour l'encodage {label}",
                line=data[: exc.start].count(b"\n") + 1,
                expected="un fichier enregistré entièrement en UTF-8",
            )
        ) from exc


def detect_delimiter(text: str) -> str:
    """The separator of the header line: the candidate found most often outside quotes."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {delimiter: unquoted.count(delimiter) for delimiter in DELIMITERS}
    delimiter, count = max(counts.items(), key=lambda item: item[1])
    if count == 0:
        raise SourceError(
            Issue(
                "une seule colonne trouvée dans l'en-tête : le séparateur de colonnes n'a pas été reconnu",
                line=1,
                expected="des colonnes séparées par « , » ou « ; »",
            )
        )
    return delimiter


def read_csv(name: str, data: bytes) -> Table:
    text, encoding = decode(data)
    delimiter = detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table = Table(name=name, kind="csv", encoding=encoding, delimiter=delimiter)
    try:
        table.columns = [column.strip() for column in next(reader)]
    except StopIteration:
        raise SourceError(
            Issue("le fichier est vide", expected="une ligne d'en-tête puis des lignes")
        ) from None
    except csv.Error as exc:
        raise _unreadable_line(exc, 1) from None
    _check_field_sizes(table.columns, 1)
    _check_header(table.columns)
    line = reader.line_num + 1
    limit = max_rows()
    try:
        for cells in reader:
            _check_field_sizes(cells, line)
            if any(cell.strip() for cell in cells):
                if len(table.rows) == limit:
                    raise _too_many_rows(line)
                # Our CSV exports neutralise formulas with an apostrophe: read back, it goes.
                cells = [restore(cell) for cell in cells]
                table.rows.append(Row(line, _cells(table.columns, cells, line)))
            line = reader.line_num + 1
    except csv.Error as exc:
        # The csv module stops at the first line it cannot split (a field over its size limit,
        # a quote never closed): the whole file is refused, naming that line.
        raise _unreadable_line(exc, line) from None
    return table


# Longest cell read (the csv module's default limit). Checked here too, because the csv module's
# limit is process-wide and other libraries loaded in the same process raise it.
MAX_FIELD_CHARS = 131_072


def _field_too_long(line: int) -> SourceError:
    limit = f"{MAX_FIELD_CHARS:,}".replace(",", "\u202f")  # 131 072
    return SourceError(
        Issue(
            f"un champ est trop long (plus de {limit} caractères)",
            line=line,
            expected=f"des champs d'au plus {limit} caractères (un guillemet ouvrant jamais "
            "refermé prolonge aussi un champ jusqu'à la fin du fichier)",
        )
    )


def _check_field_sizes(cells: list[str], line: int) -> None:
    if any(len(cell) > MAX_FIELD_CHARS for cell in cells):
        raise _field_too_long(line)


def _unreadable_line(exc: csv.Error, line: int) -> SourceError:
    if "field larger than field limit" in str(exc):
        return _field_too_long(line)
    return SourceError(
        Issue(
            f"la ligne ne peut pas être découpée en colonnes ({exc})",
            line=line,
            expected="un fichier CSV valide (textes contenant le séparateur entre guillemets)",
        )
    )


def _cells(columns: list[str], cells: list, line: int) -> dict:
    if len(cells) != len(columns):
        # Reported by the importer with the line number: wrong separator inside a line,
        # or an unquoted separator in a text.
        return {"__width__": (len(cells), len(columns))}
    return dict(zip(columns, cells))


def _check_header(columns: list[str]) -> None:
    seen = set()
    for column in columns:
        if column in seen:
            raise SourceError(
                Issue(f"la colonne « {column} » apparaît deux fois dans l'en-tête", line=1)
            )
        seen.add(column)


# <dimension ref="A1:AN12000"/>: the size a sheet declares, near its start.
DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]+\d+(?::[A-Z]+(\d+))?\"")


def _check_xlsx_expansion(data: bytes) -> None:
    """Refuse, before parsing any row, a workbook whose parts exceed the decompressed size limit
    or whose sheets declare more rows than the row limit.

    openpyxl's read-only mode streams rows, but opening a workbook reads each sheet's declared
    size — the whole sheet when it declares none: only the size limit bounds that pass."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            size = sum(member.file_size for member in members)
            limit = max_xlsx_uncompressed_bytes()
            if size > limit:
                raise SourceError(
                    Issue(
                        f"le classeur XLSX occupe {size / 1024 / 1024:.0f} Mo une fois décompressé",
                        expected=f"au plus {limit // 1024 // 1024} Mo décompressés (réglage "
                        "TERRITORIA_IMPORT_MAX_XLSX_MB) : découpez le fichier ou exportez-le en CSV",
                    )
                )
            for member in members:
                if member.filename.startswith("xl/worksheets/") and member.filename.endswith(
                    ".xml"
                ):
                    with archive.open(member) as sheet:
                        match = DIMENSION.search(sheet.read(64 * 1024))
                    declared = int(match.group(1) or 1) if match else 0
                    if declared > max_rows() + 1:  # + the header row
                        raise _too_many_rows(declared)
    except zipfile.BadZipFile:
        return  # reported by the reader as an unreadable workbook


def read_xlsx(name: str, data: bytes) -> Table:
    """The first sheet, read row by row (openpyxl read-only mode), within the limits above."""
    from openpyxl import load_workbook

    _check_xlsx_expansion(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SourceError(
            Issue(
                "le fichier n'est pas un classeur XLSX lisible",
                expected="un fichier .xlsx (Excel, LibreOffice)",
            )
        ) from exc
    sheet = workbook.worksheets[0]
    table = Table(name=name, kind="xlsx")
    limit = max_rows()
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if not table.columns:
            if any(value not in (None, "") for value in values):
                table.columns = [
                    str(value).strip() if value is not None else "" for value in values
                ]
                while table.columns and not table.columns[-1]:
                    table.columns.pop()
                _check_header(table.columns)
            continue
        values = list(values)[: len(table.columns)]
        if any(value not in (None, "") for value in values):
            if len(table.rows) == limit:
                workbook.close()
                raise _too_many_rows(number)
            values += [None] * (len(table.columns) - len(values))
            table.rows.append(Row(number, dict(zip(table.columns, values))))
    workbook.close()
    if not table.columns:
        raise SourceError(
            Issue("la feuille est vide", expected="une ligne d'en-tête puis des lignes")
        )
    return table


def read_json(name: str, data: bytes) -> Table:
    text, encoding = decode(data)
    try:
        payload = safe_json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(
            Issue(f"JSON invalide : {exc.msg}", line=exc.lineno, expected="un document JSON")
        ) from exc
    except safe_json.JSONTooDeepError as exc:
        raise SourceError(Issue(str(exc), expected="un document JSON")) from exc
    if problem := nul_json_problem(payload):
        raise SourceError(Issue(problem, expected="des textes sans \\u0000"))
    return Table(name=name, kind="json", encoding=encoding, payload=payload)


def read_table(name: str, data: bytes) -> Table:
    """Open a file by its content: XLSX (a zip), JSON or delimited text."""
    if data[:4] == b"PK\x03\x04":
        return read_xlsx(name, data)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        return read_json(name, data)
    return read_csv(name, data)

"""CSV dialect: delimiter, decimal comma, and a line-by-line diagnosis when DuckDB refuses a file.

DuckDB's sniffer finds quotes, header and column types; we pick the delimiter ourselves
(French files use `;`, DuckDB may pick a wrong one on a ragged file) and detect the decimal
comma, which the sniffer leaves as text."""

import csv
import io
import re
from pathlib import Path

from territoria.opendata.ingest.errors import IngestError

DELIMITERS = [";", ",", "\t", "|"]
FRENCH_NUMBER = re.compile(r"^-?\d{1,3}(?:[  \u202f]?\d{3})*,\d+$|^-?\d+,\d+$")


def read_sample_lines(path: Path, max_bytes: int = 256 * 1024) -> list[str]:
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as handle:
        text = handle.read(max_bytes)
    lines = text.splitlines()
    if len(text) == max_bytes and lines:
        lines = lines[:-1]  # the last line may be cut
    return [line for line in lines if line.strip()]


def detect_delimiter(lines: list[str]) -> str:
    """The candidate that splits the header and the most lines into the same number of fields."""
    if not lines:
        raise IngestError("Le fichier est vide.")
    best, best_score = ",", (-1, -1)
    sample = "\n".join(lines[:200])
    for delimiter in DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO(sample), delimiter=delimiter))
        except csv.Error:
            continue
        width = len(rows[0])
        if width < 2:
            continue
        consistent = sum(1 for row in rows if len(row) == width)
        score = (consistent, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def decimal_comma_columns(header: list[str], rows: list[list[str]]) -> list[str]:
    """Columns whose non-empty sample values are all numbers written with a decimal comma."""
    columns = []
    for index, name in enumerate(header):
        values = [row[index].strip() for row in rows if index < len(row) and row[index].strip()]
        if (
            values
            and sum(1 for v in values if FRENCH_NUMBER.match(v)) == len(values)
            and any("," in v for v in values)
        ):
            columns.append(name)
    return columns


CODE_NAME = re.compile(
    r"(^|[\s_-])(code|siret|siren|insee|cp|postal|id|identifiant|num[ée]ro|n°|"
    r"ref|r[ée]f[ée]rence|uai|finess|rna)($|[\s_-])",
    re.IGNORECASE,
)


def code_columns(header: list[str], rows: list[list[str]]) -> list[str]:
    """Digit-only columns that are codes (SIRET, INSEE, postal codes…): kept as text so that
    leading zeros survive (01001 is Abergement-Clémenciat, not 1001)."""
    columns = []
    for index, name in enumerate(header):
        values = [row[index].strip() for row in rows if index < len(row) and row[index].strip()]
        if not values or not all(v.isdigit() for v in values):
            continue
        fixed_width = len({len(v) for v in values}) == 1 and len(values[0]) >= 2
        if (CODE_NAME.search(name) and fixed_width) or any(
            v.startswith("0") and len(v) > 1 for v in values
        ):
            columns.append(name)
    return columns


def parse_sample(
    lines: list[str], delimiter: str, limit: int = 1000
) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO("\n".join(lines[: limit + 1])), delimiter=delimiter))
    return rows[0], rows[1:]


def diagnose(path: Path, delimiter: str) -> str | None:
    """First structural problem of the file, named by line; None when Python's csv reads it."""
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter, strict=True)
        try:
            header = next(reader)
        except StopIteration:
            return "Le fichier est vide."
        except csv.Error as error:
            return f"Ligne 1 : en-tête illisible ({error})."
        width = len(header)
        try:
            for row in reader:
                if not row:
                    continue
                if len(row) != width:
                    return (
                        f"Ligne {reader.line_num} : {len(row)} valeurs au lieu des {width} "
                        f"colonnes de l'en-tête ({', '.join(header[:8])}"
                        f"{'…' if width > 8 else ''}). Vérifiez les séparateurs « {delimiter} » "
                        "et les guillemets de cette ligne."
                    )
        except csv.Error as error:
            return (
                f"Ligne {reader.line_num} : guillemets mal fermés ({error}). Une valeur qui "
                "contient le séparateur ou un retour à la ligne doit être entre guillemets "
                'doubles, et un guillemet à l\'intérieur doublé ("").'
            )
    return None


def check_header(header: list[str]) -> None:
    seen = set()
    for position, name in enumerate(header, start=1):
        if not name.strip():
            raise IngestError(
                f"Ligne 1, colonne {position} : nom de colonne vide. Donnez un nom à "
                "chaque colonne de l'en-tête."
            )
        key = name.strip().lower()
        if key in seen:
            raise IngestError(f"Ligne 1 : la colonne « {name} » apparaît deux fois dans l'en-tête.")
        seen.add(key)

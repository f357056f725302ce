"""Validation of a published table against a Table Schema (schema.data.gouv.fr format).

frictionless checks the schema descriptor itself; the data is checked by DuckDB on the
Parquet copy, so that a 10-million-row file is validated in seconds and every error names
the field, the line of the original file and the expected value."""

from frictionless import Schema
from frictionless.exception import FrictionlessException

from territoria.opendata.ingest.errors import IngestError
from territoria.opendata.query.duckdb_engine import quote, sql_literal

MAX_ERRORS = 50
CASTS = {
    "integer": "BIGINT",
    "number": "DOUBLE",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "boolean": "BOOLEAN",
    "time": "TIME",
    "year": "INTEGER",
}
TYPE_LABELS = {
    "integer": "un nombre entier",
    "number": "un nombre",
    "date": "une date",
    "datetime": "une date et heure",
    "boolean": "vrai ou faux",
    "time": "une heure",
    "year": "une année",
    "string": "du texte",
}


def load_schema(descriptor) -> Schema:
    if not isinstance(descriptor, dict):
        raise IngestError("Le Table Schema doit être un objet JSON avec une liste « fields ».")
    try:
        schema = Schema.from_descriptor(descriptor)
    except FrictionlessException as error:
        raise IngestError(f"Table Schema invalide : {error.error.message}") from None
    if not schema.fields:
        raise IngestError("Table Schema invalide : aucune colonne (« fields ») décrite.")
    return schema


def validate(con, parquet: str, fields: list[dict], descriptor: dict) -> list[dict]:
    """Errors of the data against the schema: [{field, line, message}], at most MAX_ERRORS."""
    schema = load_schema(descriptor)
    present = [f["name"] for f in fields]
    errors = []
    expected = [f.name for f in schema.fields]
    for name in expected:
        if name not in present:
            errors.append(
                {
                    "field": name,
                    "line": 1,
                    "message": f"Colonne « {name} » attendue par le schéma mais absente.",
                }
            )
    for name in present:
        if name not in expected:
            errors.append(
                {"field": name, "line": 1, "message": f"Colonne « {name} » absente du schéma."}
            )
    source = f"read_parquet({sql_literal(parquet)}, file_row_number=true)"
    for field in schema.fields:
        if field.name not in present or len(errors) >= MAX_ERRORS:
            continue
        for condition, message in _checks(field):
            found = con.execute(
                f"SELECT file_row_number, CAST({quote(field.name)} AS VARCHAR) FROM {source} "
                f"WHERE {condition} ORDER BY file_row_number LIMIT 3"
            ).fetchall()
            for row_number, value in found:
                errors.append(
                    {
                        "field": field.name,
                        "line": row_number + 2,
                        "message": message.replace("{value}", str(value)),
                    }
                )
        if field.constraints.get("unique"):
            duplicate = con.execute(
                f"SELECT CAST({quote(field.name)} AS VARCHAR), min(file_row_number) FROM {source} "
                f"WHERE {quote(field.name)} IS NOT NULL GROUP BY 1 HAVING count(*) > 1 LIMIT 3"
            ).fetchall()
            for value, row_number in duplicate:
                errors.append(
                    {
                        "field": field.name,
                        "line": row_number + 2,
                        "message": f"« {value} » apparaît plusieurs fois ; valeurs "
                        "uniques attendues.",
                    }
                )
    return errors[:MAX_ERRORS]


def _checks(field) -> list[tuple[str, str]]:
    col = quote(field.name)
    text = f"CAST({col} AS VARCHAR)"
    checks = []
    constraints = field.constraints or {}
    if field.type in CASTS:
        checks.append(
            (
                f"{col} IS NOT NULL AND TRY_CAST({text} AS {CASTS[field.type]}) IS NULL",
                f"« {{value}} » n'est pas {TYPE_LABELS[field.type]}.",
            )
        )
    if constraints.get("required"):
        checks.append((f"{col} IS NULL OR trim({text}) = ''", "valeur obligatoire manquante."))
    if "enum" in constraints:
        allowed = ", ".join(sql_literal(str(v)) for v in constraints["enum"])
        shown = ", ".join(str(v) for v in constraints["enum"][:10])
        checks.append(
            (
                f"{col} IS NOT NULL AND {text} NOT IN ({allowed})",
                f"« {{value}} » n'est pas une valeur autorisée ({shown}).",
            )
        )
    if "pattern" in constraints:
        pattern = constraints["pattern"]
        checks.append(
            (
                f"{col} IS NOT NULL AND NOT regexp_full_match({text}, {sql_literal(pattern)})",
                f"« {{value}} » ne respecte pas le motif attendu {pattern}.",
            )
        )
    for key, symbol, word in (
        ("minimum", "<", "inférieure au minimum"),
        ("maximum", ">", "supérieure au maximum"),
    ):
        if key in constraints and field.type in ("integer", "number"):
            bound = float(constraints[key])
            checks.append(
                (
                    f"TRY_CAST({text} AS DOUBLE) {symbol} {bound}",
                    f"« {{value}} » : valeur {word} {constraints[key]}.",
                )
            )
    for key, symbol, word in (("minLength", "<", "plus courte"), ("maxLength", ">", "plus longue")):
        if key in constraints:
            checks.append(
                (
                    f"length({text}) {symbol} {int(constraints[key])}",
                    f"« {{value}} » : valeur {word} que {constraints[key]} caractères.",
                )
            )
    return checks

"""Which column of a file feeds which field of the schema.

Two mappings are built in, both derived from `schema.py`: the anchor's export (`data.csv`,
columns `Nom_collectivite`, `SIRET`… = `FieldSpec.csv_column`) and the schema ids
(`processed_data.csv` and our "all fields" export: `coll_nom`, `coll_siret`… =
`FieldSpec.name`); a third, the column titles in words (`FieldSpec.title`: "Porteur",
"Projet"…), reads back our XLSX and spreadsheet-CSV exports. A custom mapping is a JSON object {"column of the file": "schema field"}
(or {"columns": {...}}); a column mapped to null is ignored.
"""

from pathlib import Path

from territoria.core import safe_json
from territoria.registre import schema
from territoria.registre.importers.report import Issue
from territoria.registre.importers.sources import SourceError

ANCHOR = {spec.csv_column: spec.name for spec in schema.FIELDS if spec.csv_column}
SCHEMA_IDS = {spec.name: spec.name for spec in schema.FIELDS}
TITLES = {spec.title: spec.name for spec in schema.FIELDS}  # titles are unique (tested)
BUILT_IN = {"anchor": ANCHOR, "ids": SCHEMA_IDS, "titles": TITLES}

# Fields a line cannot do without: the public required fields of the schema (what a
# published register carries). The update date is set by the platform when absent.
IMPORT_REQUIRED = [
    spec.name for spec in schema.FIELDS if spec.required and spec.is_public and spec.name != "date"
]


def load_mapping(source) -> dict[str, str | None]:
    """A mapping from a path, an uploaded (binary) file, or an already parsed dict (a job's)."""
    if isinstance(source, dict):
        data = source
    else:
        try:
            raw = source.read() if hasattr(source, "read") else Path(source).read_bytes()
            data = safe_json.loads(raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw)
        except (OSError, ValueError) as exc:
            raise SourceError(
                Issue(f"fichier de correspondance illisible : {exc}", expected="un objet JSON")
            ) from exc
    if isinstance(data, dict) and isinstance(data.get("columns"), dict):
        data = data["columns"]
    if not isinstance(data, dict):
        raise SourceError(
            Issue("fichier de correspondance invalide", expected='{"colonne": "champ du schéma"}')
        )
    unknown = [
        f"{column} → {target}"
        for column, target in data.items()
        if target and target not in schema.BY_NAME
    ]
    if unknown:
        raise SourceError(
            Issue(
                "champs inconnus dans le fichier de correspondance : " + ", ".join(unknown),
                expected="des identifiants du schéma : " + ", ".join(schema.BY_NAME),
            )
        )
    return data


def detect_mapping(columns: list[str]) -> tuple[str, dict]:
    """The built-in mapping whose columns the header shares most (anchor, ids or titles)."""
    present = set(columns)
    scores = {name: len(present & set(mapping)) for name, mapping in BUILT_IN.items()}
    name = max(scores, key=scores.get)
    if scores[name] == 0:
        raise SourceError(
            Issue(
                "colonnes non reconnues : ni celles de l'export de la Bibliothèque (Nom_collectivite, "
                "SIRET…) ni les identifiants du schéma (coll_nom, coll_siret…)",
                line=1,
                expected="l'en-tête d'un export de la Bibliothèque, ou --mapping pour donner la correspondance",
            )
        )
    return name, BUILT_IN[name]


def check_columns(columns: list[str], mapping: dict) -> list[Issue]:
    """Every required field must come from a column present in the file."""
    issues = []
    column_of = {target: column for column, target in mapping.items() if target}
    for name in IMPORT_REQUIRED:
        column = column_of.get(name)
        if column is None:
            issues.append(
                Issue(
                    f"la correspondance ne donne aucune colonne pour le champ obligatoire « {schema.BY_NAME[name].title} »",
                    field=name,
                    expected="une colonne associée à ce champ",
                )
            )
        elif column not in columns:
            issues.append(
                Issue(
                    f"colonne obligatoire manquante « {column} »",
                    line=1,
                    column=column,
                    field=name,
                    expected=f"une colonne « {column} » dans l'en-tête",
                )
            )
    return issues

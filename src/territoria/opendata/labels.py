"""Technical names shown to people, in plain French: column types, date formats, memory
sizes, aggregations. The data keeps its standard names (Table Schema types, strftime
formats, DuckDB sizes); only what a page or a message shows goes through here."""

import re

TYPE_LABELS = {
    "string": "texte",
    "integer": "nombre entier",
    "number": "nombre décimal",
    "date": "date",
    "datetime": "date et heure",
    "time": "heure",
    "boolean": "oui / non",
    "year": "année",
    "geojson": "géométrie",
    "any": "autre",
}

# strftime directives → the letters a French form writes (JJ/MM/AAAA).
DATE_PARTS = {
    "%d": "JJ",
    "%m": "MM",
    "%Y": "AAAA",
    "%y": "AA",
    "%H": "hh",
    "%M": "mm",
    "%S": "ss",
    "%z": "±hhmm",
    "%b": "mois abrégé",
    "%B": "mois",
}

SIZE_UNITS = {
    "b": "octets",
    "kb": "ko",
    "kib": "Kio",
    "mb": "Mo",
    "mib": "Mio",
    "gb": "Go",
    "gib": "Gio",
    "tb": "To",
    "tib": "Tio",
}

AGGREGATE_LABELS = {
    "count": "Nombre de lignes",
    "sum": "Somme de « {} »",
    "avg": "Moyenne de « {} »",
    "min": "Minimum de « {} »",
    "max": "Maximum de « {} »",
}


def type_label(name: str) -> str:
    return TYPE_LABELS.get(name, name)


def date_format_label(pattern: str) -> str:
    """'%d/%m/%Y' → 'JJ/MM/AAAA'."""
    return re.sub(r"%[a-zA-Z]", lambda m: DATE_PARTS.get(m.group(0), m.group(0)), pattern or "")


def size_label(size: str) -> str:
    """A DuckDB size setting ('1GB', '512MB') → '1 Go', '512 Mo'."""
    match = re.fullmatch(r"\s*([\d.,]+)\s*([a-zA-Z]*)\s*", size or "")
    if not match:
        return size
    number, unit = match.groups()
    return f"{number.replace('.', ',')} {SIZE_UNITS.get(unit.lower(), unit)}".strip()


def aggregate_label(function: str, column: str | None = None) -> str:
    """'count' → 'Nombre de lignes', ('sum', 'Montant') → 'Somme de « Montant »'."""
    template = AGGREGATE_LABELS.get(function, f"{function} de « {{}} »")
    return template.format(column or "")


def aggregation_title(aggregate_labels: list[str], group_by: list[str]) -> str:
    """'Nombre de lignes par « theme »'."""
    grouped = ", ".join(f"« {column} »" for column in group_by)
    return f"{aggregate_labels[0]} par {grouped}" if grouped else aggregate_labels[0]

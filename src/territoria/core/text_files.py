"""The NUL character in imported text: one rule for every importer of the platform.

A NUL (byte 0) never belongs in a CSV, GeoJSON or text export: it is the mark of a binary file
or of an export saved in UTF-16, whose ASCII letters decode as UTF-8 with a NUL between each.
PostgreSQL refuses it in any text column, so an import that let it through would die on a
database error halfway (SQLite would store it silently). Each importer checks the decoded text
(`nul_problem`, or `nul_position` when it words the place itself)
and refuses the file in its own error type, before writing anything (opendata scans the bytes
of a CSV, and the converted Parquet of JSON and Parquet uploads). In JSON a NUL can also
hide behind a valid `\\u0000` escape: `nul_json_problem` checks the parsed document.
"""

NUL = "\x00"
NUL_MESSAGE = (
    "caractère nul (octet 0) : le fichier n'est pas un texte ordinaire (fichier binaire, ou "
    "export enregistré en UTF-16 ?) ; enregistrez-le en CSV UTF-8"
)


def nul_position(text: str) -> tuple[int, int] | None:
    """(line, column) of the first NUL character, both from 1; None when there is none."""
    index = text.find(NUL)
    if index < 0:
        return None
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def nul_problem(text: str) -> str | None:
    """The French message for the first NUL of `text` with its line and character, or None."""
    position = nul_position(text)
    if position is None:
        return None
    return f"ligne {position[0]}, caractère {position[1]} : {NUL_MESSAGE}"


def nul_path(value, path: str = "") -> str | None:
    """Where the first text holding a NUL sits in parsed JSON (`features[3].properties.nom`),
    or None: a `\\u0000` escape is valid JSON, so the text check cannot see it."""
    if isinstance(value, str):
        return (path or "(racine)") if NUL in value else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        where = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else key
        if NUL in where:  # the key itself
            return where.replace(NUL, "\\u0000")
        if found := nul_path(item, where):
            return found
    return None


def nul_json_problem(data) -> str | None:
    """The French message for the first NUL in parsed JSON, with its place, or None."""
    where = nul_path(data)
    if where is None:
        return None
    return (
        f"{where} : caractère nul (\\u0000) dans un texte, que la base refuse : "
        "retirez-le du fichier"
    )

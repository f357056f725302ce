"""What the public SQL endpoint accepts: exactly one read-only SELECT (or WITH … SELECT).

This is the first of three locks; the connection itself is also read-only on the published
Parquet files only (no file system, no extensions, configuration locked), and a watchdog
interrupts it past the time limit (see duckdb_engine.sandboxed_connection)."""

import json

import duckdb

from territoria.opendata.query.base import QueryError

STATEMENT_NAMES = {
    "INSERT": "écrire (INSERT)",
    "UPDATE": "modifier (UPDATE)",
    "DELETE": "supprimer (DELETE)",
    "CREATE": "créer un objet (CREATE)",
    "DROP": "supprimer un objet (DROP)",
    "COPY": "lire ou écrire des fichiers (COPY)",
    "ATTACH": "ouvrir une autre base (ATTACH)",
    "DETACH": "détacher une base (DETACH)",
    "LOAD": "charger ou installer une extension",
    "PRAGMA": "changer la configuration (PRAGMA)",
    "SET": "changer la configuration (SET)",
    "VARIABLE_SET": "changer la configuration (SET)",
    "EXPORT": "exporter la base (EXPORT)",
    "ALTER": "modifier un objet (ALTER)",
    "TRANSACTION": "ouvrir une transaction",
    "CALL": "appeler une procédure (CALL)",
    "EXPLAIN": "EXPLAIN",
}


def check_read_only(query: str) -> str:
    """The single SELECT statement of `query`, or QueryError naming what was refused."""
    if not query or not query.strip():
        raise QueryError("Requête SQL vide : écrivez une requête SELECT.")
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as error:
        raise QueryError(f"Requête SQL invalide : {_first_line(error)}") from None
    if len(statements) != 1:
        raise QueryError(
            f"Une seule requête à la fois ({len(statements)} trouvées, séparées par « ; »).",
            kind="forbidden",
        )
    statement = statements[0]
    kind = statement.type.name
    if kind != "SELECT":
        action = STATEMENT_NAMES.get(kind, kind)
        raise QueryError(
            f"Refusé : l'accès SQL est en lecture seule, il ne permet pas de "
            f"{action}. Seules les requêtes SELECT (ou WITH … SELECT) sont acceptées.",
            kind="forbidden",
        )
    _refuse_introspection(statement.query)
    return statement.query


# Functions that describe the machine rather than the data: settings (allowed_paths holds the
# server's absolute paths), catalogue views (a view's SQL names its Parquet file), environment.
INTROSPECTION_PREFIXES = ("duckdb_", "pragma_")
INTROSPECTION_FUNCTIONS = {"current_setting", "getenv", "which_secret", "glob", "sniff_csv"}


def _refuse_introspection(query: str) -> None:
    con = duckdb.connect(":memory:")
    try:
        (serialised,) = con.execute("SELECT json_serialize_sql(?)", [query]).fetchone()
    finally:
        con.close()
    names = {name.lower() for name in _function_names(json.loads(serialised))}
    refused = sorted(
        n for n in names if n in INTROSPECTION_FUNCTIONS or n.startswith(INTROSPECTION_PREFIXES)
    )
    if refused:
        raise QueryError(
            f"Refusé : l'accès SQL lit les tables publiées, pas la configuration du serveur "
            f"({', '.join(refused)}).",
            kind="forbidden",
        )


def _function_names(node) -> list[str]:
    if isinstance(node, dict):
        found = [node["function_name"]] if isinstance(node.get("function_name"), str) else []
        return found + [name for value in node.values() for name in _function_names(value)]
    if isinstance(node, list):
        return [name for value in node for name in _function_names(value)]
    return []


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0]

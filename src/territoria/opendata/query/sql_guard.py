"""What the public SQL endpoint accepts: exactly one read-only SELECT (or WITH … SELECT).

This is the first of three locks; the connection itself is also read-only on the published
Parquet files only (no file system, no extensions, configuration locked), and a watchdog
interrupts it past the time limit (see duckdb_engine.sandboxed_connection)."""

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
    return statement.query


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0]

"""The `territoria` command: Django's management commands under the platform's name.

Every sub-command (serve, migrate, import, export, createadmin, load_demo, …) is a
Django management command, so the CLI, the Makefile and the tests share one code path.

Two things happen here, before the command runs, and nowhere at import time:
- the commands that set up or start the platform prepare the data folder (created, with a
  secret key kept in it unless TERRITORIA_SECRET_KEY is set): territoria/datadir.py;
- a command that needs the database, run on a database that is not migrated (a new data
  folder, or code newer than the schema), stops with a clear message instead of failing
  on its first query with "no such table".
"""

import os
import sys

# Sub-commands that prepare the data folder first (the explicit step of setting it up).
PREPARING = {
    "setup",
    "migrate",
    "serve",
    "run",
    "worker",
    "scheduler",
    "runserver",
    "load_demo",
    "db_worker",
    "createadmin",
    "vendor_assets",  # run by `make install`, before any migration
    "restore",  # into a fresh data folder: docs/deployment.md
}
# Sub-commands that work without a migrated database (or bring it up to date themselves).
WITHOUT_SCHEMA = {
    "setup",
    "migrate",
    "makemigrations",
    "showmigrations",
    "sqlmigrate",
    "squashmigrations",
    "check",
    "help",
    "version",
    "collectstatic",
    "vendor_assets",
    "findstatic",
    "diffsettings",
    "shell",
    "dbshell",
    "test",
    "flush",
    "restore",  # brings back the archived schema, then migrates it
}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "territoria.settings")
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "territoria"
    subcommand = argv[1] if len(argv) > 1 else "help"
    if subcommand in PREPARING:
        from territoria.datadir import prepare_data_dir

        prepare_data_dir()
    if subcommand not in WITHOUT_SCHEMA and not subcommand.startswith("-"):
        from django.core.exceptions import ImproperlyConfigured

        try:
            stop_if_not_migrated()
        except ImproperlyConfigured as error:  # e.g. a data folder never prepared
            sys.stderr.write(f"{error}\n")
            sys.exit(2)
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


def stop_if_not_migrated() -> None:
    from pathlib import Path

    import django
    from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
    from django.db.migrations.executor import MigrationExecutor

    django.setup()
    connection = connections[DEFAULT_DB_ALIAS]
    where = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite" and not Path(where).exists():
        # Not even created: say so, without creating an empty database file as a side effect.
        _stop(f"La base de données {where} n'existe pas encore.")
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        _stop(f"La base de données ({where}) est injoignable : {error}.")
    if pending:
        _stop(f"La base de données ({where}) n'est pas à jour : {len(pending)} migration(s).")


def _stop(problem: str) -> None:
    sys.stderr.write(f"{problem} Lancez d'abord `territoria migrate` (ou `make demo`).\n")
    sys.exit(2)


if __name__ == "__main__":
    main()

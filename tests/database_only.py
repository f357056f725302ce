"""`--database-tests-only`: the PostgreSQL run keeps only the tests that reach a database.

`make test` runs the whole suite on SQLite, then again on PostgreSQL. A test that uses no
database fixture cannot reach one (pytest-django refuses the access), so its second run would
repeat the first to the bit: the option deselects it. Tests marked `integration` stay, since
they talk to an external service on purpose (a subprocess given the PostgreSQL URL, say).
"""

from __future__ import annotations

DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


def pytest_addoption(parser):
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="ne garder que les tests qui utilisent la base (passe PostgreSQL de make test)",
    )


def reaches_database(item) -> bool:
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool(
        fixtures & DATABASE_FIXTURES
        or item.get_closest_marker("django_db")
        or item.get_closest_marker("integration")
    )


def pytest_collection_modifyitems(config, items):
    if not config.getoption("--database-tests-only"):
        return
    kept = [item for item in items if reaches_database(item)]
    deselected = [item for item in items if not reaches_database(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept

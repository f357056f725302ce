"""User SQL runs in a child process capped in memory and time (issue 11, H3): a hostile
query is stopped with a French message, the server's own memory does not grow, and the next
query is answered."""

from pathlib import Path

import pytest
from django.urls import reverse

from territoria.opendata.query.base import QueryError

SQL_API = "/api/opendata/sql/"
# A list aggregate cannot spill to disk: it needs gigabytes, whatever DuckDB's own limit.
HOSTILE = "SELECT list(repeat('x', 100)) AS l FROM range(20000000)"


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_hostile_query_is_stopped_and_the_server_keeps_its_memory(api_client, db, settings):
    settings.OPENDATA_SQL_PROCESS_MEMORY_MB = 256
    settings.OPENDATA_QUERY_TIMEOUT_S = 60  # the memory cap is under test, not the deadline
    api_client.get(SQL_API, {"sql": "SELECT 1"})  # the fork server is started
    before = _rss_mb()
    response = api_client.get(SQL_API, {"sql": HOSTILE})
    assert response.status_code == 413, response.content
    body = response.json()
    assert body["kind"] == "memory"
    assert "256 Mo de mémoire" in body["error"] and "Le service reste disponible" in body["error"]
    assert _rss_mb() - before < 50, f"{before:.0f} → {_rss_mb():.0f} Mo"
    answer = api_client.get(SQL_API, {"sql": "SELECT 41 + 1 AS n"})
    assert answer.status_code == 200 and answer.json()["rows"] == [[42]]


def test_hostile_query_in_the_console_gets_a_french_message(client, db, settings):
    settings.OPENDATA_SQL_PROCESS_MEMORY_MB = 256
    settings.OPENDATA_QUERY_TIMEOUT_S = 60
    html = client.get(reverse("opendata:sql"), {"sql": HOSTILE}).content.decode()
    assert "La requête a été arrêtée" in html and "256 Mo" in html
    assert "Out of Memory" not in html and "bad allocation" not in html
    ok = client.get(reverse("opendata:sql"), {"sql": "SELECT 7 AS n"}).content.decode()
    assert "La requête a été arrêtée" not in ok


def test_stopped_query_leaves_no_work_files(db, settings, tmp_path):
    settings.OPENDATA_DIR = tmp_path
    from territoria.opendata import querying

    assert querying.sql("SELECT 1 AS n").rows == [[1]]
    # The spill folder of each child is removed when it ends, even when it was stopped.
    settings.OPENDATA_SQL_PROCESS_MEMORY_MB = 128
    with pytest.raises(QueryError):
        querying.sql(HOSTILE)
    assert list((tmp_path / "tmp").iterdir()) == []


def test_timeout_kills_the_child(api_client, db, settings):
    settings.OPENDATA_QUERY_TIMEOUT_S = 1
    endless = (
        "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT count(*) FROM t"
    )
    response = api_client.get(SQL_API, {"sql": endless})
    assert response.status_code == 408 and "1 secondes" in response.json()["error"]
    import multiprocessing

    assert [p for p in multiprocessing.active_children() if p.is_alive()] == []

"""User SQL cannot take the server down (finding H3): result size and rows capped before
serialising, the deadline on the whole query, a bounded pool, the console throttled."""

import threading
import time

from django.urls import reverse

from territoria.opendata.query.base import QueryError

SQL_API = "/api/opendata/sql/"
# 200 MB of text if serialised: well past the 5 MB budget, yet light enough for a loaded CI
# machine (the audit's 1 GB query is the same shape; its timing is a benchmark's business).
HUGE = "SELECT repeat('y', 40000) AS s FROM range(5000)"
ENDLESS = "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT count(*) FROM t"


def test_api_huge_result_is_cut_quickly_with_a_clear_message(api_client, db, settings):
    settings.OPENDATA_SQL_MAX_RESULT_MB = 5
    settings.OPENDATA_QUERY_TIMEOUT_S = 60  # the cut is under test here, not the deadline
    response = api_client.get(SQL_API, {"sql": HUGE})
    assert response.status_code == 200
    body = response.json()
    assert body["truncated"] is True and "dépasse 5 Mo" in body["notice"]
    assert 0 < len(body["rows"]) <= 5 * 1024 * 1024 // 40000  # what 5 MB holds of 40 kB rows
    assert len(response.content) < 6 * 1024 * 1024


def test_api_row_cap_is_said(api_client, db, settings):
    settings.OPENDATA_SQL_MAX_ROWS = 100
    body = api_client.get(SQL_API, {"sql": "SELECT * FROM range(1000)"}).json()
    assert len(body["rows"]) == 100 and body["truncated"] is True
    assert "100 premières lignes" in body["notice"]
    exact = api_client.get(SQL_API, {"sql": "SELECT * FROM range(100)"}).json()
    assert len(exact["rows"]) == 100 and exact["truncated"] is False and exact["notice"] == ""


def test_api_recursive_query_is_interrupted_at_the_deadline(api_client, db, settings):
    settings.OPENDATA_QUERY_TIMEOUT_S = 1
    started = time.perf_counter()
    response = api_client.get(SQL_API, {"sql": ENDLESS})
    elapsed = time.perf_counter() - started
    assert response.status_code == 408 and "1 secondes" in response.json()["error"]
    assert elapsed < 4, f"{elapsed:.1f} s"


def test_api_overload_gets_503_with_retry_after(api_client, db, settings):
    settings.OPENDATA_SQL_CONCURRENCY = 1
    settings.OPENDATA_SQL_QUEUE_WAIT_S = 0.2
    settings.OPENDATA_QUERY_TIMEOUT_S = 3
    from territoria.opendata import querying

    errors = []

    def long_query():
        try:
            querying.sql(ENDLESS)
        except QueryError as error:  # the expected timeout
            errors.append(error)

    running = threading.Thread(target=long_query)
    running.start()
    time.sleep(0.5)  # the only slot is taken
    busy = api_client.get(SQL_API, {"sql": "SELECT 1"})
    running.join()
    assert busy.status_code == 503 and int(busy["Retry-After"]) > 0
    assert "Réessayez" in busy.json()["error"] and busy.json()["kind"] == "busy"
    assert errors and errors[0].kind == "timeout"
    assert api_client.get(SQL_API, {"sql": "SELECT 1"}).status_code == 200  # slot given back


def test_page_console_is_rate_limited_like_the_api(client, db, settings):
    settings.OPENDATA_ANON_RATE = "3/min"
    codes = [client.get(reverse("opendata:sql"), {"sql": "SELECT 1"}) for _ in range(4)]
    assert [r.status_code for r in codes] == [200, 200, 200, 429]
    assert int(codes[-1]["Retry-After"]) > 0
    assert "Trop de requêtes" in codes[-1].content.decode()
    assert client.get(reverse("opendata:sql")).status_code == 200  # the empty console stays


def test_page_console_cuts_a_huge_result_and_says_why(client, db, settings):
    settings.OPENDATA_QUERY_TIMEOUT_S = 60  # the cut is under test here, not the deadline
    response = client.get(reverse("opendata:sql"), {"sql": HUGE})
    assert response.status_code == 200
    assert len(response.content) < 6 * 1024 * 1024
    assert "Résultat tronqué" in response.content.decode()

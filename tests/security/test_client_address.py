"""Per-address rate limits count the real client, not a header the client writes.

DRF's throttles read `X-Forwarded-For` as the client's address unless told how many proxies
stand in front (`NUM_PROXIES`): an anonymous caller sending a new made-up value with each
request got a fresh counter each time and was never limited. `TERRITORIA_NUM_PROXIES` (0 by
default: the socket's address) says how many trusted proxies append to that header.
"""

import pytest
from django.core.cache import caches
from rest_framework.settings import api_settings


@pytest.fixture
def tight_anonymous_rate(settings, tmp_path):
    settings.OPENDATA_ANON_RATE = "3/min"
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": str(tmp_path),
        },
    }
    caches["ratelimit"].clear()


def _statuses(client, forwarded_for):
    return [
        client.get("/api/opendata/datasets/", HTTP_X_FORWARDED_FOR=value).status_code
        for value in forwarded_for
    ]


def test_anonymous_rate_limit_ignores_made_up_forwarded_for(client, db, tight_anonymous_rate):
    statuses = _statuses(client, [f"203.0.113.{n}" for n in range(6)])
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429, 429]


def test_behind_one_proxy_the_address_it_appends_is_counted(
    client, db, tight_anonymous_rate, monkeypatch
):
    monkeypatch.setattr(api_settings, "NUM_PROXIES", 1)
    # The proxy appends the socket address it saw: two real clients, each with made-up values.
    first = _statuses(client, [f"10.9.9.{n}, 198.51.100.1" for n in range(4)])
    second = _statuses(client, ["198.51.100.2"])
    assert first == [200, 200, 200, 429]
    assert second == [200]

"""The crawl, on open data: what is not published never reaches a reader, by any route.

The anonymous and other-organisation crawls are the platform's (test_no_restricted_leak.py:
open data declares its canaries, `territoria.opendata.canaries`); this file keeps the
open-data-only checks.

Canaries (distinctive values) hide in what only the producing organisation may see: a version
in review, the columns dropped at publication (also in a preview stored before publish()
cleaned it), a dataset never published, a resource never published in a published dataset.
Every open-data route (pages, API, downloads, SQL console, DCAT) is requested with the ids of
those objects and every same-host link is followed, as an anonymous reader and as the agent of
another organisation; no response may hold a canary. The positive control: the same crawl as
the producing organisation's agent finds the canaries (they really are reachable to those who
may see them, so the crawl would notice a leak).
"""

import logging

import pytest
from django.test import Client

from territoria.opendata.canaries import OpenDataWorld
from territoria.opendata.models import ResourceVersion
from tests.security.crawl import Crawler, walk

TAG = "7f3a"


def needle(name: str) -> str:
    return f"LEAK{name}{TAG}"


def canary(name: str) -> str:
    return needle(f"od{name}")


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.OPENDATA_DIR = tmp_path / "opendata"
    (settings.OPENDATA_DIR / "tmp").mkdir(parents=True)
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)  # expected 404s would flood the output
    yield
    logger.setLevel(level)


@pytest.fixture
def world(db):
    return OpenDataWorld(needle)


def _crawl(client, world: OpenDataWorld):
    routes = [r for r in walk() if r.name.startswith("opendata:")]
    crawler = Crawler(client, world.pool(), [{"q": "LEAK"}, {"format": "json"}], max_requests=1500)
    result = crawler.crawl(routes, seeds=world.seeds())
    return crawler, result


def _leaks(crawler, world):
    return [f"{world.needles[n]} ({n}) at {url}" for n, url in crawler.leaks(list(world.needles))]


def test_producer_crawl_finds_the_canaries(world):
    """Positive control: the organisation's agent reaches what is under review, so the crawl
    above would report it if a reader could. The dropped column is read by nobody after
    publication; its canary is checked in the stored row the cleaning must hide."""
    client = Client(raise_request_exception=False)
    client.force_login(world.agent)
    crawler, _ = _crawl(client, world)
    found = {needle for needle, _ in crawler.leaks(list(world.needles))}
    expected = set(world.needles) - {canary("dropped").lower()}
    assert found == expected, f"canaries the producer did not find: {expected - found}"
    stored = ResourceVersion.objects.get(pk=world.published.pk).preview
    assert canary("dropped").lower() in str(stored)

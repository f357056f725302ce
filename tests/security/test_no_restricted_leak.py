"""The crawl: restricted data never reaches an anonymous reader, by any route, of any module.

Every module that declares `leak_canaries` (core/modules.py) plants records whose restricted
fields, private objects and history hold DISTINCTIVE values ("LEAK…7f3a"); then, as an
anonymous reader, every URL pattern of the project is requested with the ids of those
objects and with the query parameters of filters, search and exports, every same-host link
of the pages is followed, and no response may contain any distinctive value. Positive
control: each module's witness (a user allowed to read them) does find every value.
Restricted vocabulary fields cannot hold a distinctive text: they are checked by twins (two
records with the same public values and different restricted values) whose pages must not
differ in those labels, and restricted filters must not change which twin a list shows.

The routes are discovered from the URLconf and the planted values from the modules, so a
module added by anyone is crawled without editing this test.
"""

import logging
import uuid
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

from territoria.core.modules import Canaries, canary_planters
from tests.security.crawl import CONTROL_TOKEN, Crawler, walk

TAG = "7f3a"
OTHER_TAG = "9b2c"  # the same tokens with this tag are held by no record: the search control


def twin_token(needle: str) -> str:
    """The echo control of a needle: the same token with the other tag (held by no record),
    else the generic control token."""
    return needle.replace(TAG, OTHER_TAG) if TAG in needle else CONTROL_TOKEN


def needle(name: str, suffix: str = "") -> str:
    """One alphanumeric token: survives HTML/JSON escaping, highlighting and tokenisation."""
    return f"LEAK{name.replace('_', '')}{suffix}{TAG}"


@dataclass
class LeakWorld:
    """What every module planted, by app label."""

    planted: dict[str, Canaries]

    def gather(self, attribute: str) -> list:
        return [item for c in self.planted.values() for item in getattr(c, attribute)]

    @property
    def needles(self) -> dict[str, str]:
        return {value: where for c in self.planted.values() for value, where in c.needles.items()}

    def id_pool(self) -> list[str]:
        generic = ["json", "csv", "xlsx", "ods", "geojson", "parquet", "atom", "rss", "tous"]
        return [*dict.fromkeys(self.gather("ids")), str(uuid.uuid4()), *generic, "1", "0"]


GENERIC_LIST_VARIANTS = [
    {"q": "LEAK"},
    {"q": TAG},
    {"format": "json"},
    {"format": "csv"},
    {"format": "xlsx"},
    {"format": "geojson"},
    {"format": "ods"},
    {"champs": "tous"},
    {"champs": "tous", "format": "csv"},
    {"champs": "tous", "format": "xlsx"},
    {"fields": "all"},
    {"export": "csv"},
    {"page": "2"},
]
GENERIC_DETAIL_VARIANTS = [
    {"format": "json"},
    {"format": "csv"},
    {"format": "xlsx"},
    {"champs": "tous"},
    {"champs": "tous", "format": "csv"},
    {"q": "LEAK"},
]


@pytest.fixture(autouse=True)
def quiet_request_log():
    """Thousands of expected 401/403/404 would flood the output."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture
def world(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return LeakWorld({label: plant(needle) for label, plant in canary_planters()})


def routes():
    return list(walk())


def test_every_module_with_restricted_data_plants_canaries(world):
    """The register, open data, the assistant and the fixture module (tests/fixture_module)
    plant by declaring themselves."""
    assert {"registre", "opendata", "assistant", "fixture_module"} <= set(world.planted)
    for label, canaries in world.planted.items():
        assert canaries.needles and canaries.proof and canaries.witness, label
        assert any(TAG in value for value in canaries.needles), label  # made by needle()


def test_anonymous_crawl_finds_no_restricted_value(world):
    all_routes = routes()
    crawler = Crawler(
        Client(raise_request_exception=False),
        world.id_pool(),
        GENERIC_LIST_VARIANTS + world.gather("list_variants"),
        GENERIC_DETAIL_VARIANTS + world.gather("detail_variants"),
        focus=world.gather("focus"),
        max_requests=30000,  # every module's routes: the crawl stops when the links run out
    )
    # must_visit pages are requested whatever the links lead to: their leaks are always checked.
    seeds = ["/", "/api/schema/?format=json", *world.gather("seeds"), *world.gather("must_visit")]
    result = crawler.crawl(all_routes, seeds=seeds)

    # It really crawled: the routes of the URLconf and the register's known ones.
    assert len([r for r in all_routes if not r.is_admin]) >= 10
    assert len(result.routes_requested) >= 12, sorted(result.routes_requested)
    assert len(result.visited) >= 200
    assert len(result.visited) < crawler.max_requests, (
        "request budget exhausted before the links were all followed"
    )
    for url in ["/api/schema/", *world.gather("must_visit")]:
        assert url in result.visited, f"the crawl never requested {url}"

    # Every problem is listed at once, so one failure does not hide another.
    problems = []
    unfillable_app = [r for r in result.unfillable if not r.startswith("/admin/")]
    if unfillable_app:
        problems.append(f"routes the crawl cannot fill (extend id_pool): {unfillable_app}")
    problems += [
        f"restricted value reached an anonymous reader: {world.needles[n]} ({n}) at {url}"
        for n, url in crawler.leaks(list(world.needles), control_of=twin_token)
    ]
    # Twins: a page about twin A must not show A's restricted labels more than twin B's page does.
    for twin in world.gather("twins"):
        for url_a, text_a in result.texts.items():
            if twin.id_a not in url_a:
                continue
            text_b = result.texts.get(url_a.replace(twin.id_a, twin.id_b))
            if text_b is None:
                continue
            for name, (label_a, label_b) in twin.labels.items():
                if text_a.count(label_a) > text_b.count(label_a) and text_b.count(
                    label_b
                ) > text_a.count(label_b):
                    problems.append(
                        f"restricted vocabulary field {name} shown to anonymous readers at {url_a}"
                    )
    errors = sorted(url for url, status in result.visited.items() if status >= 500)
    problems += [f"server error (bad input must give a French 4xx): {url}" for url in errors[:30]]
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)


@pytest.mark.slow
def test_other_organisations_agents_find_no_restricted_value(world):
    """Each module's outsider (an agent of another organisation) crawls from the module's seeds
    and the witness's: signed in, they still must not reach that module's values. (Only the
    module's own: the register's restricted fields are readable by every agent, by its rule.)"""
    outsiders = {label: c for label, c in world.planted.items() if c.outsider is not None}
    assert {"opendata", "assistant"} <= set(outsiders)
    problems = []
    for label, canaries in outsiders.items():
        client = Client(raise_request_exception=False)
        client.force_login(canaries.outsider)
        crawler = Crawler(
            client,
            world.id_pool(),
            [{"q": "LEAK"}, {"format": "json"}, {"format": "csv"}],
            [{"format": "json"}],
            focus=canaries.focus,
            max_requests=2500,
        )
        result = crawler.crawl(
            [r for r in routes() if not r.is_admin],
            seeds=[*canaries.seeds, *canaries.witness_seeds],
        )
        assert len(result.visited) >= 20, label
        problems += [
            f"{label}: {canaries.needles[n]} ({n}) reached another organisation's agent at {url}"
            for n, url in crawler.leaks(list(canaries.needles), control_of=twin_token)
        ]
        errors = sorted(url for url, status in result.visited.items() if status >= 500)
        problems += [f"{label}: server error {url}" for url in errors[:10]]
    assert not problems, "\n".join(problems)


def test_restricted_filters_are_no_oracle_for_anonymous_readers(world):
    """Filtering on a restricted field must not tell which twin has which value."""
    client = Client(raise_request_exception=False)
    list_routes = [r for r in routes() if not r.params and not r.is_admin]
    oracles = []
    twins = world.gather("twins")
    assert twins, "no module planted twins: this test would prove nothing"
    for route in list_routes:
        for twin in twins:
            for param, (value_a, value_b) in twin.filters.items():
                with_a = client.get(route.template, {param: value_a})
                with_b = client.get(route.template, {param: value_b})
                if (
                    with_a.status_code != 200
                    or with_b.status_code != 200
                    or getattr(with_a, "streaming", False)
                ):
                    continue
                text_a, text_b = (
                    with_a.content.decode(errors="replace"),
                    with_b.content.decode(errors="replace"),
                )
                if (
                    twin.name_a in text_a
                    and twin.name_b not in text_a
                    and twin.name_b in text_b
                    and twin.name_a not in text_b
                ):
                    oracles.append(f"{route.template}?{param}=…")
    assert not oracles, f"restricted filters applied for anonymous readers: {oracles}"


def test_restricted_text_is_no_search_oracle_for_anonymous_readers(world):
    """Searching a restricted value must not find the record for an anonymous reader (its name
    would reveal the value even if the snippet hides it). Each query has a control: the same token
    with another tag, which no record holds — semantic search ranks both alike, words do not."""
    client = Client(raise_request_exception=False)
    probes = world.gather("search_probes")
    assert probes, "no module planted search probes: this test would prove nothing"
    oracles = []
    for route in [r for r in routes() if not r.params and not r.is_admin]:
        for param in ("q", "search", "recherche"):
            probe = client.get(route.template, {param: CONTROL_TOKEN})
            if probe.status_code != 200 or getattr(probe, "streaming", False):
                continue
            for search in probes:
                # Words only (routes that take a `mode`): a vector search returns neighbours for
                # any query, and two unknown tokens get different ones; access tokens mask the
                # vectors before scoring, so the oracle to catch is the lexical one.
                found = client.get(route.template, {param: search.token, "mode": "lexical"})
                if found.status_code != 200 or search.name not in found.content.decode(
                    errors="replace"
                ):
                    continue  # not found: no oracle, whatever the control would show
                control = client.get(
                    route.template,
                    {param: search.token.replace(TAG, OTHER_TAG), "mode": "lexical"},
                )
                if search.name not in control.content.decode(errors="replace"):
                    oracles.append(f"{route.template}?{param}={search.token}")
    assert not oracles, (
        f"a search on restricted text finds the record for anonymous readers: {oracles}"
    )


def test_witnesses_do_see_the_values(world):
    """Positive control: the values are really there; each module's witness reads them."""
    for label, canaries in world.planted.items():
        client = Client(raise_request_exception=False)
        client.force_login(canaries.witness)
        crawler = Crawler(
            client,
            world.id_pool(),
            [],
            [{"champs": "tous"}],
            focus=canaries.focus,
            max_requests=2500,
        )
        # The twins' pages first (their labels are checked below), then until every proof is read.
        result = crawler.crawl(
            [r for r in routes() if not r.is_admin],
            seeds=[t.witness_url for t in canaries.twins if t.witness_url] + canaries.witness_seeds,
            until=canaries.proof,
        )
        seen = "\n".join(result.texts.values()).lower()
        missing = [f"{canaries.needles[n]} ({n})" for n in canaries.proof if n.lower() not in seen]
        assert not missing, f"{label}: the witness never saw: {missing}"
        for twin in canaries.twins:  # restricted labels reach a reader who may see them
            for label_a, _label_b in twin.labels.values():
                assert label_a in result.texts[twin.witness_url], (label, label_a)


def test_admin_and_account_routes_are_closed_to_anonymous(world):
    client = Client(raise_request_exception=False)
    closed = {name for name in world.gather("closed_routes")}
    assert all(reverse(name) for name in closed)  # a renamed route must not silently pass
    for route in routes():
        if not (route.is_admin or route.name in closed):
            continue
        if route.params or route.name in ("admin:login", "admin:logout"):  # public by nature
            continue
        response = client.get(route.template)
        assert response.status_code in (301, 302, 401, 403, 404, 405), (
            route.template,
            response.status_code,
        )
        if response.status_code in (301, 302):
            assert "login" in response["Location"] or "connexion" in response["Location"], (
                route.template
            )

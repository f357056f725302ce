"""The crawl, on open data: what is not published never reaches a reader, by any route.

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
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from territoria.core.models import Role, User
from territoria.opendata import publishing
from territoria.opendata.models import Dataset, Resource, ResourceVersion, VersionStatus
from territoria.registre.factories import OrganisationFactory
from tests.security.crawl import Crawler, walk

TAG = "7f3a"


def canary(name: str) -> str:
    return f"LEAKod{name}{TAG}"


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


def _receive(resource: Resource, text: str) -> ResourceVersion:
    version = publishing.receive_file(
        resource, SimpleUploadedFile("donnees.csv", text.encode()), "donnees.csv"
    )
    assert version.status == VersionStatus.REVIEW, version.error
    return version


class OpenDataWorld:
    def __init__(self):
        self.needles: dict[str, str] = {}
        self.org = OrganisationFactory(name="Ville de Fuiteville")
        self.other_org = OrganisationFactory(name="Communauté Témoin")
        self.agent = User.objects.create_user(
            "od-agent", password="motdepasse-test-1", role=Role.AGENT, organisation=self.org
        )
        self.other_agent = User.objects.create_user(
            "od-autre", password="motdepasse-test-1", role=Role.AGENT, organisation=self.other_org
        )
        self.dataset = Dataset.objects.create(
            title="Subventions publiques", description="Publié.", organisation=self.org
        )
        self.resource = Resource.objects.create(dataset=self.dataset, title="Montants")
        # v1: published, its e-mail column dropped.
        dropped = f"{canary('dropped').lower()}@example.org"
        v1 = _receive(self.resource, f"nom;montant;courriel\nAsso A;10;{dropped}\nAsso B;20;x\n")
        blockers = publishing.request_publication(
            v1, drop=["courriel"], confirmed=[f["column"] for f in v1.personal_data]
        )
        assert not blockers, blockers
        v1.refresh_from_db()
        assert v1.status == VersionStatus.PUBLISHED, v1.error
        self.hide(canary("dropped").lower(), "column dropped at publication")
        # A preview stored before publish() cleaned it still holds the dropped column.
        ResourceVersion.objects.filter(pk=v1.pk).update(preview=[["Asso A", 10, dropped]])
        self.published = v1
        # v2: in review, with rows and a flagged e-mail column.
        review_mail = f"{canary('reviewmail').lower()}@example.org"
        self.review = _receive(
            self.resource, f"nom;montant;courriel\n{canary('reviewrow')};30;{review_mail}\n"
        )
        self.hide(canary("reviewrow"), "row of a version in review")
        self.hide(canary("reviewmail").lower(), "personal data of a version in review")
        # A resource never published in the published dataset.
        self.draft_resource = Resource.objects.create(
            dataset=self.dataset, title=f"Brouillon {canary('draftresource')}"
        )
        self.draft_version = _receive(self.draft_resource, f"a;b\n{canary('draftrow')};1\n")
        self.hide(canary("draftresource"), "title of a resource never published")
        self.hide(canary("draftrow"), "row of a resource never published")
        # A dataset never published.
        self.hidden = Dataset.objects.create(
            title=f"Jeu {canary('hiddentitle')}",
            description=f"Description {canary('hiddendesc')}",
            organisation=self.org,
        )
        self.hidden_resource = Resource.objects.create(dataset=self.hidden, title="Ressource")
        self.hidden_version = _receive(self.hidden_resource, f"a;b\n{canary('hiddenrow')};1\n")
        self.hide(canary("hiddentitle"), "title of a dataset never published")
        self.hide(canary("hiddendesc"), "description of a dataset never published")
        self.hide(canary("hiddenrow"), "row of a dataset never published")

    def hide(self, value: str, where: str) -> None:
        self.needles[value] = where

    def pool(self) -> list[str]:
        versions = [self.published, self.review, self.draft_version, self.hidden_version]
        resources = [self.resource, self.draft_resource, self.hidden_resource]
        return (
            [str(v.pk) for v in versions]
            + [str(r.pk) for r in resources]
            + [self.dataset.slug, self.hidden.slug]
            + [r.slug for r in resources]
            + [r.table_name for r in resources]
            + ["csv", "json", "parquet", "1", "2"]
        )

    def seeds(self) -> list[str]:
        urls = ["/donnees/", "/donnees/catalogue.jsonld", "/api/opendata/datasets/"]
        for dataset in (self.dataset, self.hidden):
            urls += [f"/donnees/{dataset.slug}/", f"/api/opendata/datasets/{dataset.slug}/"]
        for resource in (self.resource, self.draft_resource, self.hidden_resource):
            base = f"/donnees/{resource.dataset.slug}/{resource.slug}/"
            urls += [base, f"{base}versions/1/", f"{base}versions/2/"]
            urls.append(f"/api/opendata/resources/{resource.pk}/")
            urls.append(f"/api/opendata/tables/{resource.table_name}/rows/?version=2")
            for fmt in ("csv", "json", "parquet"):
                urls.append(f"/api/opendata/tables/{resource.table_name}/download.{fmt}?version=2")
            urls.append(f"/donnees/sql/?sql=SELECT%20*%20FROM%20{resource.table_name}")
            urls.append(f"/api/opendata/sql/?sql=SELECT%20*%20FROM%20{resource.table_name}")
        for version in (self.published, self.review, self.draft_version, self.hidden_version):
            urls.append(f"/api/opendata/versions/{version.pk}/")
        urls += [f"/donnees/?q={canary('hiddentitle')}", "/api/opendata/datasets/?q=LEAK"]
        return urls


@pytest.fixture
def world(db):
    return OpenDataWorld()


def _crawl(client, world: OpenDataWorld):
    routes = [r for r in walk() if r.name.startswith("opendata:")]
    crawler = Crawler(client, world.pool(), [{"q": "LEAK"}, {"format": "json"}], max_requests=1500)
    result = crawler.crawl(routes, seeds=world.seeds())
    return crawler, result


def _leaks(crawler, world):
    return [f"{world.needles[n]} ({n}) at {url}" for n, url in crawler.leaks(list(world.needles))]


def test_anonymous_crawl_of_open_data_finds_no_unpublished_value(world):
    crawler, result = _crawl(Client(raise_request_exception=False), world)
    assert len(result.routes_requested) >= 10, sorted(result.routes_requested)
    assert f"/api/opendata/versions/{world.review.pk}/" in result.visited
    leaks = _leaks(crawler, world)
    errors = sorted(url for url, code in result.visited.items() if code >= 500)
    assert not leaks and not errors, "\n".join(leaks + [f"server error: {u}" for u in errors])


def test_other_organisation_crawl_of_open_data_finds_no_unpublished_value(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.other_agent)
    crawler, result = _crawl(client, world)
    assert f"/api/opendata/versions/{world.hidden_version.pk}/" in result.visited
    leaks = _leaks(crawler, world)
    assert not leaks, "\n".join(leaks)


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

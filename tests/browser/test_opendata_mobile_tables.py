"""Open-data tables on a phone (issue 12): a wide table scrolls inside its own region —
focusable, named, with a caption — and the page itself never scrolls sideways."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.support import check_accessibility, screenshot
from tests.opendata.conftest import publish_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}


@pytest.fixture
def wide_dataset(settings, tmp_path, organisation, agent):
    from territoria.opendata.models import Dataset

    settings.OPENDATA_DIR = tmp_path / "opendata"
    (settings.OPENDATA_DIR / "tmp").mkdir(parents=True)
    dataset = Dataset.objects.create(
        title="Équipements sportifs", organisation=organisation, created_by=agent
    )
    header = ",".join(f"caracteristique_{i}" for i in range(12))
    rows = [",".join(f"valeur {r}-{i} assez longue" for i in range(12)) for r in range(5)]
    version = publish_bytes(dataset, "equipements.csv", "\n".join([header, *rows]).encode())
    assert version.status == "published", version.error
    return version


def _page_overflows(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")


def test_wide_tables_scroll_in_a_focusable_region_not_the_page(page, live_server, wide_dataset):
    page.set_viewport_size(PHONE)
    resource = wide_dataset.resource
    urls = [
        resource.get_absolute_url(),
        reverse(
            "opendata:version",
            args=[resource.dataset.slug, resource.slug, wide_dataset.number],
        ),
        reverse("opendata:catalog"),
    ]
    for url in urls:
        page.goto(live_server.url + url)
        assert not _page_overflows(page), f"the page scrolls sideways: {url}"
        for region in page.locator(".od-scroll").all():
            assert region.get_attribute("tabindex") == "0"
            assert region.get_attribute("role") == "region" and region.get_attribute("aria-label")
            expect(region.locator("table > caption")).to_have_count(1)
        check_accessibility(page)
    page.goto(live_server.url + resource.get_absolute_url())
    region = page.get_by_role("region", name="Tableau des données (défilement horizontal)")
    assert region.evaluate("r => r.scrollWidth > r.clientWidth")  # the table is wider
    region.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(region).not_to_have_js_property("scrollLeft", 0)
    region.scroll_into_view_if_needed()
    screenshot(page, "donnees-ouvertes-mobile")

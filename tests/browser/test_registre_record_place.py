"""The record page says where the carrier is, in words and on a map, without raw coordinates
(issue 12)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import check_accessibility, screenshot
from tests.registre.pages_helpers import published_project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_record_page_shows_the_seat_as_a_place_and_a_map(page, live_server, organisation):
    project = published_project(organisation)
    page.goto(live_server.url + project.get_absolute_url())
    row = page.locator(".field-row", has=page.locator("dt", has_text="Siège de l'organisation"))
    expect(row.locator("dd")).to_have_text("Noisy-le-Grand (Seine-Saint-Denis), Île-de-France")
    section = page.get_by_role("region", name=re.compile("Carte du siège de l'organisation"))
    expect(section.locator(".leaflet-marker-icon")).to_have_count(1)
    text = page.locator("main").inner_text()
    assert not re.search(r"48[.,]85|2[.,]56", text), "raw coordinates on the record page"
    check_accessibility(page)
    section.scroll_into_view_if_needed()
    screenshot(page, "fiche-siege")

"""The platform's one map component (core/maps.py, territoria/map.js) shows labels as text.

Names on the maps are published data (an organisation's name, a cell of an open dataset). One
of the two former map scripts built its popups as HTML strings (a stored XSS was fixed there
last session); both maps now go through one script that only ever sets text. A label made of
HTML must show its characters, and its `onerror` must never run, on both maps.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from territoria.core.models import Organisation, OrganisationType
from territoria.opendata.models import Dataset, VersionStatus
from territoria.registre.factories import ProjectFactory
from tests.browser.support import check_accessibility
from tests.browser.test_opendata_journey import _geojson

pytestmark = pytest.mark.browser

PAYLOAD = "<img src=x onerror=window.__xss=1>"


def _open_popup_and_check(page, map_id, label, link=None):
    marker = page.locator(f"#{map_id} .leaflet-marker-icon")
    expect(marker).to_have_count(1)
    expect(marker).to_have_attribute("title", re.compile(re.escape(label)))  # text
    marker.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(label)  # the characters of the tag are shown…
    assert popup.locator("img").count() == 0  # …and no element was made from them
    if link:
        expect(popup.get_by_role("link", name=link)).to_be_visible()
    assert page.evaluate("window.__xss") is None
    # (to_have_css, not wait_for_function: that one evaluates a string, which the CSP refuses)
    expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")
    check_accessibility(page)


def test_register_map_shows_an_html_looking_organisation_name_as_text(page, live_server, settings):
    settings.TERRITORIA_MAP_TILE_URL = ""
    name = f"Commune {PAYLOAD}"
    organisation = Organisation.objects.create(
        name=name,
        siret="21570463300018",
        type=OrganisationType.COMMUNE,
        latitude=49.12,
        longitude=6.18,
    )
    project = f"Projet {PAYLOAD}"
    ProjectFactory(organisation=organisation, nom_projet=project)
    page.goto(live_server.url + reverse("registre:map"))
    expect(page.locator("#carte.leaflet-container")).to_be_visible()
    expect(page.locator("#carte.no-tiles")).to_have_count(1)  # offline fallback, no tiles
    _open_popup_and_check(page, "carte", name, link=project)


def test_open_data_map_shows_an_html_looking_cell_as_text(page, live_server, agent, tmp_path):
    from tests.opendata.conftest import publish_bytes

    dataset = Dataset.objects.create(
        title="Kiosques",
        description="Kiosques de la ville.",
        organisation=agent.organisation,
        created_by=agent,
    )
    label = f"Kiosque {PAYLOAD}"
    path, _ = _geojson(tmp_path, [(label, 4.8357, 45.7640)])
    version = publish_bytes(dataset, path.name, path.read_bytes(), title="Kiosques")
    assert version.status == VersionStatus.PUBLISHED, version.error
    page.goto(live_server.url + version.resource.get_absolute_url())
    expect(page.locator("#od-map.leaflet-container")).to_be_visible()
    _open_popup_and_check(page, "od-map", label)

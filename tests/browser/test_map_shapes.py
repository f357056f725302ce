"""Lines, areas and charts of the shared components, drawn by a real browser (core/maps.py, core/charts.py)."""

import pytest
from playwright.sync_api import expect

from tests.browser.support import check_accessibility

pytestmark = pytest.mark.browser


def test_areas_take_their_palette_colour_lines_are_drawn_and_the_chart_is_an_image(
    page, live_server, settings
):
    settings.TERRITORIA_MAP_TILE_URL = ""
    page.goto(live_server.url + "/temoin/carte/")
    expect(page.locator("#carte.leaflet-container")).to_be_visible()
    shapes = page.locator("#carte path.leaflet-interactive")
    expect(shapes).to_have_count(2)
    # The area is filled with the --scale-7 token of territoria.css (#440154), not a default.
    expect(shapes.first).to_have_attribute("fill", "#440154")
    expect(page.locator(".map-legend")).to_contain_text("Zone prioritaire")
    chart = page.get_by_role("img", name="Débit")
    expect(chart).to_be_visible()
    expect(page.locator(".chart-line.stroke-cat-1")).to_have_count(1)
    check_accessibility(page)

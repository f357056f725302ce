"""The API reference renders in a browser that can reach nothing but the platform."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_api_docs_render_offline_and_contact_no_other_host(page, live_server, db):
    failures = {}
    page.on("requestfailed", lambda request: failures.update({request.url: request.failure}))
    page.goto(live_server.url + "/api/docs/")
    # Redoc renders the schema: the page is not blank (the first schema build can be slow).
    expect(page.get_by_role("heading", name=re.compile("API Territoria"))).to_be_visible(
        timeout=30_000
    )
    expect(page.get_by_text("/api/registre/projets/").first).to_be_attached()
    # Redoc's bundle links its vendor's logo on a CDN: the page's policy stops the browser
    # before any network access (a DNS or connection error would mean it tried).
    outside = {url: why for url, why in failures.items() if not url.startswith(live_server.url)}
    assert all(why == "csp" for why in outside.values()), outside
    assert not [url for url in failures if url.startswith(live_server.url)]

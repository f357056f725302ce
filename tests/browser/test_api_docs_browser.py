"""The API reference renders in a browser that can reach nothing but the platform."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# Redoc's bundle hard-codes its vendor's logo on a CDN (no option turns it off): the one
# refusal of the platform's Content Security Policy this page is allowed.
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@pytest.fixture
def page(chromium_browser):
    """The suite's page, whose CSP check tolerates Redoc's logo and nothing else."""
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = context.new_page()
    blocked = []
    page.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )
    yield page
    context.close()
    assert [m for m in blocked if REDOC_LOGO not in m] == [], blocked[:3]


def test_api_docs_render_offline_and_contact_no_other_host(page, live_server, db):
    failures = {}
    page.on("requestfailed", lambda request: failures.update({request.url: request.failure}))
    page.goto(live_server.url + "/api/docs/")
    # Redoc renders the schema: the page is not blank (the first schema build can be slow).
    expect(page.get_by_role("heading", name=re.compile("API Territoria"))).to_be_visible(
        timeout=30_000
    )
    expect(page.get_by_text("/api/registre/projets/").first).to_be_attached()
    # The logo request is stopped by the page's policy before any network access (a DNS or
    # connection error would mean the browser tried).
    outside = {url: why for url, why in failures.items() if not url.startswith(live_server.url)}
    assert all(why == "csp" for why in outside.values()), outside
    assert not [url for url in failures if url.startswith(live_server.url)]

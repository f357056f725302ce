"""The Content Security Policy is enforced by the browser, and the check of every browser
test (tests/browser/support.py: CSP messages on the console) sees a violation."""

import pytest
from playwright.sync_api import Error

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_injected_inline_script_is_blocked_and_reported(chromium_browser, live_server):
    context = chromium_browser.new_context()
    page = context.new_page()
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(live_server.url + "/")
    try:
        page.add_script_tag(content="window.injecte = true")
    except Error:
        pass  # Playwright may also report the refusal itself
    assert page.evaluate("window.injecte") is None
    assert any("Content Security Policy" in text for text in console), console
    context.close()

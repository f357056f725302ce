"""Browser tests: headless Chromium (Debian's package) driven by Playwright, axe-core for accessibility.

Registered once for the whole suite in tests/conftest.py (pytest_plugins): a second copy of
the session fixture, imported into another folder's conftest, would open a second Playwright
inside the first one's event loop and fail."""

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Screenshots of each step land in var/screenshots/ (git-ignored), so that running the suite
# leaves the tree clean; `TERRITORIA_SCREENSHOTS_DIR=docs/screenshots` refreshes the docs' ones.
SCREENSHOTS = Path(os.environ.get("TERRITORIA_SCREENSHOTS_DIR") or ROOT / "var" / "screenshots")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium_browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(
            "Chromium absent (/usr/bin/chromium) : installez le paquet Debian `chromium` (voir .ci/run)."
        )
    if not AXE.exists():
        pytest.fail("axe-core absent de node_modules : lancez `npm ci` (ou `make install`).")
    from territoria.core.vendor import VENDOR_DIR

    if not (VENDOR_DIR / "versions.json").exists():
        pytest.fail(
            "htmx et Leaflet absents du paquet : lancez `make install` (ou `territoria vendor_assets`)."
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
    # body (fixtures, assertions) are still synchronous and safe here.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(chromium_browser):
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    context.set_default_timeout(10_000)
    page = context.new_page()
    # Every browser test also checks the Content Security Policy: Chromium reports each
    # blocked script, style, image or connection on the console.
    blocked = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    assert blocked == [], f"bloqué par la CSP : {blocked[:3]}"


def check_accessibility(page) -> None:
    """Run axe-core on the current page; fail on serious or critical violations (WCAG 2.1 A/AA)."""
    # Evaluated through the DevTools protocol, not as an inline <script> (the CSP forbids those).
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not problems, f"Accessibilité de {page.url} :\n" + "\n".join(problems)


def screenshot(page, name: str) -> None:
    folder = SCREENSHOTS if SCREENSHOTS.is_absolute() else ROOT / SCREENSHOTS
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"))


PASSWORD = "motdepasse-test-1"  # the password of tests/conftest.py's users


def log_in(page, live_server, username, password=PASSWORD):
    """Log in through the real login page and wait until the session is open."""
    from playwright.sync_api import expect

    page.goto(live_server.url + "/connexion/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def jobs_runner() -> str:
    """What runs the jobs now, for the message of a test whose job never ran (CI only saw
    "en attente")."""
    from django.conf import settings
    from django_tasks import task_backends

    return f"TASKS={settings.TASKS!r}, backend={type(task_backends['default']).__name__}"

"""Stored XSS through an uploaded page (issue 11, H1), in a real browser: a logged-in agent
opens the sources of a hostile HTML document — the rendered view and the original file —
and no script of the document runs in the platform's origin.

Before the fix, the original was served inline as text/html: opening it ran the script (it
read a moderator's API token from /registre/jeton-api/)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from territoria.assistant.models import Collection, Visibility
from territoria.assistant.services.ingestion import run_job
from territoria.assistant.services.uploads import save_uploads
from tests.browser.support import check_accessibility, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE = """<html><head><title>Piscine municipale</title>
<script>window.top.__pwned = "script"; alert("script")</script></head><body>
<h1>Horaires de la piscine</h1>
<p>La piscine municipale ouvre à 9 h et ferme à 19 h, été comme hiver.</p>
<img src="x" onerror="window.top.__pwned = 'img'; alert('img')">
<svg onload="window.top.__pwned = 'svg'; alert('svg')"><circle r="1"/></svg>
</body></html>"""


@pytest.fixture
def hostile_documents(settings, tmp_path, organisation):
    settings.MEDIA_ROOT = tmp_path / "media"
    faq = Collection.objects.create(
        slug="faq", name="FAQ", visibility=Visibility.PUBLIC, organisation=organisation
    )
    stored = save_uploads(
        faq,
        [SimpleUploadedFile(n, HOSTILE.encode()) for n in ("piscine.html", "piscine.txt")],
    )
    run_job(stored.job)
    return {d.source: d for d in faq.documents.all()}


def test_hostile_page_never_runs_in_the_platform_origin(
    page, live_server, agent, hostile_documents
):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, live_server, agent.username)
    for document in hostile_documents.values():
        base = f"{live_server.url}/assistant/documents/{document.pk}/"
        page.goto(base + "?passage=0#passage-0")
        expect(page.locator(".source-passage.cited")).to_contain_text("ouvre à 9 h")
        check_accessibility(page)
        # The original: the browser downloads it, it never becomes a page of our origin.
        with page.expect_download() as download:
            page.evaluate("url => { window.location.href = url }", base + "fichier/")
        assert download.value.suggested_filename == document.source
        page.wait_for_timeout(300)  # time for a script, had one been loaded, to run
        assert page.url.startswith(base) and "/fichier/" not in page.url
        assert page.evaluate("() => window.__pwned") is None
    assert dialogs == []

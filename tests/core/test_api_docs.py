"""The API reference page works without internet: everything it loads comes from the platform."""

import re
from pathlib import Path

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage

REFERENCE = re.compile(r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def test_api_docs_load_nothing_from_another_host(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    references = REFERENCE.findall(page)
    assert references, "the page references its script and schema"
    outside = [r for r in references if re.match(r"^(?:[a-z]+:)?//", r, re.IGNORECASE)]
    assert outside == []
    assert "fonts.googleapis" not in page and "cdn." not in page


def test_api_docs_script_is_a_static_file_of_the_platform(client):
    page = client.get("/api/docs/").content.decode()
    script = re.search(r'<script src="([^"]+)"', page).group(1)
    assert script.startswith(staticfiles_storage.base_url)
    found = finders.find(script.removeprefix(staticfiles_storage.base_url))
    assert found and "Redoc" in Path(found).read_text(encoding="utf-8", errors="replace")
    assert 'spec-url="/api/schema/"' in page
    assert client.get("/api/schema/").status_code == 200


def test_api_docs_policy_lets_the_browser_contact_only_the_platform(client):
    policy = client.get("/api/docs/")["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["default-src"] == "'self'"
    for directive, sources in directives.items():
        # Only this host, inline styles (Redoc) and in-page data/blob: no other origin.
        hosts = [
            s for s in sources.split() if not s.startswith("'") and s not in ("data:", "blob:")
        ]
        assert hosts == [], directive

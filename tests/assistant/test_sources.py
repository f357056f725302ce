"""Sources of the assistant's answers: the original file is a download only, the citation
opens a rendered view of the parsed text (issue 11, H1; issue 12, charset of Markdown).

Before the fix an uploaded HTML page was served inline as text/html from the platform's
origin: its script ran with the reader's session (it read a moderator's API token)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from territoria.assistant.models import Document, Exchange

HOSTILE_PAGE = """<html><head><title>Piscine municipale</title></head><body>
<h1>Horaires de la piscine</h1>
<p>La piscine municipale ouvre à 9 h et ferme à 19 h, été comme hiver.</p>
<script>fetch('/registre/jeton-api/').then(r => r.text()).then(t => alert(t))</script>
<img src=x onerror="alert('xss-img')">
<svg onload="alert('xss-svg')"><circle r="1"/></svg>
</body></html>
"""
# Markdown drops a document that is one HTML block: a line of text first, as a disguised
# page would have to be to get indexed at all.
CONTENT = {
    "piscine.html": HOSTILE_PAGE.encode(),
    "piscine-page.txt": HOSTILE_PAGE.encode(),
    "piscine-page.md": (
        "La piscine municipale ouvre à 9 h et ferme à 19 h.\n\n" + HOSTILE_PAGE
    ).encode(),
}
# The raw markup that must never reach a browser as markup from our origin.
PAYLOADS = ("<script>fetch", "<img src=x", "<svg onload", 'onerror="alert', 'onload="alert')


@pytest.fixture
def hostile(client, agent, faq_collection):
    """The same hostile page uploaded as .html, and disguised as .txt and .md."""
    client.force_login(agent)
    names = ["piscine.html", "piscine-page.txt", "piscine-page.md"]
    response = client.post(
        f"/assistant/collections/{faq_collection.slug}/",
        {"files": [SimpleUploadedFile(name, CONTENT[name]) for name in names]},
    )
    assert response.status_code == 302
    documents = {d.source: d for d in Document.objects.filter(source__in=names)}
    assert {d.state for d in documents.values()} == {"indexed"}
    client.logout()  # a citizen reads the public collection
    return documents


@pytest.mark.parametrize("name", ["piscine.html", "piscine-page.txt", "piscine-page.md"])
def test_original_file_is_a_sandboxed_attachment_never_inline_html(client, hostile, name):
    response = client.get(f"/assistant/documents/{hostile[name].pk}/fichier/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "html" not in response["Content-Type"] and "text/" not in response["Content-Type"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == CONTENT[name]  # the file, intact


@pytest.mark.parametrize("name", ["piscine.html", "piscine-page.txt", "piscine-page.md"])
def test_rendered_source_shows_the_text_escaped_in_utf8(client, hostile, name):
    response = client.get(f"/assistant/documents/{hostile[name].pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode("utf-8")
    assert "La piscine municipale ouvre à 9 h" in html  # accents intact
    for payload in PAYLOADS:
        assert payload not in html, payload


def test_rendered_source_of_a_text_file_shows_markup_as_text(client, hostile):
    html = client.get(f"/assistant/documents/{hostile['piscine-page.txt'].pk}/").content.decode()
    assert "&lt;script&gt;fetch(" in html and "&lt;img src=x onerror=" in html


def test_citation_opens_the_rendered_source_with_the_passage_highlighted(client, hostile):
    client.post(
        "/assistant/public/", {"question": "Quels sont les horaires de la piscine municipale ?"}
    )
    citations = Exchange.objects.get().citations
    assert citations, "the answer cites the page's text"
    url = citations[0]["url"]
    assert "/fichier/" not in url and "?passage=" in url
    html = client.get(url).content.decode()
    n = url.rsplit("#passage-", 1)[1]
    assert f'id="passage-{n}" class="source-passage cited"' in html
    assert "<mark>" in html and "ouvre à 9 h" in html


def test_markdown_source_keeps_its_accents(client, agent, faq_collection):
    client.force_login(agent)
    text = "# Déchetterie\n\nLa déchetterie est ouverte le samedi de 9 h à 18 h ; fermée à Noël.\n"
    client.post(
        f"/assistant/collections/{faq_collection.slug}/",
        {"files": [SimpleUploadedFile("dechetterie.md", text.encode("utf-8"))]},
    )
    document = Document.objects.get(source="dechetterie.md")
    response = client.get(f"/assistant/documents/{document.pk}/")
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode("utf-8")
    assert (
        "<h2>Déchetterie</h2>" in html and "ouverte le samedi de 9 h à 18 h ; fermée à Noël" in html
    )


def test_rendered_source_is_shown_only_to_readers(client, agent, other_agent, internal_collection):
    client.force_login(agent)
    client.post(
        f"/assistant/collections/{internal_collection.slug}/",
        {"files": [SimpleUploadedFile("interne.md", "# Interne\n\nNote réservée.".encode())]},
    )
    document = Document.objects.get(source="interne.md")
    assert "Note réservée" in client.get(f"/assistant/documents/{document.pk}/").content.decode()
    client.force_login(other_agent)
    assert client.get(f"/assistant/documents/{document.pk}/").status_code == 404
    assert client.get(f"/assistant/documents/{document.pk}/fichier/").status_code == 404
    client.logout()
    assert client.get(f"/assistant/documents/{document.pk}/").status_code == 404

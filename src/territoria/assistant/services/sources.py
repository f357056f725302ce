"""How a source document reaches a reader: a rendered view of its passages, or a download.

An uploaded file is untrusted content: served inline from the platform's origin, an HTML page
(or an HTML file named .txt that a browser sniffs as HTML) runs its scripts with the reader's
session (issue 11, H1). So the original file is only ever a download — attachment, no
sniffing, sandboxed — and what a citation opens is the document's parsed text, rendered by our
template with escaping, the cited passage highlighted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.http import FileResponse

from territoria.assistant.models import Document
from territoria.search import get_index

# Types a browser hands to a viewer or an office suite, never renders as a page itself; every
# other format (HTML, Markdown, text, unknown) is downloaded as bytes.
DOWNLOAD_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
}


@dataclass
class SourcePassage:
    n: int
    text: str
    section: str
    page: int | None
    cited: bool = False


def passage_key(document_pk, n: int) -> str:
    """The search-index key of passage `n` of a document (set by ingestion.index_document)."""
    return f"{document_pk}:{n}"


def document_passages(document: Document, access: list[str], cited: int | None = None):
    """The document's passages in reading order, read through the index's access rule."""
    keys = [passage_key(document.pk, n) for n in range(document.chunk_count)]
    found = get_index().get(document.collection.namespace, keys, access)
    passages = []
    for key in keys:
        entry = found.get(key)
        if entry is None:
            continue
        n = int(entry.fields.get("n", key.rsplit(":", 1)[1]))
        passages.append(
            SourcePassage(
                n=n,
                text=entry.text,
                section=entry.fields.get("section", ""),
                page=entry.fields.get("page"),
                cited=n == cited,
            )
        )
    return passages


def download_response(document: Document) -> FileResponse:
    """The original file as an attachment that no browser renders in the platform's origin."""
    path = Path(document.path)
    response = FileResponse(
        open(path, "rb"),  # noqa: SIM115 — FileResponse closes it
        as_attachment=True,
        filename=path.name,
        content_type=DOWNLOAD_TYPES.get(document.format, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Even opened by hand (a saved file, a viewer that ignores the disposition): no script,
    # no plugin, no same-origin access.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response

"""A minimal text PDF (PDF 1.4, Helvetica, WinAnsi encoding) for the procurement file.

No PDF library is among the platform's dependencies and a comparison is a few lines of text:
this writes the objects by hand (catalog, pages, one font, one content stream per page).
"""

from __future__ import annotations

import textwrap

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
MARGIN, LEADING = 50, 14
WRAP = 95  # characters per line at 10 pt


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def text_pdf(title: str, paragraphs: list[str]) -> bytes:
    lines: list[tuple[str, int]] = [(title, 14), ("", 10)]
    for paragraph in paragraphs:
        wrapped = textwrap.wrap(paragraph, WRAP) or [""]
        lines.extend((line, 10) for line in wrapped)
    per_page = (PAGE_HEIGHT - 2 * MARGIN) // LEADING
    pages = [lines[i : i + per_page] for i in range(0, len(lines), per_page)]
    objects: list[bytes] = []  # objects 1..n; 1 catalog, 2 pages, 3 font, then page + content

    page_ids = [4 + 2 * i for i in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{pid} 0 R" for pid in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
    for page_id, page_lines in zip(page_ids, pages):
        stream = [b"BT", f"{MARGIN} {PAGE_HEIGHT - MARGIN} Td".encode(), f"{LEADING} TL".encode()]
        for text, size in page_lines:
            stream.append(f"/F1 {size} Tf".encode())
            stream.append(b"(" + _escape(text) + b") Tj T*")
        stream.append(b"ET")
        content = b"\n".join(stream)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {page_id + 1} 0 R >>".encode()
        )
        objects.append(
            f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream"
        )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)

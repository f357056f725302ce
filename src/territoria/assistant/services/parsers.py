"""Offline parsers: a file becomes blocks of text, each with its section path and page.

Every failure is a `ParseError` with a French message naming the file and the problem;
the caller marks that document failed and goes on with the batch.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from territoria.core.text_files import NUL

FORMATS = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".odt": "odt",
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
}
MAX_ZIP_RATIO = 100  # a DOCX/ODT expanding more than 100× is treated as a zip bomb


class ParseError(Exception):
    """A file that cannot be indexed; the message is shown to the user as is."""


@dataclass
class Block:
    text: str
    section: list[str] = field(default_factory=list)  # headings, outermost first
    page: int | None = None


@dataclass
class Parsed:
    title: str
    blocks: list[Block]
    pages: int | None = None


def detect_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if not fmt:
        known = ", ".join(sorted({s.lstrip(".").upper() for s in FORMATS}))
        raise ParseError(
            f"{path.name} : format non pris en charge ({path.suffix or 'sans extension'}) ; formats acceptés : {known}."
        )
    return fmt


def parse(path: Path) -> Parsed:
    path = Path(path)
    fmt = detect_format(path)
    size = path.stat().st_size
    max_bytes = settings.ASSISTANT_MAX_FILE_MB * 1024 * 1024
    if size == 0:
        raise ParseError(f"{path.name} : le fichier est vide.")
    if size > max_bytes:
        raise ParseError(
            f"{path.name} : fichier trop volumineux ({size // 1_048_576} Mo, maximum {settings.ASSISTANT_MAX_FILE_MB} Mo)."
        )
    try:
        parsed = _PARSERS[fmt](path)
    except ParseError:
        raise
    except Exception as error:  # a corrupt file: every library raises its own kind
        raise ParseError(
            f"{path.name} : fichier illisible ou corrompu ({type(error).__name__} : {str(error)[:200]})."
        ) from error
    for block in parsed.blocks:  # a NUL is an extraction artefact, and PostgreSQL refuses it
        block.text = block.text.replace(NUL, "")
        block.section = [heading.replace(NUL, "") for heading in block.section]
    parsed.blocks = [b for b in parsed.blocks if b.text.strip()]
    if not parsed.blocks:
        raise ParseError(
            f"{path.name} : aucun texte extractible (document vide, ou PDF scanné sans couche texte)."
        )
    parsed.title = (parsed.title or "").replace(NUL, "").strip() or path.stem.replace("_", " ")
    return parsed


def _clean(text: str) -> str:
    text = text.replace("\u00ad", "").replace("\xa0", " ")
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)  # words hyphenated across lines
    text = re.sub(r"[ \t]+", " ", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# --- PDF --------------------------------------------------------------------------------
def _parse_pdf(path: Path) -> Parsed:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    if reader.is_encrypted:
        try:
            if not reader.decrypt(""):
                raise ParseError(f"{path.name} : PDF chiffré (protégé par mot de passe).")
        except ParseError:
            raise
        except Exception as error:
            raise ParseError(f"{path.name} : PDF chiffré (protégé par mot de passe).") from error
    pages = len(reader.pages)
    if pages > settings.ASSISTANT_MAX_PAGES:
        raise ParseError(
            f"{path.name} : trop de pages ({pages}, maximum {settings.ASSISTANT_MAX_PAGES})."
        )
    title = ""
    try:
        title = (reader.metadata or {}).get("/Title") or ""
    except Exception:  # noqa: BLE001 — a damaged info dictionary only costs the title
        title = ""
    outline = _pdf_outline(reader)
    blocks = []
    section: list[str] = []
    for number, page in enumerate(reader.pages, start=1):
        section = outline.get(number, section)
        text = _clean(page.extract_text() or "")
        for paragraph in re.split(r"\n\s*\n", text):
            # Line breaks are kept: a PDF has no heading markup, and a short line such as
            # "Article 12 - Télétravail" is told from wrapped text by answering (passage_sentences).
            blocks.append(Block(paragraph, list(section), number))
    return Parsed(str(title), blocks, pages)


def _pdf_outline(reader) -> dict[int, list[str]]:
    """Page number → section path, from the PDF bookmarks when there are any."""
    result: dict[int, list[str]] = {}

    def walk(items, parents):
        last = None
        for item in items:
            if isinstance(item, list):
                if last is not None:
                    walk(item, parents + [last])
                continue
            try:
                page = reader.get_destination_page_number(item) + 1
            except Exception:  # noqa: BLE001, S112 — a dangling bookmark is skipped, not fatal
                continue
            last = str(item.title)
            result.setdefault(page, parents + [last])

    try:
        walk(reader.outline, [])
    except Exception:  # noqa: BLE001 — a malformed outline only costs the section paths
        return {}
    return result


# --- Zip-based formats (DOCX, ODT): refuse bombs before opening ---------------------------
def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile as error:
        raise ParseError(f"{path.name} : fichier corrompu (archive illisible).") from error
    total = sum(info.file_size for info in infos)
    compressed = max(1, sum(info.compress_size for info in infos))
    limit = settings.ASSISTANT_MAX_FILE_MB * 1024 * 1024 * 4
    if total > limit or total / compressed > MAX_ZIP_RATIO:
        raise ParseError(
            f"{path.name} : contenu décompressé suspect ({total // 1_048_576} Mo, taux {total // compressed}×) : "
            "fichier refusé (protection contre les bombes de décompression)."
        )


def _parse_docx(path: Path) -> Parsed:
    _check_zip(path)
    import docx

    document = docx.Document(str(path))
    blocks, section = [], []
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        level = _heading_level(paragraph.style.name if paragraph.style is not None else "")
        if level:
            section = section[: level - 1] + [text]
            continue
        blocks.append(Block(text, list(section)))
    for table in document.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells if c.text.strip()]
            if cells:
                blocks.append(Block(" | ".join(dict.fromkeys(cells)), list(section)))
    return Parsed(document.core_properties.title or "", blocks)


def _heading_level(style_name: str) -> int:
    match = re.match(r"(?:heading|titre)\s*(\d)", style_name.strip(), re.IGNORECASE)
    if match:
        return int(match.group(1))
    return 1 if style_name.strip().lower() in ("title", "titre") else 0


def _parse_odt(path: Path) -> Parsed:
    _check_zip(path)
    from odf import teletype
    from odf.namespaces import TEXTNS
    from odf.opendocument import load

    document = load(str(path))
    blocks, section, title = [], [], ""

    def walk(node):
        nonlocal section, title
        for child in node.childNodes:
            qname = getattr(child, "qname", None)
            if qname == (TEXTNS, "h"):
                text = teletype.extractText(child).strip()
                if text:
                    level = int(child.getAttrNS(TEXTNS, "outline-level") or 1)
                    section = section[: level - 1] + [text]
                    title = title or text
            elif qname == (TEXTNS, "p"):
                text = teletype.extractText(child).strip()
                if text:
                    blocks.append(Block(text, list(section)))
            elif getattr(child, "childNodes", None):
                walk(child)  # lists, tables, sections

    walk(document.text)
    return Parsed(title, blocks)


# --- HTML, Markdown, text ---------------------------------------------------------------
def _parse_html(path: Path) -> Parsed:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_read_text(path), "html.parser")
    for tag in soup(["script", "style", "nav", "footer", "noscript", "template"]):
        tag.decompose()
    title = soup.title.get_text(strip=True) if soup.title else ""
    blocks, section = [], []
    for element in soup.find_all(
        ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td", "pre", "blockquote", "dd", "dt"]
    ):
        text = " ".join(element.get_text(" ", strip=True).split())
        if not text:
            continue
        if element.name[0] == "h" and element.name[1:].isdigit():
            level = int(element.name[1])
            section = section[: level - 1] + [text]
            title = title or text
        elif not element.find_parent(["p", "li", "td"]):
            blocks.append(Block(text, list(section)))
    return Parsed(title, blocks)


def _markdown_plain_text(inline) -> str:
    """The words of an inline token, its markup dropped: "**fermé** le [dimanche](url)" →
    "fermé le dimanche" (answers, snippets and prompts quote text, never asterisks)."""
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):  # html_inline: a tag, dropped
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)  # its alternative text
    return "".join(parts) if inline.children is not None else inline.content


def _parse_markdown(path: Path) -> Parsed:
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(_read_text(path))
    blocks, section, title = [], [], ""
    heading_level = 0
    for token in tokens:
        if token.type == "heading_open":
            heading_level = int(token.tag[1])
        elif token.type == "inline":
            text = " ".join(_markdown_plain_text(token).split())
            if heading_level:
                section = section[: heading_level - 1] + [text]
                title = title or text
            elif text:
                blocks.append(Block(text, list(section)))
        elif token.type == "heading_close":
            heading_level = 0
    return Parsed(title, blocks)


def _parse_text(path: Path) -> Parsed:
    text = _clean(_read_text(path))
    return Parsed("", [Block(p.replace("\n", " ")) for p in re.split(r"\n\s*\n", text)])


def _read_text(path: Path) -> str:
    from charset_normalizer import from_bytes

    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        best = from_bytes(data).best()
        if best is None:
            raise ParseError(
                f"{path.name} : encodage de caractères non reconnu (fichier binaire ?)."
            )
        return str(best)


_PARSERS = {
    "pdf": _parse_pdf,
    "docx": _parse_docx,
    "odt": _parse_odt,
    "html": _parse_html,
    "markdown": _parse_markdown,
    "text": _parse_text,
}

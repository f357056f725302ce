"""Reading the agent's inputs: sentences with their place in the source, language, size limits.

Every output sentence of the writing tools points back to a `Span` of the source text (start
and end offsets, line number) so that the page can show where it comes from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from territoria.search.analyzer import FRENCH_STOP_WORDS

MAX_INPUT_CHARS = 200_000  # ~ 60 pages: beyond, the agent is asked to split the document
MIN_FRENCH_SHARE = 0.12  # share of French function words in a French text (≈0.35–0.5 in prose)


class InputError(Exception):
    """An input the tools cannot work on; the message is shown to the agent as is."""


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    line: int  # 1-based line of the start in the source

    def as_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "line": self.line}


# A sentence ends at . ! ? … followed by a space and an upper-case letter, a digit or a quote;
# not after common abbreviations ("M.", "art.", "n°").
_ABBREVIATIONS = re.compile(
    r"(?:\bM|\bMM|\bMme|\bMlle|\bDr|\bart|\bArt|\bn°|\bp|\bc\.-à-d|\bcf|\bex|\bvol|\bL|\bR|\bD|\bSt|\bav|\bbd)\.$"
)
_END = re.compile(r"[.!?…]+[»”\"]?(?=\s+[«\"“A-ZÀÂÉÈÊÎÔÛÇ0-9])")


def sentences(text: str) -> list[tuple[str, Span]]:
    """The sentences of a text, each with its span; a line break always ends a sentence."""
    result: list[tuple[str, Span]] = []
    line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]

    def line_of(offset: int) -> int:
        lo, hi = 0, len(line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    for line_match in re.finditer(r"[^\n]+", text):
        line, base = line_match.group(), line_match.start()
        start = 0
        for end_match in _END.finditer(line):
            if _ABBREVIATIONS.search(line[: end_match.start() + 1]):
                continue
            _add(result, line, base, start, end_match.end(), line_of)
            start = end_match.end()
        _add(result, line, base, start, len(line), line_of)
    return result


def _add(result, line, base, start, end, line_of):
    piece = line[start:end]
    stripped = piece.strip()
    if not stripped:
        return
    offset = base + start + (len(piece) - len(piece.lstrip()))
    result.append((stripped, Span(offset, offset + len(stripped), line_of(offset))))


_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def french_share(text: str) -> float:
    """Share of the words that are French function words (de, la, le, et, les, des, …)."""
    tokens = [w.lower().split("'")[-1].split("’")[-1] for w in words(text)]
    if not tokens:
        return 0.0
    return sum(t in FRENCH_STOP_WORDS for t in tokens) / len(tokens)


def check_input(text: str, what: str = "Le texte") -> str:
    """The text stripped, or InputError with a message the agent can act on."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise InputError(f"{what} est vide : collez un texte ou déposez un fichier.")
    if len(text) > MAX_INPUT_CHARS:
        raise InputError(
            f"{what} est trop long ({len(text):,} caractères, maximum {MAX_INPUT_CHARS:,}) : "
            "découpez-le en plusieurs parties.".replace(",", " ")
        )
    if len(words(text)) >= 20 and french_share(text) < MIN_FRENCH_SHARE:
        raise InputError(
            f"{what} ne semble pas être en français (trop peu de mots courants du français) : "
            "les outils de rédaction ne traitent que des textes en français."
        )
    return text


TRANSCRIPT_SUFFIXES = (".vtt", ".srt")


def read_upload(path: Path) -> str:
    """The text of a TXT, Markdown, DOCX, ODT, HTML or PDF file, through the assistant's parsers
    (same formats, limits and messages: empty file, scanned PDF without text, zip bombs…)."""
    from territoria.assistant.services.parsers import ParseError, detect_format, parse

    path = Path(path)
    if path.suffix.lower() in TRANSCRIPT_SUFFIXES:
        return _plain_text(path)  # a transcript (WebVTT, SRT): read as text, line by line
    try:
        if detect_format(path) in ("text", "markdown"):
            # Kept line by line: in meeting notes a line is a unit (a name list, an agenda item),
            # which the assistant's text parser would join into paragraphs.
            return _plain_text(path)
        parsed = parse(path)
    except ParseError as error:
        raise InputError(str(error)) from error
    return "\n".join(block.text for block in parsed.blocks)


def _plain_text(path: Path) -> str:
    from charset_normalizer import from_bytes

    data = path.read_bytes()
    if not data.strip():
        raise InputError(f"{path.name} : le fichier est vide.")
    if len(data) > 4 * MAX_INPUT_CHARS:
        raise InputError(f"{path.name} : fichier trop volumineux ({len(data) // 1024} Ko).")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        best = from_bytes(data).best()
        if best is None:
            raise InputError(f"{path.name} : encodage non reconnu (fichier binaire ?).") from None
        return str(best)

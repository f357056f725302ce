"""Passages: blocks grouped up to a target size, never across a section or a page.

The section path travels with the passage (in its title and in the embedded text), so a
paragraph "Le samedi de 9 h à 18 h." under "Déchetterie > Horaires" stays findable by
"horaires de la déchetterie".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from territoria.assistant.services.parsers import Block

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[«\"(A-ZÀ-Ý0-9])")


@dataclass
class Chunk:
    text: str
    section: list[str]
    page: int | None

    @property
    def section_label(self) -> str:
        return " › ".join(self.section)


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


HEADING_MAX_WORDS = 8


def _is_heading(line: str, following: str) -> bool:
    """A short line without final punctuation, followed by a capitalised one: "Article 12 - Télétravail"."""
    words = line.split()
    return (
        0 < len(words) <= HEADING_MAX_WORDS
        and not line.rstrip().endswith((".", "!", "?", "…", ":", ";", ","))
        and following[:1].isupper()
    )


def passage_sentences(text: str) -> list[tuple[str, bool]]:
    """(sentence, is_heading) in reading order. Lines are joined (PDF text wraps mid-sentence),
    except heading lines, which stand alone instead of sticking to the sentence after them."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    units: list[tuple[str, bool]] = []
    buffer: list[str] = []

    def flush():
        units.extend((sentence, False) for sentence in split_sentences(" ".join(buffer)))
        buffer.clear()

    for i, line in enumerate(lines):
        if _is_heading(line, lines[i + 1] if i + 1 < len(lines) else ""):
            flush()
            units.append((line, True))
        else:
            buffer.append(line)
    flush()
    return units


def chunk_blocks(blocks: list[Block], target_words: int) -> list[Chunk]:
    chunks: list[Chunk] = []
    current: list[str] = []
    words = 0
    key = None

    def flush():
        nonlocal current, words
        if current:
            chunks.append(Chunk("\n".join(current), list(key[0]), key[1]))
        current, words = [], 0

    for block in blocks:
        block_key = (tuple(block.section), block.page)
        if block_key != key:
            flush()
            key = block_key
        for piece in _pieces(block.text, target_words):
            size = len(piece.split())
            if words and words + size > target_words:
                flush()
            current.append(piece)
            words += size
    flush()
    return chunks


def _pieces(text: str, target_words: int) -> list[str]:
    """A paragraph, or its sentences grouped when it is longer than a passage."""
    if len(text.split()) <= target_words:
        return [text]
    pieces, current, words = [], [], 0
    for sentence in split_sentences(text):
        size = len(sentence.split())
        if current and words + size > target_words:
            pieces.append(" ".join(current))
            current, words = [], 0
        if size > target_words * 2:  # no sentence boundary at all: cut by words
            tokens = sentence.split()
            pieces += [
                " ".join(tokens[i : i + target_words]) for i in range(0, len(tokens), target_words)
            ]
            continue
        current.append(sentence)
        words += size
    if current:
        pieces.append(" ".join(current))
    return pieces


def embedding_text(title: str, chunk: Chunk, max_words: int) -> str:
    """What is embedded for a passage: document title, section, beginning of the text.

    Embedding cost grows with length (e5 is ~10× slower per word on 300-word passages than
    on 15-word ones) while the first sentences carry most of the topic; the whole passage
    stays indexed lexically. See docs/assistant.md for the measured effect on quality.
    """
    head = " › ".join([title, *chunk.section]) if chunk.section else title
    words = chunk.text.split()
    return f"{head}\n{' '.join(words[:max_words])}"

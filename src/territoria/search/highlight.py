"""Snippets: the passage of a text that best matches a query, matched words in <mark>."""

from __future__ import annotations

from html import escape

from territoria.search.analyzer import analyze, analyze_token, iter_words


def highlight(text: str, query: str, max_chars: int = 240) -> str:
    """HTML-safe snippet of `text` around the densest run of query terms.

    Matching is on index terms (so "fuites" marks "fuite"); everything outside the
    <mark> tags is HTML-escaped, so a document cannot inject markup through a snippet.
    """
    text = text or ""
    wanted = set(analyze(query))
    matches = (
        [(s, e) for w, s, e in iter_words(text) if analyze_token(w) in wanted] if wanted else []
    )
    start, end = _best_window(text, matches, max_chars)
    parts, cursor = [], start
    for m_start, m_end in matches:
        if m_start < start or m_end > end:
            continue
        parts.append(escape(text[cursor:m_start]))
        parts.append(f"<mark>{escape(text[m_start:m_end])}</mark>")
        cursor = m_end
    parts.append(escape(text[cursor:end]))
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return prefix + "".join(parts).strip() + suffix


def _best_window(text: str, matches: list[tuple[int, int]], max_chars: int) -> tuple[int, int]:
    if len(text) <= max_chars:
        return 0, len(text)
    if not matches:
        return 0, _word_boundary(text, max_chars)
    best_start, best_count = matches[0][0], 0
    right = 0
    for left in range(len(matches)):  # two pointers: most matches inside max_chars
        while right < len(matches) and matches[right][1] - matches[left][0] <= max_chars:
            right += 1
        if right - left > best_count:
            best_start, best_count = matches[left][0], right - left
    start = max(0, best_start - max_chars // 4)
    start = text.rfind(" ", 0, start) + 1 if start > 0 else 0
    return start, _word_boundary(text, start + max_chars)


def _word_boundary(text: str, position: int) -> int:
    if position >= len(text):
        return len(text)
    space = text.rfind(" ", 0, position)
    return space if space > 0 else position

"""The texts of codes an agent may read, for the existence check of a deliberation's articles.

Issue 19: « every legal reference is well formed and, when the referenced text is in a
collection, exists ». The referenced texts are the documents of the assistant's collections
whose title names a code (« Code général des collectivités territoriales — partie
législative », « CGCT », « Code de la commande publique »…), read through the assistant's own
access rule (`can_read` on the collection and the index's access tokens, the path of « voir la
source ») — so a code held in a collection the agent may not read is never used, and the check
says nothing about it. Only the article numbers are taken from them (legal.articles_in_sources).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

from django.db.models import Q

from territoria.assistant.models import Collection, Document, DocumentState
from territoria.assistant.permissions import can_read
from territoria.assistant.services.sources import document_passages
from territoria.search.access import access_tokens

MAX_CODE_DOCUMENTS = 12


@dataclass
class LegalSource:
    title: str
    collection: str
    text: str  # the title, then the article numbers (see _articles_text)


def _names_a_code() -> Q:
    return (
        Q(title__icontains="code ")
        | Q(title__istartswith="code")
        | Q(title__icontains="cgct")
        | Q(source__icontains="cgct")
        | Q(source__icontains="code")
    )


def legal_sources(user) -> list[LegalSource]:
    """The codes among the indexed documents the user may read (at most 12)."""
    readable = [
        c
        for c in Collection.objects.filter(documents__state=DocumentState.INDEXED)
        .distinct()
        .select_related("organisation")
        if can_read(user, c)
    ]
    if not readable:
        return []
    documents = (
        Document.objects.filter(collection__in=readable, state=DocumentState.INDEXED)
        .filter(_names_a_code())
        .select_related("collection")
        .order_by("title", "pk")[:MAX_CODE_DOCUMENTS]
    )
    tokens = access_tokens(user)
    found = []
    for document in documents:
        text = _articles_text(document, tokens)
        if text:
            found.append(
                LegalSource(document.title or document.source, document.collection.name, text)
            )
    return found


_ARTICLE = r"(?:LO|L|R|D|A)\.?\s?\d{3,4}-\d{1,3}(?:-\d{1,2})?"
_HEADING = re.compile(rf"\bArticle\s+({_ARTICLE})\s*$", re.IGNORECASE)
_IN_TEXT = re.compile(rf"\b{_ARTICLE}\b")
# « - L2121-99 : abrogé le 2010-01-01 » (the list a LEGI import writes, services/legi.py)
_REPEALED = re.compile(rf"({_ARTICLE})\s*:\s*abrogé le (\d{{4}}-\d{{2}}-\d{{2}})")
_CACHE: OrderedDict[tuple, str] = OrderedDict()
CACHE_SIZE = 64


def _articles_text(document: Document, tokens: list[str]) -> str:
    """The code's title, then the numbers of its articles: what the existence check needs
    (legal.articles_in_sources), not the whole text — a code imported from LEGI is several MB.

    The numbers are those of its headings « Article L2121-29 » (a code imported from LEGI,
    services/legi.py: a passage's section holds its heading) — not the articles its text cites
    from other codes —, or, in a document without such headings (a list written by hand), every
    article number of its text. Kept per process for the same document, content and reader's
    access tokens (`tokens` are part of the key: another reader reads the passages again)."""
    key = (document.pk, document.content_hash, document.chunk_count, tuple(sorted(tokens)))
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    passages = document_passages(document, tokens)
    text = ""
    if passages:
        headed = {m.group(1) for p in passages for m in [_HEADING.search(p.section or "")] if m}
        repealed = {m.group(1): m.group(2) for p in passages for m in _REPEALED.finditer(p.text)}
        if headed:
            numbers = headed
        else:
            numbers = {m.group() for p in passages for m in _IN_TEXT.finditer(p.text)}
            numbers -= set(repealed)
        # the title first: it names the code the articles belong to
        text = f"{document.title or document.source}\n" + "\n".join(sorted(numbers))
        text += "".join(f"\n{n} abrogé le {day}" for n, day in sorted(repealed.items()))
    _CACHE[key] = text
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return text

"""Summaries of a selection: several documents of one assistant collection the agent may read.

The documents are read through the assistant's rules only — the collection's access
(`assistant.permissions.can_read`) and the search index's access tokens, the same path as the
assistant's « voir la source » page — so a document of a collection the agent may not read is
refused as if it did not exist, whatever id is posted. Their indexed passages are joined into
one source text (each document under its title), and every place of that text is mapped back to
its document and passage: each sentence of the summary cites the passage it comes from, and a
sentence written by a model cites the passage that shares most of its words.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from django.urls import reverse

from territoria.assistant.models import Collection, Document, DocumentState
from territoria.assistant.permissions import can_read
from territoria.assistant.services.sources import document_passages
from territoria.redaction.services.texts import MAX_INPUT_CHARS, InputError
from territoria.search.access import access_tokens
from territoria.search.analyzer import analyze

MAX_DOCUMENTS = 20


def readable_collections(user) -> list[Collection]:
    """The collections whose documents the user may summarise (at least one indexed)."""
    collections = Collection.objects.filter(documents__state=DocumentState.INDEXED).distinct()
    return [c for c in collections.select_related("organisation") if can_read(user, c)]


def readable_collection(user, slug: str) -> Collection | None:
    collection = Collection.objects.filter(slug=slug).first()
    if collection is None or not can_read(user, collection):
        return None
    return collection


def documents_of(collection: Collection):
    return collection.documents.filter(state=DocumentState.INDEXED).order_by("title", "source")


@dataclass
class Selection:
    text: str
    passages: list[dict]  # {document, title, n, section, start, end, url}, by start offset

    def as_options(self) -> dict:
        return {"selection": self.passages}


def build(user, documents: list[Document]) -> Selection:
    """The source text of the selected documents, each passage with its place; InputError with a
    plain message when the selection cannot be summarised. A document the user may not read is
    refused with the same message as one that does not exist."""
    if not documents:
        raise InputError("Choisissez au moins un document.")
    if len(documents) > MAX_DOCUMENTS:
        raise InputError(
            f"{len(documents)} documents choisis : une synthèse en prend {MAX_DOCUMENTS} au plus."
        )
    tokens = access_tokens(user)
    parts: list[str] = []
    passages: list[dict] = []
    offset = 0
    for document in documents:
        if document.state != DocumentState.INDEXED or not can_read(user, document.collection):
            raise InputError("Un des documents choisis est introuvable.")
        title = document.title or document.source
        heading = f"# {title}\n\n"
        parts.append(heading)
        offset += len(heading)
        found = document_passages(document, tokens)
        if not found:
            raise InputError(f"« {title} » n'a pas de texte indexé : il ne peut pas être résumé.")
        for passage in found:
            body = passage.text.strip() + "\n\n"
            passages.append(
                {
                    "document": str(document.pk),
                    "title": title,
                    "collection": document.collection.name,
                    "n": passage.n,
                    "section": passage.section,
                    "page": passage.page,
                    "start": offset,
                    "end": offset + len(body),
                    "url": f"{reverse('assistant:document', args=[document.pk])}"
                    f"?passage={passage.n}#passage-{passage.n}",
                }
            )
            parts.append(body)
            offset += len(body)
            if offset > MAX_INPUT_CHARS:
                raise InputError(
                    f"La sélection est trop longue (plus de {MAX_INPUT_CHARS:,} caractères) : "
                    "choisissez moins de documents.".replace(",", " ")
                )
    return Selection("".join(parts), passages)


def passage_at(passages: list[dict], offset: int) -> dict | None:
    """The passage holding the character at `offset` of the selection's text."""
    starts = [p["start"] for p in passages]
    i = bisect.bisect_right(starts, offset) - 1
    if i >= 0 and passages[i]["start"] <= offset < passages[i]["end"]:
        return passages[i]
    return None


def best_passage(sentence: str, text: str, passages: list[dict]) -> dict | None:
    """The passage that shares most analysed words with a sentence (for a model's sentence)."""
    terms = set(analyze(sentence))
    best, best_score = None, 0
    for passage in passages:
        score = len(terms & set(analyze(text[passage["start"] : passage["end"]])))
        if score > best_score:
            best, best_score = passage, score
    return best


def citation(passage: dict | None) -> dict | None:
    if passage is None:
        return None
    return {k: passage[k] for k in ("document", "title", "collection", "n", "page", "url")}

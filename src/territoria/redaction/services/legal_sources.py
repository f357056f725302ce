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
    text: str


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
        passages = document_passages(document, tokens)
        if passages:
            found.append(
                LegalSource(
                    document.title or document.source,
                    document.collection.name,
                    # the title first: it names the code the articles belong to
                    # a passage's section holds its heading (« Article L2121-29 » in a code
                    # imported from LEGI, services/legi.py), which its text does not repeat
                    f"{document.title or document.source}\n"
                    + "\n".join(f"{p.section}\n{p.text}" for p in passages),
                )
            )
    return found

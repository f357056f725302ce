"""The one entry point of every route (page, API, CLI): ask a question as a user."""

from __future__ import annotations

from territoria.assistant.models import Collection, Conversation
from territoria.assistant.services.answering import Answer, answer_question
from territoria.assistant.services.llm import ChatClient
from territoria.assistant.services.masking import without_personal_data
from territoria.assistant.services.traceability import measure, record_exchange
from territoria.search.access import access_tokens


def readable_collections(user, slugs=None):
    """Collections this user may ask (their tokens intersect the collection's)."""
    tokens = set(access_tokens(user))
    queryset = Collection.objects.all()
    if slugs:
        queryset = queryset.filter(slug__in=slugs)
    return [c for c in queryset.prefetch_related("groups") if c.readable_by(tokens)]


def public_collections():
    return [c for c in Collection.objects.filter(visibility="public")]


def conversations_of(user=None, session_key=""):
    if getattr(user, "is_authenticated", False):
        return Conversation.objects.filter(user=user)
    return (
        Conversation.objects.filter(user__isnull=True, session_key=session_key)
        if session_key
        else Conversation.objects.none()
    )


def ask(
    user,
    question: str,
    collections: list[Collection],
    conversation: Conversation | None = None,
    session_key: str = "",
    mode: str = "hybrid",
    access: list[str] | None = None,
) -> tuple[Answer, object]:
    """Answer `question` from `collections` (already checked readable) and log the exchange.

    `access` overrides the user's tokens — only for the operator's CLI, never from a request.
    """
    access = access if access is not None else access_tokens(user)
    if conversation is None:
        conversation = Conversation.objects.create(
            user=user if getattr(user, "is_authenticated", False) else None,
            session_key=session_key,
            collection=collections[0] if len(collections) == 1 else None,
        )
    with measure() as cost:
        answer = answer_question(
            without_personal_data(question),
            collections,
            access,
            llm=ChatClient.from_settings(),
            mode=mode,
        )
    exchange = record_exchange(conversation, user, collections, question, answer, cost)
    return answer, exchange

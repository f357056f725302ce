"""Rate limits of anonymous visitors on the assistant: questions (page, API ask and search)
and hand-off requests (page, API). One rule for pages and API — a visitor switching from one
to the other keeps the same counter — per IP address, in the shared "ratelimit" cache (every
gunicorn worker sees the same counts). Logged-in users are not limited here.

Before: 40 anonymous questions in 0.3 s were all answered (issue 11, L11), each one a search
and an embedding, and hand-offs could flood the agents' inbox.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.core.cache import caches
from django.shortcuts import render
from rest_framework.exceptions import Throttled
from rest_framework.throttling import SimpleRateThrottle

MESSAGES = {
    "question": "Trop de questions envoyées depuis votre adresse en peu de temps.",
    "handoff": "Trop de demandes transmises à un agent depuis votre adresse en peu de temps.",
}
RATE_SETTINGS = {
    "question": "ASSISTANT_ANON_QUESTION_RATE",
    "handoff": "ASSISTANT_ANON_HANDOFF_RATE",
}


class AnonymousAssistantThrottle(SimpleRateThrottle):
    """DRF's sliding-window counter, keyed by kind and IP address, for anonymous callers."""

    def __init__(self, kind: str):
        self.kind = kind
        self.scope = f"assistant_{kind}"
        self.cache = caches["ratelimit"]
        self.rate = getattr(settings, RATE_SETTINGS[kind])
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return f"throttle_{self.scope}_{self.get_ident(request)}"


def seconds_to_wait(request, kind: str) -> int | None:
    """Counts this request; None when it may go on, else the seconds before the next one."""
    throttle = AnonymousAssistantThrottle(kind)
    if throttle.allow_request(request, None):
        return None
    return max(1, math.ceil(throttle.wait() or 1))


def enforce_api(request, kind: str) -> None:
    """For API views: a 429 with a French message and Retry-After (DRF's handler adds it)."""
    wait = seconds_to_wait(request, kind)
    if wait is not None:
        raise Throttled(wait, detail=MESSAGES[kind])


def throttled_page(request, kind: str):
    """For pages: None when the request may go on, else the 429 page to answer."""
    wait = seconds_to_wait(request, kind)
    if wait is None:
        return None
    response = render(
        request,
        "assistant/throttled.html",
        {"message": MESSAGES[kind], "wait": wait},
        status=429,
    )
    response["Retry-After"] = str(wait)
    return response

"""The client's address, one rule for every per-address limit (login lockout, report and
message caps, survey answers, API throttles).

Behind `TERRITORIA_NUM_PROXIES` trusted proxies, each appends the address it saw to
X-Forwarded-For: the client is the N-th address from the right. Anything further left was
written by the client and is never trusted. With no proxy (the default) the socket's address
is the only truth: a client cannot choose its address by sending the header."""

from django.conf import settings


def client_address(request) -> str:
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    if proxies:
        forwarded = [
            a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
        ]
        if forwarded:
            # Fewer addresses than proxies: the leftmost is the nearest to the client we have.
            return forwarded[-min(proxies, len(forwarded))]
    return request.META.get("REMOTE_ADDR", "")

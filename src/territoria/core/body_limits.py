"""Request bodies refused early, by size, before anything reads them (finding M6).

Django keeps only form fields under DATA_UPLOAD_MAX_MEMORY_SIZE: an uploaded file of any
size is written to a temporary file as soon as something reads `request.POST` (the CSRF
check does, for every POST). This middleware answers 413 from the Content-Length header,
before that: an anonymous visitor sends small forms only, and each route prefix of
`REQUEST_BODY_LIMITS_MB` has its own limit for logged-in users and API clients (an
`Authorization` header; the view still checks the credentials, before reading the body).
It must come after AuthenticationMiddleware (it reads the session's user) and runs before
any view-phase middleware such as CSRF.

A body sent in chunks (`Transfer-Encoding: chunked`) carries no Content-Length to check:
Django would read none of it, gunicorn would still receive it (and a chunked request that
also claims a length is the shape of request smuggling). Such requests are answered 411
(length required) before anything reads them; browsers and API clients send the length of
a form or a file.
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse


def body_limit_mb(request) -> float | None:
    """The largest body this request may send, in MB; None: no limit here."""
    user = getattr(request, "user", None)
    identified = bool(getattr(user, "is_authenticated", False)) or (
        "HTTP_AUTHORIZATION" in request.META
    )
    if not identified:
        return settings.ANONYMOUS_MAX_BODY_MB
    matches = [
        prefix for prefix in settings.REQUEST_BODY_LIMITS_MB if request.path.startswith(prefix)
    ]
    if matches:
        return settings.REQUEST_BODY_LIMITS_MB[max(matches, key=len)]
    return settings.DEFAULT_MAX_BODY_MB


def _too_large(request, limit_mb: float) -> HttpResponse:
    message = (
        f"Requête trop volumineuse : {limit_mb:g} Mo au plus ici"
        + ("" if getattr(request.user, "is_authenticated", False) else " sans être connecté")
        + "."
    )
    if request.path.startswith("/api/"):
        return JsonResponse({"error": message}, status=413)
    return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")


class RequestBodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            message = (
                "Envoyez la taille du contenu (en-tête Content-Length) : envoi par morceaux refusé."
            )
            if request.path.startswith("/api/"):
                return JsonResponse({"error": message}, status=411)
            return HttpResponse(message, status=411, content_type="text/plain; charset=utf-8")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length:
            limit_mb = body_limit_mb(request)
            if limit_mb is not None and length > limit_mb * 1024 * 1024:
                return _too_large(request, limit_mb)
        return self.get_response(request)

"""Bad API tokens are counted per client address; past a limit, every token from that
address is refused until the window ends, so a token cannot be found by trying (django-axes
does the same for the login pages). Used by `ApiTokenAuthentication`.

Requests without a token (anonymous readers, browser sessions) are never counted nor
refused: one office's shared address must not lock its readers out. The counter lives in the
"ratelimit" cache (a file cache shared by the web processes); its increments are not atomic
across processes, so the limit is approximate by a few attempts, not by orders of magnitude.
"""

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import caches
from rest_framework.exceptions import Throttled


def _cache():
    return caches["ratelimit"]


def _key(request) -> str:
    return f"api-auth-failures:{get_client_ip_address(request)}"


def is_blocked(request) -> bool:
    return (_cache().get(_key(request)) or 0) >= settings.API_AUTH_FAILURE_LIMIT


def record_failure(request) -> None:
    cache, key = _cache(), _key(request)
    cache.add(key, 0, timeout=settings.API_AUTH_FAILURE_WINDOW_S)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr: this failure opens a new window
        cache.set(key, 1, timeout=settings.API_AUTH_FAILURE_WINDOW_S)


class TooManyFailures(Throttled):
    def __init__(self):
        minutes = max(settings.API_AUTH_FAILURE_WINDOW_S // 60, 1)
        super().__init__(
            wait=settings.API_AUTH_FAILURE_WINDOW_S,
            detail=(
                "Trop de jetons d'API invalides depuis cette adresse : les identifications "
                f"par jeton sont refusées pendant {minutes} minutes."
            ),
        )

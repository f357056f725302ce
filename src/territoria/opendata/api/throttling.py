"""Rate limits: per API key (its own rate), per logged-in user, per IP address for anonymous
callers. Counters live in the "ratelimit" cache (a file cache by default) so that every
gunicorn worker sees the same counts."""

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from territoria.core.models import ApiToken


class OpendataRateThrottle(SimpleRateThrottle):
    scope = "opendata"

    def __init__(self):
        self.cache = caches["ratelimit"]
        self.rate = settings.OPENDATA_ANON_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def allow_request(self, request, view):
        # Also used on plain Django requests (the SQL console page), which have no `auth`.
        if isinstance(getattr(request, "auth", None), ApiToken):
            self.rate = f"{request.auth.requests_per_minute}/min"
        else:
            self.rate = settings.OPENDATA_ANON_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if isinstance(getattr(request, "auth", None), ApiToken):
            ident = f"key-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return f"throttle_opendata_{ident}"

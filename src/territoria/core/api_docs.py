"""The API reference page (Redoc), served whole from the platform.

drf-spectacular's own page loads Google Fonts and, by default, Redoc from a CDN: blank on a
network without internet. Here Redoc comes from drf-spectacular-sidecar's static files, the
template loads no web font, and a Content-Security-Policy keeps the browser from contacting
any other host (Redoc's bundle still links its vendor's logo from a CDN: refused, hidden)."""

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView

# Redoc styles itself with inline <style> (styled-components) and renders in a blob worker.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "worker-src 'self' blob:; font-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'self'"
)


class ApiDocsView(SpectacularRedocView):
    template_name = "core/api_docs.html"

    @extend_schema(exclude=True)  # a page, not an endpoint of the API (as upstream's view)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response

"""Top-level routes: each domain app owns its pages (`urls.py`) and API (`api/urls.py`)."""

from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

urlpatterns = [
    path("", include("territoria.core.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        # Our own page: drf-spectacular's loads Google Fonts, which an offline platform lacks.
        # Redoc builds its search index in a worker made from a blob: allowed on this page only.
        csp_update({"worker-src": ["'self'", "blob:"]})(
            SpectacularRedocView.as_view(url_name="api-schema", template_name="core/api_docs.html")
        ),
        name="api-docs",
    ),
]

# Apps plug in their pages and API here; an app without routes yet is skipped.
for app in ("registre", "assistant", "opendata", "gouvernance"):
    try:
        urlpatterns.append(path("", include(f"territoria.{app}.urls")))
    except ModuleNotFoundError as error:
        if error.name != f"territoria.{app}.urls":
            raise

handler404 = "territoria.core.views.page_not_found"
handler500 = "territoria.core.views.server_error"

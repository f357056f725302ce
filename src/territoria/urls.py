"""Top-level routes: core's, then the URL modules every app declares (core/modules.py)."""

from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from territoria.core import modules

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
urlpatterns += [path(module.prefix, include(module.module)) for module in modules.url_modules()]

handler404 = "territoria.core.views.page_not_found"
handler500 = "territoria.core.views.server_error"

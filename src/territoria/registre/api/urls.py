"""Routes of the register API, included from `registre/urls.py` under `api/registre/`."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from territoria.registre.api import discovery, viewsets
from territoria.registre.views.platform import PlatformSystemsView

router = SimpleRouter()
router.register("projets", viewsets.ProjectViewSet, basename="api-project")
router.register("organisations", viewsets.OrganisationViewSet, basename="api-organisation")
router.register("signalements", viewsets.ErrorReportViewSet, basename="api-report")

urlpatterns = [
    # Discovery (search with facets, map, dashboard, similar projects): read-only.
    path("recherche/", discovery.SearchView.as_view(), name="api-search"),
    path("facettes/", discovery.FacetsView.as_view(), name="api-facets"),
    path("carte/", discovery.MapView.as_view(), name="api-map"),
    path("tableau-de-bord/", discovery.DashboardView.as_view(), name="api-dashboard"),
    path("projets/<uuid:pk>/similaires/", discovery.SimilarView.as_view(), name="api-similar"),
    path("vocabulaires/", viewsets.VocabularyView.as_view(), name="api-vocabularies"),
    path("plateforme/", PlatformSystemsView.as_view(), name="api-platform"),
    *router.urls,
]

"""Routes of the register API, included from `registre/urls.py` under `api/registre/`."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from territoria.registre.api import viewsets

router = SimpleRouter()
router.register("projets", viewsets.ProjectViewSet, basename="api-project")
router.register("organisations", viewsets.OrganisationViewSet, basename="api-organisation")
router.register("signalements", viewsets.ErrorReportViewSet, basename="api-report")

urlpatterns = [
    path("vocabulaires/", viewsets.VocabularyView.as_view(), name="api-vocabularies"),
    *router.urls,
]

from django.urls import path
from rest_framework.routers import SimpleRouter

from territoria.opendata.api import views

router = SimpleRouter()
router.register("datasets", views.DatasetViewSet, basename="api-dataset")
router.register("resources", views.ResourceViewSet, basename="api-resource")
router.register("versions", views.VersionViewSet, basename="api-version")
router.register("api-keys", views.ApiKeyViewSet, basename="api-apikey")

urlpatterns = [
    path("tables/<slug:table_name>/rows/", views.TableRowsView.as_view(), name="api-table-rows"),
    path(
        "tables/<slug:table_name>/aggregate/",
        views.TableAggregateView.as_view(),
        name="api-table-aggregate",
    ),
    path("tables/<slug:table_name>/download.<str:fmt>", views.download, name="api-table-download"),
    path("sql/", views.SqlView.as_view(), name="api-sql"),
    path("catalog.jsonld", views.dcat_catalog, name="api-dcat"),
    *router.urls,
]

from django.urls import include, path

from territoria.opendata import views
from territoria.opendata.api import views as api_views

app_name = "opendata"

urlpatterns = [
    path("donnees/", views.catalog, name="catalog"),
    path("donnees/catalogue.jsonld", api_views.dcat_catalog, name="dcat"),
    path("donnees/publier/", views.dataset_create, name="dataset-create"),
    path("donnees/sql/", views.sql_console, name="sql"),
    path("donnees/sql/resultat.csv", views.sql_export, name="sql-export"),
    path("donnees/cles-api/", views.api_keys, name="api-keys"),
    path("donnees/mes-jeux/", views.my_datasets, name="mine"),
    path("donnees/<slug:slug>/", views.dataset, name="dataset"),
    path("donnees/<slug:slug>/modifier/", views.dataset_edit, name="dataset-edit"),
    path("donnees/<slug:slug>/retirer/", views.dataset_withdraw, name="dataset-withdraw"),
    path("donnees/<slug:slug>/ressources/ajouter/", views.resource_add, name="resource-add"),
    path("donnees/<slug:slug>/<slug:resource_slug>/", views.resource, name="resource"),
    path(
        "donnees/<slug:slug>/<slug:resource_slug>/nouvelle-version/",
        views.version_add,
        name="version-add",
    ),
    path(
        "donnees/<slug:slug>/<slug:resource_slug>/versions/<int:number>/",
        views.version,
        name="version",
    ),
    path("api/opendata/", include("territoria.opendata.api.urls")),
]

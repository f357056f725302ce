from django.urls import include, path

from territoria.registre import discovery_views, views

app_name = "registre"

urlpatterns = [
    path("registre/", views.project_list, name="list"),
    path("registre/projets/<uuid:pk>/", views.project_detail, name="detail"),
    # Discovery (search, map, dashboard, similar projects) and its API: registre/search/.
    path("registre/recherche/", discovery_views.search, name="search"),
    path("registre/carte/", discovery_views.project_map, name="map"),
    path("registre/tableau-de-bord/", discovery_views.dashboard, name="dashboard"),
    path("registre/projets/<uuid:pk>/similaires/", discovery_views.similar, name="similar"),
    path("api/registre/", include("territoria.registre.api_discovery")),
]

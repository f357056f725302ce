from django.urls import path

from territoria.plantabilite import views

app_name = "plantabilite"

urlpatterns = [
    path("", views.index, name="index"),
    path("calculs/<uuid:pk>/", views.computation_page, name="computation"),
    path("calculs/<uuid:pk>/carte.png", views.map_png, name="map_png"),
    path("calculs/<uuid:pk>/sensibilite.png", views.sensitivity_png, name="sensitivity_png"),
    path("calculs/<uuid:pk>/plantabilite.tif", views.geotiff, name="geotiff"),
    path("calculs/<uuid:pk>/plantabilite.gpkg", views.geopackage, name="geopackage"),
    path("calculs/<uuid:pk>/tuiles/<int:z>/<int:x>/<int:y>.png", views.tile, name="tile"),
    path("<slug:slug>/", views.territory_page, name="territory"),
    path("<slug:slug>/couches/", views.layers_page, name="layers"),
    path("<slug:slug>/couches/helsinki/", views.load_helsinki, name="load_helsinki"),
    path("<slug:slug>/couches/<uuid:pk>/supprimer/", views.delete_layer, name="delete_layer"),
    path("<slug:slug>/profils/", views.profiles_page, name="profiles"),
    path("<slug:slug>/calculs/", views.computations_page, name="computations"),
    path("<slug:slug>/sites/", views.sites_page, name="sites"),
    path(
        "<slug:slug>/plantations/<uuid:pk>/supprimer/",
        views.delete_planting,
        name="delete_planting",
    ),
    path("<slug:slug>/zones/", views.zones_page, name="zones"),
    path("<slug:slug>/besoins/", views.needs_page, name="needs"),
    path("<slug:slug>/besoins/<uuid:pk>/supprimer/", views.delete_need, name="delete_need"),
    path("<slug:slug>/zones/<uuid:pk>/", views.zone_page, name="zone"),
    path("<slug:slug>/zones/<uuid:pk>/supprimer/", views.delete_zone, name="delete_zone"),
]

from django.urls import path

from territoria.mobilite import views

app_name = "mobilite"

urlpatterns = [
    path("", views.index, name="index"),
    path("reseaux/importer/", views.network_import, name="network_import"),
    path("reseaux/<uuid:pk>/", views.network_detail, name="network"),
    path("reseaux/<uuid:pk>/scenarios/", views.scenario_create, name="scenario_create"),
    path("reseaux/<uuid:pk>/comptages/", views.counts_import, name="counts_import"),
    path("reseaux/<uuid:pk>/comptages/analyse.json", views.flow_api, name="flow_api"),
    path("reseaux/<uuid:pk>/comptages/analyse/", views.flow_refresh, name="flow_refresh"),
    path("reseaux/<uuid:pk>/calendrier/", views.calendar_import, name="calendar_import"),
    path("reseaux/<uuid:pk>/calage/", views.calibrate, name="calibrate"),
    path("reseaux/<uuid:pk>/chantiers/", views.roadworks_run, name="roadworks"),
    path("reseaux/<uuid:pk>/matrice/", views.scenario_run_od, name="scenario_run_od"),
    path("reseaux/<uuid:pk>/itineraires/", views.scenario_run_routes, name="scenario_run_routes"),
    path("reseaux/<uuid:pk>/feux/", views.signals_run, name="signals"),
    path("simulations/<uuid:pk>/plans.add.xml", views.signals_plans, name="signals_plans"),
    path(
        "simulations/<uuid:pk>/plans-<slug:variant>.add.xml",
        views.signals_plans,
        {"fmt": "xml"},
        name="signals_plans_xml",
    ),
    path(
        "simulations/<uuid:pk>/plans-<slug:variant>.json",
        views.signals_plans,
        {"fmt": "json"},
        name="signals_plans_json",
    ),
    path("scenarios/<uuid:pk>/simuler/", views.scenario_run, name="scenario_run"),
    path("simulations/<uuid:pk>/", views.job_detail, name="job"),
    path("accidents/", views.accidents, name="accidents"),
    path("accidents/importer/", views.accidents_import, name="accidents_import"),
]

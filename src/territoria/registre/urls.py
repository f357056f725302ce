from django.urls import path

from territoria.registre import export_views, views

app_name = "registre"

urlpatterns = [
    path("registre/", views.project_list, name="list"),
    path("registre/projets/<uuid:pk>/", views.project_detail, name="detail"),
    # Downloads (import/export part): export.csv|xlsx|json|geojson (?champs=tous) and the Table Schema.
    path("registre/export.<str:format>", export_views.export, name="export"),
    path("registre/schema.json", export_views.schema_json, name="table_schema"),
]

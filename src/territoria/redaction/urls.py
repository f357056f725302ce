from django.urls import path

from territoria.redaction import views

app_name = "redaction"

urlpatterns = [
    path("redaction/deliberations/", views.deliberations, name="deliberations"),
    path("redaction/deliberations/import/", views.import_deliberations, name="import"),
    path("redaction/deliberations/<uuid:pk>/", views.deliberation_detail, name="deliberation"),
    path("redaction/", views.index, name="index"),
    path("redaction/projets/nouveau/", views.new_draft, name="new_draft"),
    path("redaction/projets/<uuid:pk>/", views.draft_detail, name="draft"),
    path("redaction/projets/<uuid:pk>/adopter/", views.adopt_draft, name="adopt"),
    path("redaction/projets/<uuid:pk>/export/<str:fmt>/", views.export_draft, name="export_draft"),
    path("redaction/modeles/", views.templates_view, name="templates"),
    path("redaction/outils/synthese-documents/", views.summary_selection, name="summary_selection"),
    path("redaction/outils/<str:name>/", views.tool, name="tool"),
    path("redaction/travaux/<uuid:pk>/", views.job_detail, name="job"),
    path("redaction/travaux/<uuid:pk>/export/<str:fmt>/", views.export_job, name="export_job"),
]

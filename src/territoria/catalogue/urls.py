from django.urls import path

from territoria.catalogue import views

app_name = "catalogue"

urlpatterns = [
    path("", views.index, name="index"),
    path("guide/", views.choice_guide, name="guide"),
    path("comparer/", views.compare, name="compare"),
    path("poids/", views.weights, name="weights"),
    path("competences/", views.territory, name="territory"),
    path("export.<str:fmt>", views.export_catalogue, name="export"),
    path("doublons/", views.duplicates, name="duplicates"),
    path("solutions/nouvelle/", views.solution_edit, name="solution_new"),
    path("solutions/<uuid:pk>/", views.solution_detail, name="solution"),
    path("solutions/<uuid:pk>/modifier/", views.solution_edit, name="solution_edit"),
    path("solutions/<uuid:pk>/evaluer/", views.evaluate, name="evaluate"),
    path("solutions/<uuid:pk>/utilisation/", views.link_project, name="link_project"),
    path("experimentations/", views.experiments, name="experiments"),
    path("experimentations/export.<str:fmt>", views.export_experiments, name="experiments_export"),
    path("experimentations/nouvelle/", views.experiment_new, name="experiment_new"),
    path("experimentations/<uuid:pk>/", views.experiment_detail, name="experiment"),
    path("experimentations/<uuid:pk>/rapport/", views.experiment_report, name="experiment_report"),
    path(
        "experimentations/<uuid:pk>/reproduire/",
        views.experiment_replicate,
        name="experiment_replicate",
    ),
    path(
        "experimentations/<uuid:pk>/journal/", views.experiment_journal, name="experiment_journal"
    ),
    path("registre/<uuid:pk>/reproduire/", views.record_replicate, name="record_replicate"),
    path("import/", views.import_start, name="import"),
    path("import/<uuid:pk>/", views.import_run, name="import_run"),
    path("idees/", views.ideas, name="ideas"),
    path("idees/sessions/nouvelle/", views.session_new, name="session_new"),
    path("idees/sessions/<uuid:pk>/", views.session_detail, name="session"),
    path("idees/<uuid:pk>/vote/", views.idea_vote, name="idea_vote"),
    path("idees/<uuid:pk>/etat/", views.idea_status, name="idea_status"),
]

from django.urls import include, path

from territoria.registre import views
from territoria.registre.api.token_views import api_token_page
from territoria.registre.views import discovery, exports, imports, platform
from territoria.registre.views.feeds import ProjectAtomFeed, ProjectRssFeed

app_name = "registre"

urlpatterns = [
    path("registre/", views.project_list, name="list"),
    path("registre/projets/<uuid:pk>/", views.project_detail, name="detail"),
    # Discovery: search, map, dashboard, similar projects — before
    # the `projets/<pk>/<action>/` transitions, which would take "similaires" for an action.
    path("registre/recherche/", discovery.search, name="search"),
    path("registre/carte/", discovery.project_map, name="map"),
    path("registre/tableau-de-bord/", discovery.dashboard, name="dashboard"),
    path("registre/projets/<uuid:pk>/similaires/", discovery.similar, name="similar"),
    # Downloads: export.csv|xlsx|json|geojson (?champs=tous) and the Table Schema.
    path("registre/export.<str:format>", exports.export, name="export"),
    path("registre/schema.json", exports.schema_json, name="table_schema"),
    # Contribution pages: contribution, workflow, moderation, history, error reports.
    path("registre/projets/nouveau/", views.project_create, name="create"),
    path("registre/projets/<uuid:pk>/modifier/", views.project_edit, name="edit"),
    path("registre/projets/<uuid:pk>/historique/", views.project_history, name="history"),
    path("registre/projets/<uuid:pk>/signaler/", views.report_error, name="report"),
    path("registre/projets/<uuid:pk>/<slug:action>/", views.project_transition, name="transition"),
    path("registre/contribuer/valider/<str:field>/", views.validate_field, name="validate_field"),
    path("registre/organisations/", views.organisation_list, name="organisations"),
    path("registre/organisations/<uuid:pk>/", views.organisation_detail, name="organisation"),
    path(
        "registre/organisations/nouvelle/",
        views.organisation_create,
        name="organisation-create",
    ),
    path(
        "registre/organisations/<uuid:pk>/modifier/",
        views.organisation_edit,
        name="organisation-edit",
    ),
    path("registre/plateforme/", platform.platform_systems, name="platform"),
    path("registre/moderation/", views.moderation_queue, name="moderation"),
    path("registre/signalements/<uuid:pk>/statut/", views.report_status, name="report_status"),
    path("registre/journal/", views.journal, name="journal"),
    path("registre/mon-espace/", views.account, name="account"),
    # REST API (CRUD and discovery), feeds and API tokens.
    path("api/registre/", include("territoria.registre.api.urls")),
    path("registre/flux.atom", ProjectAtomFeed(), name="feed_atom"),
    path("registre/flux.rss", ProjectRssFeed(), name="feed_rss"),
    path("registre/jeton-api/", api_token_page, name="api_token"),
    # Import pages for moderators: dry run, confirmation, background job.
    path("registre/import/", imports.import_page, name="import"),
    path("registre/import/confirmer/", imports.import_confirm, name="import_confirm"),
    path("registre/import/<uuid:pk>/", imports.import_job, name="import_job"),
]

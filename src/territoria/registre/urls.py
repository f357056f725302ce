from django.urls import include, path

from territoria.registre import views
from territoria.registre.api.token_views import api_token_page
from territoria.registre.feeds import ProjectAtomFeed, ProjectRssFeed

app_name = "registre"

urlpatterns = [
    path("registre/", views.project_list, name="list"),
    path("registre/projets/<uuid:pk>/", views.project_detail, name="detail"),
    # REST API, feeds and API tokens (registre-api).
    path("api/registre/", include("territoria.registre.api.urls")),
    path("registre/flux.atom", ProjectAtomFeed(), name="feed_atom"),
    path("registre/flux.rss", ProjectRssFeed(), name="feed_rss"),
    path("registre/jeton-api/", api_token_page, name="api_token"),
]

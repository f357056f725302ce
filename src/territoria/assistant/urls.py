from django.urls import include, path

from territoria.assistant import views

app_name = "assistant"

urlpatterns = [
    path("assistant/", views.chat, name="chat"),
    path("assistant/public/", views.public_chat, name="public"),
    path("assistant/collections/", views.collections, name="collections"),
    # Before <slug>: "nouvelle" is never given to a collection (forms.RESERVED_SLUGS).
    path("assistant/collections/nouvelle/", views.collection_create, name="collection_create"),
    path("assistant/collections/<slug:slug>/", views.collection_detail, name="collection"),
    path(
        "assistant/collections/<slug:slug>/modifier/",
        views.collection_edit,
        name="collection_edit",
    ),
    path(
        "assistant/collections/<slug:slug>/supprimer/",
        views.collection_delete,
        name="collection_delete",
    ),
    path("assistant/documents/<uuid:pk>/", views.document_view, name="document"),
    path("assistant/documents/<uuid:pk>/fichier/", views.document_file, name="document_file"),
    path("assistant/documents/<uuid:pk>/supprimer/", views.document_delete, name="document_delete"),
    path("assistant/echanges/<uuid:pk>/avis/", views.feedback, name="feedback"),
    path("assistant/echanges/<uuid:pk>/agent/", views.handoff, name="handoff"),
    path("assistant/demandes/", views.handoffs, name="handoffs"),
    path("assistant/journal/", views.exchange_log, name="log"),
    path("api/assistant/", include("territoria.assistant.api.urls")),
]

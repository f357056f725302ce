from django.urls import path
from rest_framework.routers import SimpleRouter

from territoria.assistant.api import views

router = SimpleRouter()
router.register("collections", views.CollectionViewSet, basename="assistant-collection")
router.register("handoffs", views.HandoffViewSet, basename="assistant-handoff")
router.register("log", views.ExchangeLogViewSet, basename="assistant-log")
router.register("history", views.ConversationExchangesViewSet, basename="assistant-history")

urlpatterns = [
    path("ask/", views.ask_view, name="api-ask"),
    path("search/", views.search_view, name="api-search"),
    path("exchanges/<uuid:pk>/feedback/", views.feedback_view, name="api-feedback"),
    path("jobs/<uuid:pk>/", views.job_detail, name="api-job"),
    *router.urls,
]

from django.urls import path

from tests.fixture_module import views

app_name = "fixture_module"

urlpatterns = [
    path("", views.index, name="index"),
    path("notes/<int:pk>/", views.note, name="note"),
    path("carte/", views.shapes, name="shapes"),
]

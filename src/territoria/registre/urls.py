from django.urls import path

from territoria.registre import views

app_name = "registre"

urlpatterns = [
    path("registre/", views.project_list, name="list"),
    path("registre/projets/<uuid:pk>/", views.project_detail, name="detail"),
]

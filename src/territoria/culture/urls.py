from django.urls import path

from territoria.culture import views, views_surveys

app_name = "culture"

urlpatterns = [
    path("", views.index, name="index"),
    path("territoires/<slug:slug>/", views.observatory, name="observatory"),
    path("territoires/<slug:slug>/carte.svg", views.observatory_map, name="observatory_map"),
    path("territoires/<slug:slug>/iris/", views.observatory_iris, name="observatory_iris"),
    path(
        "territoires/<slug:slug>/iris/carte.svg",
        views.observatory_iris_map,
        name="observatory_iris_map",
    ),
    path("territoires/<slug:slug>/communes.csv", views.observatory_csv, name="observatory_csv"),
    path(
        "territoires/<slug:slug>/iris.csv", views.observatory_iris_csv, name="observatory_iris_csv"
    ),
    path("musees/", views.series_list, name="series_list"),
    path("musees/<str:ref>/", views.series, name="series"),
    path("evaluations/", views.actions, name="actions"),
    path("evaluations/<uuid:pk>/", views.action, name="action"),
    path("import/", views.imports, name="imports"),
    path("traitements/<uuid:pk>/", views.job, name="job"),
]

urlpatterns += [
    path("enquetes/", views_surveys.surveys_page, name="surveys"),
    path("enquetes/<uuid:pk>/", views_surveys.survey_results, name="survey_results"),
    path("repondre/<str:token>/", views_surveys.survey_answer, name="survey_answer"),
]

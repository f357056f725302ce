from django.urls import path

from territoria.eau import views

app_name = "eau"

urlpatterns = [
    path("", views.index, name="index"),
    path("rappels/", views.reminder_delay, name="reminder_delay"),
    path("reseaux/importer/", views.network_import, name="network_import"),
    path("reseaux/<uuid:pk>/", views.network_detail, name="network"),
    path("reseaux/<uuid:pk>/mesures/", views.scada_import, name="scada_import"),
    path("reseaux/<uuid:pk>/rejouer/", views.replay, name="replay"),
    path("reseaux/<uuid:pk>/publication/", views.publication, name="publication"),
    path("reseaux/<uuid:pk>/jours-feries/", views.calendar, name="calendar"),
    path("zones/<uuid:pk>/", views.zone_edit, name="zone"),
    path("alertes/<uuid:pk>/", views.alert_detail, name="alert"),
    path("alertes/<uuid:pk>/action/", views.alert_action, name="alert_action"),
    path("traitements/<uuid:pk>/", views.job_detail, name="job"),
    path("renouvellement/", views.renewal, name="renewal"),
    path("renouvellement/plan.csv", views.renewal_csv, name="renewal_csv"),
    path("qualite/", views.quality, name="quality"),
    path("qualite/importer/", views.quality_import, name="quality_import"),
    path("qualite/commune/<str:commune>/", views.quality, name="quality_commune"),
    path("qualite/suivi/<uuid:pk>/", views.quality_follow_up, name="quality_follow_up"),
]

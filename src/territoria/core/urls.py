from django.contrib.auth import views as auth_views
from django.urls import path

from territoria.core import views
from territoria.core.password_reset import urlpatterns as password_reset_urls

urlpatterns = [
    path("", views.home, name="home"),
    path("connexion/", auth_views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("exploitation/", views.operations, name="operations"),
    *password_reset_urls,
]

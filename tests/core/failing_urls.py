"""The platform's routes plus routes that fail unexpectedly (tests of the 500 bodies)."""

from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

from territoria.urls import *  # the real routes and error handlers
from territoria.urls import urlpatterns as platform_urlpatterns

SECRET_PATH = "/srv/territoria/var/secret-config.toml"


@api_view(["GET"])
@permission_classes([AllowAny])
def failing_api_view(request):
    raise OSError(f"[Errno 13] Permission denied: '{SECRET_PATH}'")


def failing_plain_view(request):
    raise OSError(f"[Errno 13] Permission denied: '{SECRET_PATH}'")


urlpatterns = [
    path("api/test/echec/", failing_api_view),
    path("api/test/echec-django/", failing_plain_view),
    path("test/echec-page/", failing_plain_view),
    *platform_urlpatterns,
]

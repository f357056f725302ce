"""API errors: French JSON with the right status on every DRF endpoint, never an HTML page.

Set as DRF's EXCEPTION_HANDLER. Django's own exceptions raised by services (ValidationError,
PermissionDenied, Http404) keep their French message; an unexpected exception is logged with
its traceback and answered with a fixed 500 body: no exception text, no server path.
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

logger = logging.getLogger("territoria.api")

NOT_FOUND = "Ressource introuvable : identifiant inconnu, ou non accessible avec vos droits."
SERVER_ERROR = (
    "Erreur interne du serveur : la requête n'a pas abouti et rien n'a été enregistré. "
    "L'erreur est consignée dans le journal ; réessayez plus tard ou contactez l'administrateur."
)


def server_error_body() -> dict:
    return {"detail": SERVER_ERROR, "code": "erreur_serveur"}


def as_drf_exception(exc, field_name=lambda key: key):
    """Django's exceptions as DRF ones; `field_name` renames model fields for the API."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(
                {
                    "non_field_errors" if key == "__all__" else field_name(key): messages
                    for key, messages in exc.message_dict.items()
                }
            )
        return exceptions.ValidationError({"detail": exc.messages})
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        return exceptions.NotFound(NOT_FOUND)
    return exc


def api_exception_handler(exc, context, field_name=lambda key: key):
    response = exception_handler(as_drf_exception(exc, field_name), context)
    if response is not None or settings.DEBUG:
        return response  # DEBUG: let Django show its traceback page to the developer
    request = context.get("request")
    logger.error(
        "Erreur interne sur %s %s",
        getattr(request, "method", "?"),
        getattr(request, "path", "?"),
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    set_rollback()
    return Response(server_error_body(), status=status.HTTP_500_INTERNAL_SERVER_ERROR)

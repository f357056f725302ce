"""Errors of the register API: plain French JSON with the right status, never a 500.

Django's own exceptions raised by the services (ValidationError, PermissionDenied, Http404) and
the workflow's ConcurrentEditError are turned into DRF responses keeping their French message.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.response import Response
from rest_framework.views import exception_handler

from territoria.registre import schema
from territoria.registre.services.workflow import ConcurrentEditError

NOT_FOUND = "Ressource introuvable : identifiant inconnu, ou non accessible avec vos droits."


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = (
        "Indiquez la version du projet que vous modifiez (champ « version » ou en-tête If-Match) : "
        "elle évite d'écraser les modifications d'une autre personne."
    )
    default_code = "version_requise"


def _field_name(key: str) -> str:
    spec = schema.BY_ATTR.get(key)
    if key == "__all__":
        return "non_field_errors"
    return spec.name if spec else key


def as_drf_exception(exc):
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(
                {_field_name(k): v for k, v in exc.message_dict.items()}
            )
        return exceptions.ValidationError({"detail": exc.messages})
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        return exceptions.NotFound(NOT_FOUND)
    return exc


def french_exception_handler(exc, context):
    if isinstance(exc, ConcurrentEditError):
        return Response(
            {"detail": str(exc), "current_version": exc.project.version, "code": "version_perimee"},
            status=status.HTTP_409_CONFLICT,
        )
    return exception_handler(as_drf_exception(exc), context)


class FrenchErrorsMixin:
    """Views of the register API answer errors with `french_exception_handler`.

    Token authentication comes first so that an anonymous or bad-token call gets a 401 with a
    `WWW-Authenticate: Token` header (programs understand it) rather than a bare 403.
    """

    authentication_classes = [TokenAuthentication, SessionAuthentication]

    def get_exception_handler(self):
        return french_exception_handler

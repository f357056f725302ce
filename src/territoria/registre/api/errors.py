"""Errors of the register API: the platform's French JSON errors (core.api.errors), plus the
workflow's ConcurrentEditError as a 409 carrying the current version.
"""

from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response

from territoria.core.api.authentication import ApiTokenAuthentication
from territoria.core.api.errors import NOT_FOUND, api_exception_handler
from territoria.registre import schema
from territoria.registre.services.workflow import ConcurrentEditError

__all__ = ["NOT_FOUND", "FrenchErrorsMixin", "PreconditionRequired", "french_exception_handler"]


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = (
        "Indiquez la version du projet que vous modifiez (champ « version » ou en-tête If-Match) : "
        "elle évite d'écraser les modifications d'une autre personne."
    )
    default_code = "version_requise"


def _field_name(key: str) -> str:
    spec = schema.BY_ATTR.get(key)
    return spec.name if spec else key


def french_exception_handler(exc, context):
    """The platform's handler (core.api.errors), plus the register's edit conflicts and the
    schema's field names (`coll_siret`…) in validation errors."""
    if isinstance(exc, ConcurrentEditError):
        return Response(
            {"detail": str(exc), "current_version": exc.project.version, "code": "version_perimee"},
            status=status.HTTP_409_CONFLICT,
        )
    return api_exception_handler(exc, context, field_name=_field_name)


class FrenchErrorsMixin:
    """Views of the register API answer errors with `french_exception_handler`.

    Token authentication comes first so that an anonymous or bad-token call gets a 401 with a
    `WWW-Authenticate: Token` header (programs understand it) rather than a bare 403.
    """

    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]

    def get_exception_handler(self):
        return french_exception_handler

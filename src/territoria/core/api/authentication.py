"""API authentication by token (core/tokens.py), for every app's API.

Accepted headers: `Authorization: Token <token>` (the register's historical scheme),
`Authorization: Bearer <token>`, `Authorization: Api-Key <token>` or `X-Api-Key: <token>` (the
open-data key's). A token is refused on a view outside its scopes (403), so a register token
cannot write open data and a read-only key cannot write as its owner.
"""

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from territoria.core import tokens
from territoria.core.api import failed_tokens

KEYWORDS = ("Token", "Bearer", "Api-Key")


def raw_token(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    keyword, _, value = header.partition(" ")
    if keyword in KEYWORDS and value.strip():
        return value.strip()
    return request.META.get("HTTP_X_API_KEY", "").strip() or None


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        raw = raw_token(request)
        if raw is None:
            return None
        if failed_tokens.is_blocked(request):  # even a right token: no guessing by trying
            raise failed_tokens.TooManyFailures()
        token = tokens.find(raw)
        if token is None:
            failed_tokens.record_failure(request)
            raise exceptions.AuthenticationFailed("Jeton d'API inconnu ou révoqué.")
        owner = token.owner
        if owner is not None and not owner.is_active:
            raise exceptions.AuthenticationFailed("Le compte titulaire de ce jeton est désactivé.")
        view = (getattr(request, "parser_context", None) or {}).get("view")
        scope = tokens.required_scope(view, request.method)
        if scope is None or not token.allows(scope):
            raise exceptions.PermissionDenied(
                f"Ce jeton n'a pas la portée « {scope or 'inconnue'} » nécessaire à cette "
                f"requête (portées du jeton : {', '.join(token.scopes) or 'aucune'})."
            )
        tokens.record_use(token)
        return (owner or AnonymousUser(), token)

    def authenticate_header(self, request):
        return "Token"


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Documents the token in the OpenAPI description."""

    target_class = "territoria.core.api.authentication.ApiTokenAuthentication"
    name = "jetonApi"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "« Token <jeton> » (ou « Bearer <jeton> », « Api-Key <jeton> », "
            "l'en-tête X-Api-Key). Le jeton n'agit que dans ses portées.",
        }

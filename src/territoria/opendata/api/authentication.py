"""API keys: `Authorization: Api-Key <key>` (or the `X-Api-Key` header)."""

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from territoria.opendata.models import ApiKey


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Api-Key"

    def authenticate(self, request):
        raw = request.META.get("HTTP_X_API_KEY", "")
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header.startswith(self.keyword + " "):
            raw = header[len(self.keyword) + 1 :]
        if not raw:
            return None
        key = ApiKey.find(raw)
        if key is None:
            raise exceptions.AuthenticationFailed("Clé d'API inconnue ou désactivée.")
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
        return (key.owner or AnonymousUser(), key)

    def authenticate_header(self, request):
        return self.keyword


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """Documents the API key in the OpenAPI schema."""

    target_class = "territoria.opendata.api.authentication.ApiKeyAuthentication"
    name = "cleApi"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "« Api-Key <clé> » (ou l'en-tête X-Api-Key).",
        }

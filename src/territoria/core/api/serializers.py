from rest_framework import serializers

from territoria.core import tokens
from territoria.core.models import ApiToken


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as its owner sees it: never the secret, which is shown once at creation."""

    scopes = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text='Portées du jeton, ex. ["opendata:read"] (par défaut : opendata:read).',
    )
    active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "scopes",
            "requests_per_minute",
            "active",
            "created_at",
            "last_used_at",
            "use_count",
        ]
        read_only_fields = [
            "prefix",
            "requests_per_minute",
            "created_at",
            "last_used_at",
            "use_count",
        ]

    def validate_scopes(self, value):
        declared = tokens.declared_scopes()
        unknown = [scope for scope in value if scope not in declared]
        if unknown:
            raise serializers.ValidationError(
                f"Portée inconnue « {unknown[0]} » ; portées possibles : {', '.join(declared)}."
            )
        return value

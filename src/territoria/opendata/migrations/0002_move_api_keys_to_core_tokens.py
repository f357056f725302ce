"""Open-data API keys become core ApiTokens, with the same hash: they keep working.

Their hash already was SHA-256 of the whole key (`td_<prefix>_<secret>`), which is what
core/tokens.py stores and recognises. They get the scope `opendata:read` only: a key was
meant for a higher rate limit, and must not write open data as its owner (security issue
L5). A holder who publishes by the API creates a key with `opendata:write`.
"""

from django.db import migrations
from django.utils import timezone

NOTE = "Clé de données ouvertes d'avant les portées : lecture seule."


def move_keys(apps, schema_editor):
    ApiKey = apps.get_model("opendata", "ApiKey")
    ApiToken = apps.get_model("core", "ApiToken")
    now = timezone.now()
    for key in ApiKey.objects.all():
        token = ApiToken.objects.create(
            owner_id=key.owner_id,
            name=key.name,
            prefix=key.prefix,
            key_hash=key.key_hash,
            scopes=["opendata:read"],
            requests_per_minute=key.requests_per_minute,
            revoked_at=None if key.active else now,
            last_used_at=key.last_used_at,
            note=NOTE,
        )
        ApiToken.objects.filter(pk=token.pk).update(created_at=key.created_at)


class Migration(migrations.Migration):
    dependencies = [("opendata", "0001_initial"), ("core", "0003_api_tokens")]

    operations = [migrations.RunPython(move_keys, migrations.RunPython.noop)]

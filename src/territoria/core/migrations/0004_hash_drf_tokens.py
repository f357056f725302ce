"""Register tokens of DRF's authtoken (stored in clear) become hashed ApiTokens.

Their holders keep working with the same token: its SHA-256 is stored, with the scopes
`registre:read` and `registre:write` (what the register token was for; it no longer writes
open data nor the assistant). Then the table holding them in clear is dropped, with the
migration records of the `authtoken` app, which is no longer installed.
"""

import datetime
import hashlib

from django.db import migrations
from django.utils import timezone

NOTE = "Jeton du registre d'avant les jetons hachés : portées registre seulement."


def hash_drf_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("core", "ApiToken")
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, user_id, created FROM authtoken_token")
        rows = cursor.fetchall()
    for key, user_id, created in rows:
        if isinstance(created, str):
            created = datetime.datetime.fromisoformat(created)
        if created is not None and timezone.is_naive(created):
            created = timezone.make_aware(created, datetime.UTC)
        token = ApiToken.objects.create(
            owner_id=user_id,
            name="Jeton du registre",
            prefix=key[:8],
            key_hash=hashlib.sha256(key.encode()).hexdigest(),
            scopes=["registre:read", "registre:write"],
            note=NOTE,
        )
        ApiToken.objects.filter(pk=token.pk).update(created_at=created)
    schema_editor.execute(schema_editor.sql_delete_table % {"table": "authtoken_token"})
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = %s", ["authtoken"])


class Migration(migrations.Migration):
    dependencies = [("core", "0003_api_tokens")]

    # Irreversible by nature: the clear tokens are gone (reversing leaves the hashed ones).
    operations = [migrations.RunPython(hash_drf_tokens, migrations.RunPython.noop)]

"""The register's search documents move to capability tokens, and the assistant's copy goes.

Before: restricted documents carried "staff", unpublished ones "role:moderateur" and
"role:administrateur"; the assistant held its own copy in "assistant:registre". Now the
tokens name the register's capabilities (ADR 0002) and the assistant reads the "registre"
namespace itself. Rewriting the tokens in place keeps agents' search of restricted fields
working from the upgrade on (the next save or `territoria reindex_registre` rewrites the
documents anyway).
"""

from django.db import migrations

RENAMED = {
    "staff": "cap:registre.view_restricted",
    "role:moderateur": "cap:registre.moderate",
    "role:administrateur": "cap:registre.moderate",
}


def forwards(apps, schema_editor):
    import uuid

    IndexedDocument = apps.get_model("search", "IndexedDocument")
    DocumentAccess = apps.get_model("search", "DocumentAccess")
    IndexNamespace = apps.get_model("search", "IndexNamespace")
    register = DocumentAccess.objects.filter(document__namespace="registre")
    for old, new in RENAMED.items():
        for access in register.filter(token=old):
            if DocumentAccess.objects.filter(document_id=access.document_id, token=new).exists():
                access.delete()
            else:
                access.token = new
                access.save(update_fields=["token"])
    copy = list(
        IndexedDocument.objects.filter(namespace="assistant:registre").values_list("pk", flat=True)
    )
    if copy and schema_editor.connection.vendor == "sqlite":
        with schema_editor.connection.cursor() as cursor:
            for start in range(0, len(copy), 500):
                chunk = copy[start : start + 500]
                cursor.execute(
                    f"DELETE FROM search_fts WHERE rowid IN ({', '.join(['%s'] * len(chunk))})",
                    chunk,
                )
    IndexedDocument.objects.filter(pk__in=copy).delete()
    for name in ("registre", "assistant:registre"):  # in-process caches must reload
        IndexNamespace.objects.filter(name=name).update(version=uuid.uuid4().hex)


class Migration(migrations.Migration):
    dependencies = [
        ("registre", "0006_project_start_year_bounds"),
        ("search", "0003_fts_vocabulary"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

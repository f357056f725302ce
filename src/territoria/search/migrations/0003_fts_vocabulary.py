"""SQLite: FTS5's vocabulary table (documents per term), read to leave out near-ubiquitous terms."""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE search_fts_vocab USING fts5vocab(search_fts, 'row')"
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS search_fts_vocab")


class Migration(migrations.Migration):
    dependencies = [("search", "0002_lexical_index")]

    operations = [migrations.RunPython(forward, backward)]

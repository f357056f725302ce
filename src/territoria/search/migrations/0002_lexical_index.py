"""The lexical index, by database vendor: FTS5 on SQLite, tsvector + GIN on PostgreSQL."""

from django.db import migrations

SQLITE_FORWARD = [
    # Terms are analysed in Python (territoria.search.analyzer); FTS5 only splits on spaces.
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 0')",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS search_fts"]
POSTGRES_FORWARD = [
    "ALTER TABLE search_document ADD COLUMN tsv tsvector",
    "CREATE INDEX search_document_tsv ON search_document USING GIN (tsv)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_document_tsv",
    "ALTER TABLE search_document DROP COLUMN IF EXISTS tsv",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]

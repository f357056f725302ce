"""Storage of the search core: documents of named indexes, their access tokens, vectors.

The lexical index itself is not a Django model: on SQLite it is an FTS5 virtual table
(`search_fts`), on PostgreSQL a tsvector column with a GIN index on `search_document`;
both are created by raw SQL in the migrations, by database vendor.
"""

from django.db import models


class IndexNamespace(models.Model):
    """A named index ("registre", "assistant:<collection>"), with a version stamp.

    Every write sets a new random stamp, so that the in-process vector matrix of the
    index (and any other cache) knows when it is stale. Random rather than a counter: a
    rolled-back write followed by another one must not reproduce a stamp already seen.
    """

    name = models.CharField(max_length=200, primary_key=True)
    version = models.CharField(max_length=32)
    # Changed by writes of rows (text, fields, access), not by vectors: a cache built from the
    # rows alone (the assistant's page index) need not look again while vectors are written.
    rows_version = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        db_table = "search_namespace"


class IndexedDocument(models.Model):
    """One searchable unit (a register record, a passage of a document)."""

    id = models.BigAutoField(primary_key=True)  # the FTS5 rowid
    namespace = models.CharField(max_length=200)
    key = models.CharField(max_length=255)  # the caller's id, unique within the namespace
    title = models.TextField(blank=True)
    text = models.TextField(blank=True)
    fields = models.JSONField(default=dict, blank=True)
    # What is embedded (may differ from `text`: e.g. title + beginning of a long passage).
    embedding_text = models.TextField(blank=True)
    content_hash = models.CharField(max_length=64)
    vector = models.BinaryField(null=True)  # float32 little-endian, L2-normalised
    vector_model = models.CharField(max_length=100, blank=True)

    class Meta:
        db_table = "search_document"
        constraints = [
            models.UniqueConstraint(fields=["namespace", "key"], name="search_document_unique_key")
        ]
        indexes = [models.Index(fields=["namespace", "vector_model"], name="search_doc_ns_vec")]


class DocumentAccess(models.Model):
    """One access token of a document: it is returned only to queries holding one of them."""

    document = models.ForeignKey(IndexedDocument, on_delete=models.CASCADE, related_name="access")
    token = models.CharField(max_length=200)

    class Meta:
        db_table = "search_access"
        constraints = [
            models.UniqueConstraint(fields=["document", "token"], name="search_access_unique")
        ]
        indexes = [models.Index(fields=["token", "document"], name="search_access_token")]


class EmbeddingCache(models.Model):
    """Vectors by sha256(model, text): a text is never embedded twice."""

    key = models.CharField(max_length=64, primary_key=True)
    vector = models.BinaryField()

    class Meta:
        db_table = "search_embedding_cache"

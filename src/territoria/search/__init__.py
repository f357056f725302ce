"""Territoria's shared search core: French analysis, embeddings, fusion, one index interface.

    from territoria.search import Document, get_index
    index = get_index()
    index.upsert("registre", [Document(key="42", title="…", text="…", access=["public"])])
    index.embed_pending("registre")            # dense vectors follow (background job)
    hits = index.search("registre", "fuites d'eau", access=access_tokens(request.user))

See docs/search.md. Names are imported lazily: Django imports this package before the
app registry is ready.
"""

_EXPORTS = {
    "Document": "territoria.search.backends.base",
    "Hit": "territoria.search.backends.base",
    "SearchIndex": "territoria.search.backends.base",
    "UpsertResult": "territoria.search.backends.base",
    "MODES": "territoria.search.backends.base",
    "access_tokens": "territoria.search.access",
    "PUBLIC": "territoria.search.access",
}


def get_index(using: str = "default"):
    """The implementation (a `SearchIndex`) for the vendor of the database `using`."""
    from django.db import connections

    vendor = connections[using].vendor
    if vendor == "sqlite":
        from territoria.search.backends.sqlite import SQLiteSearchIndex

        return SQLiteSearchIndex(using)
    if vendor == "postgresql":
        from territoria.search.backends.postgres import PostgresSearchIndex

        return PostgresSearchIndex(using)
    raise NotImplementedError(f"no search backend for database vendor {vendor!r}")


def __getattr__(name):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(name)


__all__ = [
    "MODES",
    "PUBLIC",
    "Document",
    "Hit",
    "SearchIndex",
    "UpsertResult",
    "access_tokens",
    "get_index",
]

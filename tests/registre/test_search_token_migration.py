"""Upgrading rewrites the register's search tokens to capabilities and drops the assistant's copy."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from territoria.search import Document, get_index
from territoria.search.models import DocumentAccess, IndexedDocument

BEFORE = ("registre", "0006_project_start_year_bounds")
AFTER = ("registre", "0007_search_tokens_are_capabilities")


@pytest.mark.django_db(transaction=True)
def test_upgrade_moves_register_tokens_to_capabilities():
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    index = get_index()
    index.upsert("registre", [Document("1", "budget 450 000", ["public"], title="Fuites")])
    index.upsert("registre", [Document("1:restreint", "budget secret", ["staff"], title="Fuites")])
    index.upsert(
        "registre",
        [Document("2", "brouillon", ["org:x", "role:moderateur", "role:administrateur"])],
    )
    index.upsert("assistant:registre", [Document("1:public", "copie", ["public"])])

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([AFTER])

    def tokens(key):
        return set(
            DocumentAccess.objects.filter(
                document__namespace="registre", document__key=key
            ).values_list("token", flat=True)
        )

    assert tokens("1") == {"public"}
    assert tokens("1:restreint") == {"cap:registre.view_restricted"}
    assert tokens("2") == {"org:x", "cap:registre.moderate"}
    assert not IndexedDocument.objects.filter(namespace="assistant:registre").exists()
    hits = index.search("registre", "secret", ["cap:registre.view_restricted"], mode="lexical")
    assert [h.key for h in hits] == ["1:restreint"]
    assert index.search("assistant:registre", "copie", ["public"], mode="lexical") == []

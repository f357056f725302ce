from territoria.search.fusion import distribution_score_fusion, reciprocal_rank_fusion
from territoria.search.highlight import highlight


def test_rrf_rewards_documents_ranked_well_by_both():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "a"]])
    assert next(item for item, _ in fused) == "b"


def test_rrf_keeps_items_of_a_single_ranking():
    fused = dict(reciprocal_rank_fusion([["a"], ["b"]]))
    assert set(fused) == {"a", "b"}
    assert fused["a"] == fused["b"]


def test_score_fusion_keeps_a_candidate_far_ahead_in_one_ranking_first():
    # "a" is far ahead in the dense ranking and a close third in the lexical one: rank fusion
    # puts "b" (1st and 2nd) first; the scores say "a" stands out.
    lexical = [("b", 10.0), ("c", 9.95), ("a", 9.9), ("d", 1.0)]
    dense = [("a", 0.95), ("b", 0.60), ("c", 0.59), ("d", 0.58)]
    assert next(item for item, _ in distribution_score_fusion([lexical, dense])) == "a"
    assert (
        next(
            item
            for item, _ in reciprocal_rank_fusion([[i for i, _ in lexical], [i for i, _ in dense]])
        )
        == "b"
    )


def test_score_fusion_missing_item_counts_as_the_lowest_and_empty_ranking_is_ignored():
    fused = dict(
        distribution_score_fusion(
            [[("a", 3.0), ("b", 1.0)], [("b", 0.9), ("c", 0.5), ("d", 0.1)], []],
            weights=[1.0, 1.0, 5.0],
        )
    )
    assert set(fused) == {"a", "b", "c", "d"}
    assert fused["b"] > fused["a"] > fused["c"] > fused["d"]
    assert distribution_score_fusion([[("x", 2.0)]]) == [("x", 0.0)]


def test_highlight_marks_stemmed_matches_and_escapes_html():
    snippet = highlight("La <b>fuite</b> d'eau est détectée.", "fuites")
    assert "<mark>fuite</mark>" in snippet
    assert "&lt;b&gt;" in snippet and "<b>" not in snippet


def test_highlight_picks_the_passage_with_the_matches():
    text = "intro " * 100 + "la déchetterie ouvre le samedi" + " fin" * 100
    snippet = highlight(text, "déchetterie samedi", max_chars=80)
    assert "<mark>déchetterie</mark>" in snippet and "<mark>samedi</mark>" in snippet
    assert snippet.startswith("…")

import pytest

from territoria.catalogue import grid


def test_grid_has_the_six_criteria_of_the_seed_each_with_questions():
    assert [c.code for c in grid.CRITERIA] == [
        "valeur_ajoutee",
        "innovation",
        "adequation",
        "souverainete",
        "cadre_juridique",
        "environnement",
    ]
    assert all(c.questions and c.levels for c in grid.CRITERIA)


@pytest.mark.parametrize(
    ("key", "score", "evidence", "message"),
    [
        ("innovation.nouveaute", 5, "", "hors de l'échelle"),
        ("innovation.nouveaute", -1, "", "hors de l'échelle"),
        ("innovation.nouveaute", "trois", "", "n'est pas un nombre entier"),
        ("innovation.nouveaute", 4, "", "une note de 3 ou 4 exige une preuve"),
        ("souverainete.hebergement", 1, " ", "cette question exige une preuve"),
        ("souverainete.inconnue", 1, "x", "question inconnue"),
    ],
)
def test_check_answer_refuses_with_a_plain_message(key, score, evidence, message):
    with pytest.raises(grid.GridError, match=message):
        grid.check_answer(key, score, evidence)


def test_check_answer_accepts_a_low_score_without_evidence_and_a_high_one_with():
    assert grid.check_answer("innovation.nouveaute", "2", "") == 2
    assert grid.check_answer("innovation.nouveaute", 4, "https://example.org/etude") == 4


def test_reconcile_averages_evaluators_flags_disagreement_and_weights_the_total():
    first = grid.criterion_scores(
        {"innovation.nouveaute": 4, "innovation.evolutivite": 2, "souverainete.hebergement": 4}
    )
    second = grid.criterion_scores({"innovation.nouveaute": 0, "souverainete.hebergement": 4})
    result = grid.reconcile([first, second])
    assert result.by_criterion == {"innovation": 1.5, "souverainete": 4}
    assert result.disputed == ["innovation"]  # 3 vs 0
    assert result.total() == pytest.approx((1.5 + 4) / 2)
    assert result.total({"innovation": 0, "souverainete": 1}) == 4
    assert result.total({code: 0 for code in grid.BY_CODE}) is None


def test_check_weights_refuses_out_of_range_and_all_zero():
    with pytest.raises(grid.GridError, match="hors de 0 à 5"):
        grid.check_weights({"innovation": 9})
    with pytest.raises(grid.GridError, match="au moins un critère"):
        grid.check_weights({code: 0 for code in grid.BY_CODE})
    assert grid.check_weights({"innovation": "3"})["innovation"] == 3

"""The impact estimator: a known effect is recovered with honest intervals, and the real
2016 change of Rouen's municipal museums is read with its limits."""

import numpy as np
import pytest

from territoria.culture import evaluation

from .conftest import ROUEN_MUSEUMS


def test_placebo_intervals_cover_a_known_effect_about_95_percent_of_the_time():
    # 400 simulations: the coverage estimate has a standard error of about 0.011, hence the
    # band of this test; the benchmark measures it on 2 000 (benchmarks/culture.py).
    found = evaluation.simulate_parametric(sims=400, draws=400, seed=11)
    assert 0.92 <= found["placebo_coverage_95"] <= 0.985
    assert abs(found["did_bias"]) < 0.03
    # The baselines fail where the method does not: the naive before/after picks up the
    # common trend, the clustered normal interval under-covers with three treated units.
    assert found["baseline_naive_bias"] > 0.1
    assert found["baseline_clustered_coverage_95"] < 0.9


def test_did_recovers_an_effect_added_to_real_series(culture_data):
    panel = evaluation.load_panel(2008, 2018)
    controls = np.array([d != "76" for d in panel.departements])
    found = evaluation.simulate_on_panel(
        panel.y[controls], n_pre=8, sims=200, draws=300, effect=0.3
    )
    assert abs(found["did_bias"]) < 0.06
    assert found["placebo_coverage_95"] >= 0.9


def test_synthetic_control_weights_lie_on_the_simplex():
    rng = np.random.default_rng(1)
    donors = rng.normal(size=(12, 8))
    target = 0.6 * donors[2] + 0.4 * donors[7]
    weights = evaluation.synthetic_weights(target, donors, iterations=3000)
    assert weights.min() >= 0 and weights.sum() == pytest.approx(1)
    assert weights[2] + weights[7] > 0.9


def test_rouen_2016_evaluation_gives_effect_interval_pretrend_and_limits(culture_data):
    result = evaluation.evaluate(ROUEN_MUSEUMS, 2008, 2016, 2018, draws=500, synthetic_draws=30)
    did = result["did"]
    assert did["low"] < did["estimate"] < did["high"]
    assert len(result["treated"]) == 3 and result["controls"] >= 20
    events = result["event_study"]
    assert events["years"] == list(range(2008, 2019))
    assert events["beta"][events["years"].index(2015)] == 0.0  # the base year
    assert 0 < events["pretrend_p"] <= 1
    assert "Intervalle de confiance à 95 %" in result["reading"]
    assert "avant/après" in result["reading"]
    assert any("Le Secq" in flag and "2018" in flag for flag in result["quality_flags"])
    assert len(result["limits"]) >= 4


def test_evaluation_refuses_a_series_closed_in_the_period(culture_data):
    with pytest.raises(evaluation.EvaluationError, match="Muséum d'Histoire Naturelle"):
        evaluation.evaluate(["7654007"], 2003, 2016, 2018)  # closed until 2006


def test_evaluation_needs_years_before_the_action(culture_data):
    with pytest.raises(evaluation.EvaluationError, match="deux années avant"):
        evaluation.evaluate(ROUEN_MUSEUMS, 2015, 2016, 2018)

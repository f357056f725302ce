"""Renewal priorities: survival model × criticality, measured against age alone (sample data)."""

import itertools
from pathlib import Path

import numpy as np
import pytest

from territoria.eau import renewal

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "eau"


@pytest.fixture(scope="module", autouse=True)
def fewer_boosting_rounds():
    """30 boosting rounds instead of 300: these tests check what the method reads and
    returns, not its accuracy (measured with the real setting by benchmarks/eau.py)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(renewal, "GBM_ITERATIONS", 30)
        yield


@pytest.fixture(scope="module")
def models():
    """The models of each year, shared by the tests of this file (same inventory)."""
    return {}


@pytest.fixture(scope="module")
def inv():
    return renewal.read(
        FIXTURES / "kitchener_mains_sample.csv", FIXTURES / "kitchener_breaks_sample.csv"
    )


def test_survival_risk_grows_with_the_break_history(inv):
    rows, risk = renewal.survival_risk(inv, 2014, 5)
    assert len(rows) == len(risk) and np.all(risk >= 0)
    _, x, names = renewal.features(inv, 2014)
    past = x[:, names["past_breaks"]]
    assert risk[past >= 3].mean() > 2 * risk[past == 0].mean()


def test_consequence_falls_back_on_diameter_without_a_criticality_column(inv):
    assert inv.criticality is not None  # the sample keeps Kitchener's CRITICALITY column
    without = renewal.Inventory(**{**inv.__dict__, "criticality": None})
    rows = np.arange(len(inv.ids))
    cons = renewal.consequence(without, rows)
    assert np.all((cons > 0) & (cons <= 1))
    big, small = inv.diameter >= 400, inv.diameter <= 150
    assert cons[big].min() > cons[small].max()


def test_known_criticality_is_used_and_unknown_borrows_from_same_diameter(inv):
    crit = np.full(len(inv.ids), np.nan)
    crit[inv.diameter == 150] = 8.0
    crit[np.flatnonzero(inv.diameter == 150)[:5]] = np.nan  # unknown, same diameter
    inv_c = renewal.Inventory(**{**inv.__dict__, "criticality": crit})
    cons = renewal.consequence(inv_c, np.arange(len(inv.ids)))
    assert np.allclose(cons[inv.diameter == 150], 0.8)


@pytest.mark.slow
def test_priorities_beat_age_alone_on_the_next_breaks(inv, models):
    result = renewal.evaluate_priorities(inv, 2014, 5, cache=models)
    methods = result["methods"]
    assert set(methods) == {"blend", "risk", "criticality", "age", "past_breaks"}
    for cut in ("5", "10", "20"):
        assert methods["blend"]["breaks"]["count"][cut] > methods["age"]["breaks"]["count"][cut]
    for method in methods.values():
        for kind in ("count", "length"):
            assert all(0 <= v <= 1 for v in method["consequence_weighted"][kind].values())


def test_criticality_of_the_sample_is_read_and_out_of_range_ratings_are_unknown(inv):
    known = np.isfinite(inv.criticality)
    assert 0.7 < known.mean() < 0.95  # −1 and 0 (unrated) are unknown
    assert inv.criticality[known].min() >= 1 and inv.criticality[known].max() <= 10


@pytest.mark.slow
def test_priority_plan_fits_the_budget_and_says_why(inv, models):
    plan = renewal.priority_plan(inv, 2023, 5, budget_km=1.0, cache=models)
    assert plan and sum(row["length_m"] for row in plan) <= 1.0 * 1000 * 5
    assert [row["rank"] for row in plan] == list(range(1, len(plan) + 1))
    # ranked by priority per metre (fixed cost included), priority = risk × consequence
    density = [row["priority"] / (row["length_m"] + renewal.FIXED_COST_M) for row in plan]
    assert all(a >= b - 1e-4 for a, b in itertools.pairwise(density))
    for row in plan:
        assert row["priority"] == pytest.approx(
            row["risk"] * row["consequence"], rel=0.05, abs=1e-3
        )
        assert "casse attendue en 5 ans" in row["reasons"] and "criticité" in row["reasons"]
        if row["criticality"] is not None:
            assert f"criticité {row['criticality']:g}/10" in row["reasons"]
    assert plan[0]["year"] == 2023 and plan[-1]["year"] <= 2028


@pytest.mark.slow
def test_priorities_evaluation_includes_the_most_broken_first_baseline(inv, models):
    methods = renewal.evaluate_priorities(inv, 2014, 5, cache=models)["methods"]
    assert "past_breaks" in methods
    # the same truth for every method: random order would catch about the cut itself
    assert methods["past_breaks"]["breaks"]["count"]["20"] > 0.2


def _before(inv, year):
    """The same inventory with every break from `year` on removed."""
    keep = inv.break_year < year
    return renewal.Inventory(
        **{
            **inv.__dict__,
            "break_pipe": inv.break_pipe[keep],
            "break_year": inv.break_year[keep],
        }
    )


@pytest.mark.slow
def test_break_risk_and_its_choice_read_only_the_breaks_before_the_split(inv, models):
    """The inner validation chooses on years before the split: removing every break from the
    split year on changes neither the choice nor the risk."""
    full = renewal.break_risk(inv, 2014, 5, cache=models)
    cut = renewal.break_risk(_before(inv, 2014), 2014, 5)
    assert full["selection"] == cut["selection"]
    assert full["selection"]["inner_years"] == [2009, 2008, 2007]
    assert full["selection"]["candidate"] in renewal.CANDIDATES
    assert np.array_equal(full["rows"], cut["rows"])
    assert np.allclose(full["risk"], cut["risk"])
    # and it is a break predictor: pipes with a history rank higher
    past = np.bincount(inv.break_pipe[inv.break_year < 2014], minlength=len(inv.ids))
    assert (
        full["risk"][past[full["rows"]] >= 2].mean()
        > 2 * full["risk"][past[full["rows"]] == 0].mean()
    )


def test_without_an_earlier_record_the_default_candidate_is_said(inv):
    start = renewal.record_start(inv)
    chosen = renewal.choose(inv, start + 3, 5)
    assert chosen == {"candidate": next(iter(renewal.CANDIDATES)), "inner_years": [], "scores": {}}
    with pytest.raises(renewal.RenewalError, match="Pas d'historique de casses avant"):
        renewal.break_risk(inv, start, 5)

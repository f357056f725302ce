"""Renewal priorities: survival model × criticality, measured against age alone (sample data)."""

from pathlib import Path

import numpy as np
import pytest

from territoria.eau import renewal

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "eau"


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
    assert inv.criticality is None  # the sample keeps 7 columns
    rows = np.arange(len(inv.ids))
    cons = renewal.consequence(inv, rows)
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


def test_priorities_beat_age_alone_on_the_next_breaks(inv):
    result = renewal.evaluate_priorities(inv, 2014, 5)
    methods = result["methods"]
    assert set(methods) == {"blend", "survival", "criticality", "age"}
    for cut in ("5", "10", "20"):
        assert methods["blend"]["breaks"]["count"][cut] > methods["age"]["breaks"]["count"][cut]
    for method in methods.values():
        for kind in ("count", "length"):
            assert all(0 <= v <= 1 for v in method["consequence_weighted"][kind].values())

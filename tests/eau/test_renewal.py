"""Break risk of the renewal page: bagged boosted members (`renewal.GBM_BAGS`, sample data)."""

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


@pytest.fixture(autouse=True)
def fewer_boosting_rounds(monkeypatch):
    """30 rounds instead of 300: these tests check what is fitted, not its accuracy."""
    monkeypatch.setattr(renewal, "GBM_ITERATIONS", 30)


def test_without_bags_the_boosted_member_is_the_plain_fit(inv, monkeypatch):
    monkeypatch.setattr(renewal, "GBM_BAGS", 0)
    plain = renewal._panel_gbm(inv, 2014, 5)
    assert plain.shape == (len(renewal._laid(inv, 2014)),) and np.all(plain > 0)
    assert np.array_equal(plain, renewal._panel_gbm(inv, 2014, 5))  # deterministic


def test_bags_reweight_whole_pipes_and_average_the_fits_geometrically(inv, monkeypatch):
    from sklearn.ensemble import HistGradientBoostingRegressor

    weights, predictions = [], []
    fit, predict = HistGradientBoostingRegressor.fit, HistGradientBoostingRegressor.predict

    def recording_fit(self, x, y, sample_weight=None):
        weights.append(sample_weight)
        return fit(self, x, y, sample_weight=sample_weight)

    def recording_predict(self, x):
        predictions.append(predict(self, x))
        return predictions[-1]

    monkeypatch.setattr(HistGradientBoostingRegressor, "fit", recording_fit)
    monkeypatch.setattr(HistGradientBoostingRegressor, "predict", recording_predict)
    monkeypatch.setattr(renewal, "GBM_BAGS", 2)
    bagged = renewal._panel_gbm(inv, 2014, 5)

    assert len(weights) == 3 and weights[0] is None  # the plain fit, then 2 bootstrap fits
    # Each bootstrap weight belongs to a pipe: the same for all the pipe-years of that pipe.
    pipe = np.concatenate([renewal._laid(inv, t) for t in range(2009, 2014)])
    for weight in weights[1:]:
        assert len(weight) == len(pipe)
        for rows in (pipe == p for p in np.unique(pipe)[:200]):
            assert np.all(weight[rows] == weight[rows][0])
        assert (weight == 0).any() and (weight > 1).any()  # drawn, not all ones
    assert not np.array_equal(weights[1], weights[2])  # another seed each
    expected = np.exp(np.mean(np.log(predictions), axis=0))
    assert np.allclose(bagged, expected)
    assert not np.allclose(bagged, predictions[0])

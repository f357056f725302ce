"""The renewal page's fitted models are kept per inventory and split year (renewal_cache)."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from territoria.eau import renewal, renewal_cache

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "eau"


@pytest.fixture(scope="module")
def inv():
    return renewal.read(
        FIXTURES / "kitchener_mains_sample.csv", FIXTURES / "kitchener_breaks_sample.csv"
    )


def fitted(seed: int) -> dict:
    rng = np.random.default_rng(seed)
    members = {name: rng.random(5) for name in renewal_cache.MEMBERS}
    members["rows"] = np.arange(5)
    return members


def test_models_fitted_once_are_read_back_by_the_next_run(inv, tmp_path):
    first = renewal_cache.FittedModels(inv, tmp_path)
    assert (2018, 5) not in first
    first[(2018, 5)] = fitted(1)
    assert first.fitted == 1 and first.reused == 0
    again = renewal_cache.FittedModels(inv, tmp_path)  # reopening the page: a new job
    assert (2018, 5) in again and (2023, 5) not in again
    assert np.array_equal(again[(2018, 5)]["panel_glm"], fitted(1)["panel_glm"])
    assert again.reused == 1 and again.fitted == 0
    assert list(again.path.glob("*.tmp")) == []  # written whole, then renamed


def test_a_new_break_or_a_changed_pipe_or_setting_means_fresh_fits(inv, tmp_path, monkeypatch):
    renewal_cache.FittedModels(inv, tmp_path)[(2018, 5)] = fitted(1)
    one_more_break = dataclasses.replace(
        inv,
        break_pipe=np.append(inv.break_pipe, 0),
        break_year=np.append(inv.break_year, 2023.5),
    )
    longer_pipe = dataclasses.replace(inv, length=inv.length + np.eye(1, len(inv.length))[0])
    for changed in (one_more_break, longer_pipe):
        assert (2018, 5) not in renewal_cache.FittedModels(changed, tmp_path)
    monkeypatch.setattr(renewal, "GBM_ITERATIONS", renewal.GBM_ITERATIONS + 1)
    assert (2018, 5) not in renewal_cache.FittedModels(inv, tmp_path)
    monkeypatch.undo()
    monkeypatch.setattr(renewal, "GBM_BAGS", renewal.GBM_BAGS + 2)  # bagged members: refit
    assert (2018, 5) not in renewal_cache.FittedModels(inv, tmp_path)
    monkeypatch.undo()
    assert (2018, 5) in renewal_cache.FittedModels(inv, tmp_path)  # the same inventory: kept


def test_a_damaged_file_is_fitted_again_and_old_inventories_are_pruned(inv, tmp_path):
    store = renewal_cache.FittedModels(inv, tmp_path)
    store[(2018, 5)] = fitted(1)
    store._file((2018, 5)).write_bytes(b"not a numpy file")
    assert (2018, 5) not in renewal_cache.FittedModels(inv, tmp_path)
    for extra in range(renewal_cache.KEEP + 1):
        other = dataclasses.replace(inv, break_year=inv.break_year - 0.01 * (extra + 1))
        renewal_cache.FittedModels(other, tmp_path)[(2018, 5)] = fitted(extra)
    assert len([p for p in tmp_path.iterdir() if p.is_dir()]) == renewal_cache.KEEP

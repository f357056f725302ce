"""Leak localisation: sensitivity signatures (EPANET through WNTR) on the tiny test network."""

import datetime as dt

import numpy as np
import pytest

from territoria.eau import detection, evaluation, localisation, network, scada

FIXTURES = __import__("pathlib").Path(__file__).resolve().parents[1] / "fixtures" / "eau"
INP = FIXTURES / "tiny.inp"
LINKS = [("P1", "J1", "J2"), ("P2", "J2", "J3"), ("P3", "J4", "J5"), ("P4", "J5", "J6")]


def simulated_drop(node: str, sensors: list[str], flow: float = 3.0) -> np.ndarray:
    hydraulics = localisation.Hydraulics(INP)
    try:
        base = hydraulics.pressures(sensors)
        return hydraulics.leak_drop(node, flow, sensors, base)
    finally:
        hydraulics.close()


def test_a_leak_drops_pressure_downstream_more_than_upstream():
    drop = simulated_drop("J6", ["J1", "J5", "J6"])
    assert drop[2] > drop[1] > 0  # the leak's own node drops most
    assert drop[0] < drop[2]


@pytest.mark.parametrize("leak_node", ["J2", "J5"])
def test_the_leaking_node_ranks_first_among_its_zone_candidates(leak_node):
    sensors = ["J1", "J3", "J5", "J6"]
    sig = localisation.signatures(INP, sensors, ["J1", "J2", "J3", "J4", "J5", "J6"])
    residual = simulated_drop(leak_node, sensors)
    scores = dict(zip(sig.candidates, sig.scores(residual)))
    assert max(scores, key=scores.get) == leak_node
    ranked = localisation.rank_pipes(sig, residual, LINKS)
    first = ranked[0][0]
    assert leak_node in {start for name, start, end in LINKS if name == first} | {
        end for name, start, end in LINKS if name == first
    }


def test_candidates_are_the_junctions_of_the_alert_zone():
    model = network.read_model(INP)
    a = localisation.zone_candidates(model, "A")
    b = localisation.zone_candidates(model, "B")
    assert set(a) == {"J1", "J2", "J3"} and set(b) == {"J4", "J5", "J6"}
    assert set(localisation.zone_candidates(model, "A+B")) == set(a) | set(b)


def test_an_unknown_sensor_is_refused_by_name():
    with pytest.raises(ValueError, match="J99"):
        localisation.signatures(INP, ["J1", "J99"])


def _series(hours: int, drop_from: int, sensors: dict[str, float]) -> scada.Series:
    times = np.datetime64("2024-01-01T00:00:00") + np.arange(hours) * np.timedelta64(1, "h")
    values = {}
    for sensor, drop in sensors.items():
        v = np.full(hours, 40.0)
        v[drop_from:] -= drop
        values[sensor] = v
    return scada.Series(times.astype("datetime64[s]"), values)


def test_night_residual_uses_only_data_before_the_alert():
    series = _series(24 * 20, 24 * 10, {"J1": 0.5, "J5": 2.0})
    start = dt.datetime(2024, 1, 11)
    residual = localisation.night_residual(series, ["J1", "J5"], start, dt.datetime(2024, 1, 14))
    assert residual == pytest.approx([0.5, 2.0])
    # no night after the start yet: nothing to say
    assert localisation.night_residual(series, ["J1"], start, dt.datetime(2024, 1, 11, 1)) is None


def test_eval_fills_the_pipes_of_an_alert_from_pressures():
    sensors = ["J1", "J3", "J5", "J6"]
    drop = simulated_drop("J5", sensors)
    series = _series(24 * 20, 24 * 10, dict(zip(sensors, drop)))
    alert = detection.Alert("B", dt.datetime(2024, 1, 14), dt.datetime(2024, 1, 11), 3.0)
    assert evaluation.localise(INP, series, [alert]) == 1
    assert alert.pipes[0] in {"P3", "P4"}


def _line_signatures(sensors: int = 8):
    """Eleven junctions on a line 100 m apart: each node's signature is a bump around its own
    place along the line (what sensors see of a leak near them)."""
    names = [f"N{i}" for i in range(11)]
    places = np.linspace(0, 1000, sensors)
    matrix = np.array([np.exp(-(((places - 100 * i) / 150) ** 2)) for i in range(11)])
    xy = {name: (100.0 * i, 0.0) for i, name in enumerate(names)}
    links = [(f"P{i}", names[i], names[i + 1]) for i in range(10)]
    signatures = localisation.Signatures(names, [f"S{i}" for i in range(sensors)], matrix, 5.0)
    return signatures, xy, links


def test_a_strong_signal_puts_the_leak_pipe_first_and_gathers_the_posterior():
    sig, xy, links = _line_signatures()
    residual = 0.4 * sig.matrix[9]  # a clear leak at N9, no noise
    weight = localisation.posterior(sig, residual)
    assert weight.argmax() == 9 and weight[9] > 0.5 and abs(weight.sum() - 1) < 1e-9
    first = localisation.rank_pipes_by_expected_distance(sig, residual, links, xy)[0][0]
    assert first in {"P8", "P9"}  # a pipe of N9


def test_a_weak_signal_sends_the_crew_less_far_than_the_best_correlation():
    """A small leak at N8 drowned in sensor noise: the best correlation often names a far
    node; the expected distance stays nearer on average (and never farther when strong)."""
    sig, xy, links = _line_signatures(sensors=33)
    rng = np.random.default_rng(4)
    middle = {name: (xy[a][0] + xy[b][0]) / 2 for name, a, b in links}
    by_correlation, by_expected = [], []
    for _ in range(60):
        residual = 0.05 * sig.matrix[8] + rng.normal(0, 0.05, 33)
        first = localisation.rank_pipes(sig, residual, links)[0][0]
        chosen = localisation.rank_pipes_by_expected_distance(sig, residual, links, xy)[0][0]
        by_correlation.append(abs(middle[first] - 800))
        by_expected.append(abs(middle[chosen] - 800))
    assert np.mean(by_expected) < np.mean(by_correlation)

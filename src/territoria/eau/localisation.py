"""Leak localisation inside a zone: candidate pipes ranked by pressure-sensor sensitivity.

The network is first split by its metered inflows (the zones of `network.derive_zones`: for
L-Town A, B behind PRV-3 and C behind PUMP_1): an alert on a zone's balance says the leak is
in that zone, so only its junctions are candidates. Inside the zone, EPANET (WNTR's toolkit)
computes for each candidate junction the *signature* of a leak there: the pressure drop at
every pressure sensor for a leak of `leak_m3h` (an emitter, so pressure-dependent like a real
leak), at a night hour, when demand is low and a leak shows best. The observed residual (the
drop of each sensor's night pressure since before the leak's estimated start) is compared
with every signature by correlation, which gives a posterior over the candidates; pipes are
ranked by their expected distance to the leak under it (`rank_pipes_by_expected_distance`;
`rank_pipes`, the best correlation of their two ends, is the earlier ranking, kept as baseline).

Only works with pressure sensors; without them (the SCADA files provided for L-Town hold flows
only) `pipes` stays empty. The benchmark (benchmarks/eau.py, `localisation`) measures it on
simulated pressures of the 2018 leaks, with demand noise and sensor noise: see docs/eau.md.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# The 33 pressure sensors of L-Town (BattLeDIM 2020, `SCADA_Pressures` columns).
LTOWN_PRESSURE_SENSORS = [
    "n1",
    "n4",
    "n31",
    "n54",
    "n105",
    "n114",
    "n163",
    "n188",
    "n215",
    "n229",
    "n288",
    "n296",
    "n332",
    "n342",
    "n410",
    "n415",
    "n429",
    "n458",
    "n469",
    "n495",
    "n506",
    "n516",
    "n519",
    "n549",
    "n613",
    "n636",
    "n644",
    "n679",
    "n722",
    "n726",
    "n740",
    "n752",
    "n769",
]

# EPANET toolkit codes (epanet2.h)
EN_NODECOUNT, EN_BASEDEMAND, EN_EMITTER, EN_PRESSURE = 0, 1, 3, 11
EN_DURATION, EN_PATTERNSTART = 0, 4
EN_JUNCTION = 0
NIGHT_HOUR = 3  # 03:00: low demand, large leak signal


class Hydraulics:
    """One EPANET project opened through WNTR's toolkit, solved at a single time of day."""

    def __init__(self, inp: Path | str, hour: int = NIGHT_HOUR):
        from wntr.epanet import toolkit

        self._folder = tempfile.TemporaryDirectory()
        self.en = toolkit.ENepanet()
        self.en.ENopen(str(inp), str(Path(self._folder.name) / "r.rpt"), "")
        self.en.ENsettimeparam(EN_DURATION, 0)
        self.en.ENsettimeparam(EN_PATTERNSTART, int(hour * 3600))
        count = self.en.ENgetcount(EN_NODECOUNT)
        self.names = [self.en.ENgetnodeid(i) for i in range(1, count + 1)]
        self.index = {name: i + 1 for i, name in enumerate(self.names)}
        self.junctions = [
            n for n in self.names if self.en.ENgetnodetype(self.index[n]) == EN_JUNCTION
        ]
        self.base_demand = {
            n: self.en.ENgetnodevalue(self.index[n], EN_BASEDEMAND) for n in self.junctions
        }

    def close(self) -> None:
        self.en.ENclose()
        self._folder.cleanup()

    def pressures(self, nodes: list[str]) -> np.ndarray:
        en = self.en
        en.ENopenH()
        en.ENinitH(0)
        en.ENrunH()
        values = np.array([en.ENgetnodevalue(self.index[n], EN_PRESSURE) for n in nodes])
        en.ENcloseH()
        return values

    def set_demands(self, factors: dict[str, float] | None) -> None:
        """Base demands × factor (None: the model's own)."""
        for node, base in self.base_demand.items():
            value = base * (factors.get(node, 1.0) if factors else 1.0)
            self.en.ENsetnodevalue(self.index[node], EN_BASEDEMAND, value)

    def leak_drop(self, node: str, leak_m3h: float, sensors: list[str], base: np.ndarray):
        """Pressure drop at the sensors for an emitter of about `leak_m3h` at `node`."""
        i = self.index[node]
        pressure = max(self.en.ENgetnodevalue(i, EN_PRESSURE), 1.0)
        self.en.ENsetnodevalue(i, EN_EMITTER, leak_m3h / math.sqrt(pressure))
        try:
            return base - self.pressures(sensors)
        finally:
            self.en.ENsetnodevalue(i, EN_EMITTER, 0.0)


@dataclass
class Signatures:
    """The pressure drop at each sensor (columns) for a leak at each candidate (rows)."""

    candidates: list[str]
    sensors: list[str]
    matrix: np.ndarray
    leak_m3h: float

    def scores(self, residual: np.ndarray) -> np.ndarray:
        """Correlation of the observed drop with each candidate's signature (−1..1)."""
        r = residual - residual.mean()
        m = self.matrix - self.matrix.mean(axis=1, keepdims=True)
        norms = np.linalg.norm(m, axis=1) * (np.linalg.norm(r) or 1.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            result = (m @ r) / norms
        return np.where(np.isfinite(result), result, -1.0)


def signatures(
    inp: Path | str,
    sensors: list[str],
    candidates: list[str] | None = None,
    leak_m3h: float = 5.0,
    hour: int = NIGHT_HOUR,
) -> Signatures:
    """One EPANET solve per candidate junction (about 25 ms each for L-Town)."""
    hydraulics = Hydraulics(inp, hour)
    try:
        missing = [s for s in sensors if s not in hydraulics.index]
        if missing:
            raise ValueError(f"Capteurs de pression absents du modèle : {', '.join(missing)}.")
        chosen = [c for c in (candidates or hydraulics.junctions) if c in hydraulics.base_demand]
        # pressures at every candidate first (the emitter's coefficient depends on them)
        hydraulics.en.ENopenH()
        hydraulics.en.ENinitH(0)
        hydraulics.en.ENrunH()
        base = np.array(
            [hydraulics.en.ENgetnodevalue(hydraulics.index[s], EN_PRESSURE) for s in sensors]
        )
        rows = [hydraulics.leak_drop(c, leak_m3h, sensors, base) for c in chosen]
        hydraulics.en.ENcloseH()
    finally:
        hydraulics.close()
    return Signatures(
        chosen, list(sensors), np.array(rows).reshape(len(chosen), len(sensors)), leak_m3h
    )


def rank_pipes(
    sig: Signatures, residual: np.ndarray, links: list[tuple[str, str, str]], top: int = 10
) -> list[tuple[str, float]]:
    """Pipes (name, start node, end node) ranked by the best score of their two ends."""
    node_score = dict(zip(sig.candidates, sig.scores(np.asarray(residual, dtype=float))))
    ranked = []
    for name, start, end in links:
        values = [node_score[n] for n in (start, end) if n in node_score]
        if values:
            ranked.append((name, round(float(max(values)), 4)))
    ranked.sort(key=lambda item: -item[1])
    return ranked[:top]


def posterior(sig: Signatures, residual: np.ndarray) -> np.ndarray:
    """How likely a leak at each candidate is, given the observed drop: the drop fitted as
    amplitude × signature + Gaussian noise of unknown σ gives the profile likelihood
    (1 − ρ²)^(−(n − 2)/2) for a correlation ρ over n sensors; a negative fit (pressure rising)
    is impossible. Nothing is tuned: with a weak signal (a small leak) the weights spread over
    the zone, with a strong one they gather on a few nodes."""
    rho = sig.scores(np.asarray(residual, dtype=float))
    n = len(sig.sensors)
    with np.errstate(divide="ignore"):
        log_weight = np.where(
            rho > 0, -(n - 2) / 2 * np.log1p(-(np.minimum(rho, 0.999999) ** 2)), -np.inf
        )
    if not np.isfinite(log_weight).any():
        return np.full(len(rho), 1.0 / len(rho))
    weight = np.exp(log_weight - log_weight.max())
    return weight / weight.sum()


def rank_pipes_by_expected_distance(
    sig: Signatures,
    residual: np.ndarray,
    links: list[tuple[str, str, str]],
    node_xy: dict[str, tuple[float, float]],
    top: int = 10,
) -> list[tuple[str, float]]:
    """Pipes (name, start, end) ranked by their expected distance (m) to the leak under the
    posterior: the choice that minimises the walk of a crew sent to the first pipe (what
    BattLeDIM's 300 m rule rewards). A strong signal ranks like `rank_pipes`; a weak one falls
    back towards the middle of the likely area instead of a far, noisy best match."""
    weight = posterior(sig, residual)
    keep = weight > weight.max() * 1e-6
    nodes = np.array([node_xy[c] for c in np.array(sig.candidates)[keep]], dtype=float)
    w = weight[keep]
    ranked = []
    for name, start, end in links:
        if start not in node_xy or end not in node_xy:
            continue
        if start not in sig.candidates and end not in sig.candidates:
            continue
        middle = (np.asarray(node_xy[start], float) + np.asarray(node_xy[end], float)) / 2
        expected = float(w @ np.hypot(*(nodes - middle).T))
        ranked.append((name, round(expected, 1)))
    ranked.sort(key=lambda item: item[1])
    return ranked[:top]


def night_residual(
    series, sensors: list[str], start: dt.datetime, raised_at: dt.datetime, nights: int = 3
) -> np.ndarray | None:
    """The drop of each sensor's night pressure (01:00–04:00): the `nights` nights before
    `raised_at` (and after `start`) against the week before `start` (data up to the alert
    only). None when either
    side has no night reading of every sensor."""
    times = series.times
    hours = (times.astype("datetime64[h]").astype("int64")) % 24
    night = (hours >= 1) & (hours < 4)
    raised = np.datetime64(raised_at, "s")
    begin = np.datetime64(start, "s")
    since = max(begin, raised - np.timedelta64(nights, "D"))  # after the leak's start only
    after = night & (times < raised) & (times >= since)
    before = night & (times < begin) & (times >= begin - np.timedelta64(7, "D"))
    if not after.any() or not before.any():
        return None
    residual = []
    for sensor in sensors:
        values = series.values.get(sensor)
        if values is None:
            return None
        a, b = values[after], values[before]
        if not np.isfinite(a).any() or not np.isfinite(b).any():
            return None
        residual.append(float(np.nanmean(b) - np.nanmean(a)))
    return np.array(residual)


def pipe_midpoints(model) -> dict[str, tuple[float, float]]:
    result = {}
    for name, link in model.links():
        a, b = link.start_node.coordinates, link.end_node.coordinates
        result[name] = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    return result


def zone_candidates(model, zone: str) -> list[str]:
    """Junctions of the zone an alert names ("A+B" is A and B together)."""
    from territoria.eau import network

    codes = set(zone.split("+"))
    junctions = set(model.junction_name_list)
    return sorted(
        n
        for z in network.derive_zones(model)
        if z["code"] in codes
        for n in z["nodes"]
        if n in junctions
    )

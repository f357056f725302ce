"""Pipe-renewal priorities from a break history (Kitchener's open data is the test bed).

For a reference year R, each pipe laid before R gets features known at R: age, material,
diameter, length, pressure zone, lining, the breaks before R (all, and in the 5 last years)
and the years since its last break. A gradient-boosted Poisson model (scikit-learn's
HistGradientBoostingRegressor) learns the number of breaks of the N following years from
the situation N years earlier (features at R − N, breaks of [R − N, R)), then ranks the
pipes at R. `evaluate` scores that ranking on the breaks of [R, R + N), which the model
never saw, against three baselines computed in the same run: oldest first, most past breaks
first (ties: oldest first) and random (mean of 20 draws).

What the page and `renewal-eval` use is `break_risk` (end of the file): the geometric mean
of four models (the survival model, a Poisson GLM and two bagged boosted models on
pipe-years), its variant chosen for each split year by inner temporal validation on earlier years; the
single-situation boosted model above is kept for comparison (`other_models`).

The condition score of the inventory is left out on purpose: it is assessed today, partly
from the breaks the test period holds, so it would leak the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

CUTS = (1, 5, 10, 20)
RECENT_YEARS = 5
FIXED_COST_M = 50.0  # a renewal job's fixed cost, in metres of pipe (plan only)
TRAIN_WINDOWS = 1  # reference years R − N, R − N − 1, … stacked (more hurt the top 1 %)
MAINS_COLUMNS = ("WATMAINID", "INSTALLATION_DATE", "MATERIAL", "PIPE_SIZE", "Shape__Length")
BREAKS_COLUMNS = ("ASSETID", "INCIDENT_DATE")
MATERIALS = {
    "CI": "fonte grise",
    "DI": "fonte ductile",
    "PVC": "PVC",
    "PVCO": "PVC orienté",
    "CPP": "béton précontraint",
    "AC": "amiante-ciment",
    "HDPE": "polyéthylène",
    "ST": "acier",
    "COP": "cuivre",
}


class RenewalError(ValueError):
    pass


@dataclass
class Inventory:
    ids: np.ndarray
    installed: np.ndarray  # year (float, NaN unknown)
    material: np.ndarray  # str
    diameter: np.ndarray  # mm
    length: np.ndarray  # m
    zone: np.ndarray  # str
    lined: np.ndarray  # 0/1
    break_pipe: np.ndarray  # index into ids of each joined break
    break_year: np.ndarray  # fractional year of each joined break
    joined_share: float
    break_lon: np.ndarray | None = None  # where each joined break was (WGS 84), NaN unknown
    break_lat: np.ndarray | None = None
    criticality: np.ndarray | None = None  # the city's rating 1–10, NaN unknown (−1, 0)
    road: np.ndarray | None = None  # road segment of each pipe (−1 unknown), when the file has it


def read(mains: Path | str, breaks: Path | str) -> Inventory:
    import pandas as pd

    try:
        m = pd.read_csv(mains, encoding="utf-8-sig", low_memory=False)
        b = pd.read_csv(breaks, encoding="utf-8-sig", low_memory=False)
    except (UnicodeDecodeError, pd.errors.ParserError) as error:
        raise RenewalError(f"Lecture impossible : {error}") from None
    for frame, columns, name in ((m, MAINS_COLUMNS, mains), (b, BREAKS_COLUMNS, breaks)):
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise RenewalError(f"{Path(name).name}, ligne 1 : colonnes manquantes {missing}.")
    m = m.drop_duplicates("WATMAINID")
    installed = pd.to_datetime(m["INSTALLATION_DATE"].str[:10], errors="coerce")
    years = installed.dt.year + installed.dt.day_of_year / 366
    index = {pipe: i for i, pipe in enumerate(m["WATMAINID"].to_numpy())}
    if "BREAK_TYPE" in b.columns:
        b = b[b["BREAK_TYPE"].fillna("MAIN") == "MAIN"]
    when = pd.to_datetime(b["INCIDENT_DATE"].str[:10], errors="coerce")
    bad = when.isna()
    if bad.any():
        first = int(np.flatnonzero(bad.to_numpy())[0])
        raise RenewalError(
            f"{Path(breaks).name}, ligne {first + 2}, colonne « INCIDENT_DATE » : date illisible."
        )
    joined = b["ASSETID"].map(index)
    keep = joined.notna().to_numpy()
    return Inventory(
        ids=m["WATMAINID"].to_numpy(),
        installed=years.to_numpy(dtype=float),
        material=m["MATERIAL"].fillna("?").astype(str).to_numpy(),
        diameter=pd.to_numeric(m["PIPE_SIZE"], errors="coerce").fillna(0).to_numpy(float),
        length=pd.to_numeric(m["Shape__Length"], errors="coerce").fillna(0).to_numpy(float),
        zone=m.get("PRESSURE_ZONE", pd.Series(["?"] * len(m))).fillna("?").astype(str).to_numpy(),
        lined=(m.get("LINED", pd.Series(["NO"] * len(m))).fillna("NO") == "YES").to_numpy(int),
        break_pipe=joined[keep].to_numpy(int),
        break_year=(when.dt.year + when.dt.day_of_year / 366)[keep].to_numpy(float),
        joined_share=float(keep.mean()) if len(keep) else 0.0,
        break_lon=pd.to_numeric(b.get("X"), errors="coerce")[keep].to_numpy(float)
        if "X" in b.columns
        else None,
        break_lat=pd.to_numeric(b.get("Y"), errors="coerce")[keep].to_numpy(float)
        if "Y" in b.columns
        else None,
        criticality=pd.to_numeric(m["CRITICALITY"], errors="coerce")
        .where(lambda c: c.between(1, 10))
        .to_numpy(float)
        if "CRITICALITY" in m.columns
        else None,
        road=pd.to_numeric(m["ROADSEGMENTID"], errors="coerce").fillna(-1).to_numpy(float)
        if "ROADSEGMENTID" in m.columns
        else None,
    )


def features(inv: Inventory, year: float) -> tuple[np.ndarray, np.ndarray, dict]:
    """(rows of pipes laid before `year`, matrix, named columns) known at `year`."""
    laid = np.isnan(inv.installed) | (inv.installed < year)
    rows = np.flatnonzero(laid)
    before = inv.break_year < year
    past = np.bincount(inv.break_pipe[before], minlength=len(inv.ids)).astype(float)
    recent = np.bincount(
        inv.break_pipe[before & (inv.break_year >= year - RECENT_YEARS)], minlength=len(inv.ids)
    ).astype(float)
    last = np.full(len(inv.ids), np.nan)
    for pipe, when in zip(inv.break_pipe[before], inv.break_year[before]):
        last[pipe] = when if np.isnan(last[pipe]) else max(last[pipe], when)
    materials = sorted(set(inv.material))
    zones = sorted(set(inv.zone))
    columns = {
        "age": year - inv.installed,
        "material": np.array([materials.index(v) for v in inv.material], float),
        "diameter": inv.diameter,
        "length": inv.length,
        "zone": np.array([zones.index(v) for v in inv.zone], float),
        "lined": inv.lined.astype(float),
        "past_breaks": past,
        "recent_breaks": recent,
        "years_since_break": np.where(np.isnan(last), 99.0, year - last),
        "install_year": inv.installed,
    }
    matrix = np.column_stack([columns[c] for c in columns])[rows]
    return rows, matrix, {name: i for i, name in enumerate(columns)}


def future_breaks(inv: Inventory, start: float, end: float) -> np.ndarray:
    mask = (inv.break_year >= start) & (inv.break_year < end)
    return np.bincount(inv.break_pipe[mask], minlength=len(inv.ids)).astype(float)


def train(inv: Inventory, year: int, horizon: int):
    from sklearn.ensemble import HistGradientBoostingRegressor

    # Several situations before R, each labelled by its own N years ending at R at the latest:
    # more examples of pipes that break, none of them from the test period.
    xs, ys = [], []
    for back in range(TRAIN_WINDOWS):
        start = year - horizon - back
        rows, x, names = features(inv, start)
        xs.append(x)
        ys.append(future_breaks(inv, start, start + horizon)[rows])
    x, y = np.vstack(xs), np.concatenate(ys)
    model = HistGradientBoostingRegressor(
        loss="poisson",
        max_iter=200,
        learning_rate=0.05,
        max_leaf_nodes=15,
        min_samples_leaf=40,
        l2_regularization=1.0,
        categorical_features=[names["material"], names["zone"]],
        random_state=0,
    )
    # One thread: OpenMP's spinning threads on a busy 2-core server cost minutes, not seconds.
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        model.fit(x, y)
    return model


def capture(order: np.ndarray, breaks: np.ndarray, length: np.ndarray) -> dict:
    """Share of the breaks on the first k % of pipes (count) and of pipe length (length)."""
    total = breaks.sum()
    result = {"count": {}, "length": {}}
    cumulative_length = np.cumsum(length[order])
    for cut in CUTS:
        n = max(1, round(len(order) * cut / 100))
        result["count"][str(cut)] = (
            round(float(breaks[order[:n]].sum() / total), 4) if total else 0.0
        )
        within = cumulative_length <= cumulative_length[-1] * cut / 100
        result["length"][str(cut)] = (
            round(float(breaks[order[within]].sum() / total), 4) if total else 0.0
        )
    return result


def rankings(inv: Inventory, year: int, horizon: int, seed: int = 0) -> dict:
    from threadpoolctl import threadpool_limits

    model = train(inv, year, horizon)
    rows, x, names = features(inv, year)
    with threadpool_limits(1):
        risk = model.predict(x)
    length = np.maximum(inv.length[rows], 1.0)
    age = np.nan_to_num(x[:, names["age"]], nan=0.0)
    past = x[:, names["past_breaks"]]
    return {
        "rows": rows,
        "risk": risk,
        "x": x,
        "names": names,
        # by count: the riskiest pipes; by length: the riskiest per metre (a km budget)
        "model": (np.argsort(-risk, kind="stable"), np.argsort(-risk / length, kind="stable")),
        "age": (np.lexsort((-past, -age)),) * 2,
        "past_breaks": (np.lexsort((-age, -past)),) * 2,
        "length": length,
    }


def evaluate(
    mains, breaks, split_year: int, horizon: int, draws: int = 20, inv=None, cache=None
) -> dict:
    """The issue's `renewal-eval`. "model" is the break risk of the renewal page
    (`break_risk`: an ensemble of four models whose variant is chosen by inner temporal
    validation on the years before the split; by count the riskiest pipes, by length the
    riskiest per metre), with the baselines "oldest first", "most past breaks first" and
    random on the same pipes. Beside it (`other_models`): the page's priorities (risk ×
    criticality, a consequence weight, not a break predictor), the previous single models
    (survival model; gradient boosting on one situation) and each candidate."""
    inv = inv or read(mains, breaks)
    cache = {} if cache is None else cache
    chosen = break_risk(inv, split_year, horizon, cache)
    found = members(inv, split_year, horizon, cache)
    rows = chosen["rows"]
    truth = future_breaks(inv, split_year, split_year + horizon)[rows]
    length = np.maximum(inv.length[rows], 1.0)

    def scored(by_count, by_length):
        return {
            "count": capture(by_count, truth, length)["count"],
            "length": capture(by_length, truth, length)["length"],
        }

    result = {"split_year": split_year, "horizon": horizon, "capture": {}, "other_models": {}}
    result["capture"]["model"] = scored(*orders(chosen["risk"], length, chosen["exponent"]))
    for name, order in baseline_orders(inv, rows, split_year).items():
        result["capture"][name] = scored(*order)
    rng = np.random.default_rng(0)
    random = [capture(rng.permutation(len(rows)), truth, length) for _ in range(draws)]
    result["capture"]["random"] = {
        kind: {str(c): round(float(np.mean([r[kind][str(c)] for r in random])), 4) for c in CUTS}
        for kind in ("count", "length")
    }
    cons = consequence(inv, rows)
    others = result["other_models"]
    others["priorities_risk_x_criticality"] = scored(
        *orders(chosen["risk"] * np.maximum(cons, 0.05) ** BLEND_WEIGHT, length, 1.0)
    )
    others["survival"] = scored(*orders(found["survival"], length, 1.0))
    others["survival_x_criticality"] = scored(
        *orders(found["survival"] * np.maximum(cons, 0.05) ** BLEND_WEIGHT, length, 1.0)
    )
    past = np.bincount(inv.break_pipe[inv.break_year < split_year], minlength=len(inv.ids))
    others["tiered_past_breaks_then_model"] = scored(
        *tiered_orders(past[rows], chosen["risk"], length, chosen["exponent"])
    )
    boosted = rankings(inv, split_year, horizon)
    others["boosting"] = scored(*boosted["model"])
    for candidate, (_, exponent) in CANDIDATES.items():
        others[f"candidate_{candidate}"] = scored(
            *orders(combine(found, candidate), length, exponent)
        )
    result["selection"] = chosen["selection"]
    result["pipes"] = len(rows)
    result["test_breaks"] = int(truth.sum())
    result["train_breaks"] = int((inv.break_year < split_year).sum())
    result["record_start"] = record_start(inv)
    result["joined_share"] = round(inv.joined_share, 4)
    return result


def reasons(x_row: np.ndarray, names: dict, material: str) -> str:
    """Plain French reasons of a pipe's rank (the features that weigh most in the model)."""
    parts = []
    past = int(x_row[names["past_breaks"]])
    if past:
        recent = int(x_row[names["recent_breaks"]])
        parts.append(
            f"{past} casse{'s' if past > 1 else ''} passée{'s' if past > 1 else ''}"
            + (f" dont {recent} ces {RECENT_YEARS} dernières années" if recent else "")
        )
    age = x_row[names["age"]]
    if np.isfinite(age):
        parts.append(f"{int(age)} ans")
    parts.append(MATERIALS.get(material, material))
    parts.append(f"Ø {int(x_row[names['diameter']])} mm")
    return ", ".join(parts)


def plan(
    mains, breaks, year: int, horizon: int, budget_km: float, years: int = 5, inv=None
) -> list[dict]:
    """The renewal plan: the riskiest pipes per metre, `budget_km` a year for `years` years."""
    inv = inv or read(mains, breaks)
    ranked = rankings(inv, year, horizon)
    rows, x, names = ranked["rows"], ranked["x"], ranked["names"]
    # Risk per metre, with each job's fixed cost counted as FIXED_COST_M of pipe: otherwise
    # 1-metre stubs top the plan (a tiny length makes any risk dense).
    order = np.argsort(-ranked["risk"] / (ranked["length"] + FIXED_COST_M), kind="stable")
    result = []
    used = 0.0
    for position in order:
        pipe = rows[position]
        length = float(inv.length[pipe])
        if used + length > budget_km * 1000 * years:
            break
        used += length
        where = _location(inv, pipe)
        result.append(
            {
                "rank": len(result) + 1,
                "pipe": str(inv.ids[pipe]),
                "year": year + int(used // (budget_km * 1000)),
                "risk": round(float(ranked["risk"][position]), 3),
                "length_m": round(length, 1),
                "material": str(inv.material[pipe]),
                "diameter_mm": int(inv.diameter[pipe]),
                "installed": int(inv.installed[pipe]) if np.isfinite(inv.installed[pipe]) else None,
                "reasons": reasons(x[position], names, str(inv.material[pipe])),
                "lat": where[1],
                "lon": where[0],
            }
        )
    return result


def _location(inv: Inventory, pipe: int) -> tuple[float | None, float | None]:
    """(lon, lat) of a pipe: the mean place of its past breaks (the inventory file has no
    geometry); None for a pipe that never broke."""
    if inv.break_lon is None or inv.break_lat is None:
        return None, None
    mask = inv.break_pipe == pipe
    lon, lat = inv.break_lon[mask], inv.break_lat[mask]
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return None, None
    return round(float(lon[ok].mean()), 6), round(float(lat[ok].mean()), 6)


# --- Renewal priorities: break risk (the ensemble below) × criticality ----------------------

BLEND_WEIGHT = 1.0  # exponent of the consequence: 1 = expected cost (risk × consequence), a priori


def survival_risk(inv: Inventory, year: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, expected breaks in [year, year + horizon)) from a Weibull proportional-hazards
    model in its Poisson form: log E[breaks] = β·z + (δ − 1)·log(age) + log(length), with z =
    material, log diameter, log(1 + past breaks), log(1 + recent breaks) (the break history
    raises the hazard, as in the LEYP models of the literature). Fitted by Poisson regression
    (scikit-learn) on the situation `horizon` years before `year`, like the boosted model."""
    from sklearn.linear_model import PoissonRegressor

    def design(at: float):
        rows, x, names = features(inv, at)
        materials = sorted(set(inv.material))
        one_hot = (
            np.column_stack([(inv.material[rows] == m).astype(float) for m in materials[1:]])
            if len(materials) > 1
            else np.zeros((len(rows), 0))
        )
        age = np.nan_to_num(x[:, names["age"]], nan=np.nanmedian(x[:, names["age"]]))
        z = np.column_stack(
            [
                one_hot,
                np.log(np.maximum(x[:, names["diameter"]], 25.0)),
                np.log1p(x[:, names["past_breaks"]]),
                np.log1p(x[:, names["recent_breaks"]]),
                np.log(np.maximum(age, 1.0)),
                np.log(np.maximum(x[:, names["length"]], 1.0)),
            ]
        )
        return rows, z

    rows_train, z_train = design(year - horizon)
    y = future_breaks(inv, year - horizon, year)[rows_train]
    mean, std = z_train.mean(axis=0), z_train.std(axis=0) + 1e-9
    model = PoissonRegressor(alpha=1e-3, max_iter=500)
    model.fit((z_train - mean) / std, y)
    rows, z = design(year)
    return rows, model.predict((z - mean) / std)


def consequence(inv: Inventory, rows: np.ndarray) -> np.ndarray:
    """Consequence of a break, 0–1: the city's criticality rating / 10 where known; else the
    median rating of the known pipes of the same diameter; else a diameter rule (the larger
    the main, the more customers and the worse the damage)."""
    diameter = inv.diameter[rows]
    by_diameter = np.clip(np.log(np.maximum(diameter, 50) / 50) / np.log(900 / 50), 0, 1)
    if inv.criticality is None:
        return 0.1 + 0.9 * by_diameter
    rating = inv.criticality[rows] / 10
    known = np.isfinite(rating)
    result = rating.copy()
    for d in np.unique(diameter[~known]):
        same = known & (diameter == d)
        fill = (
            float(np.median(rating[same]))
            if same.any()
            else 0.1 + 0.9 * by_diameter[diameter == d][0]
        )
        result[~known & (diameter == d)] = fill
    return result


def _percentile(values: np.ndarray) -> np.ndarray:
    order = np.argsort(np.argsort(values, kind="stable"), kind="stable")
    return (order + 1) / len(values)


def priorities(
    inv: Inventory, year: int, horizon: int, weight: float = BLEND_WEIGHT, cache=None
) -> dict:
    """Rows, risk (`break_risk`: the ensemble chosen by inner validation), consequence and priority = expected breaks ×
    consequence^w (w = 1: the expected cost of the breaks, the textbook risk; chosen a priori,
    not tuned on the test years)."""
    found = break_risk(inv, year, horizon, cache)
    rows, risk = found["rows"], found["risk"]
    cons = consequence(inv, rows)
    priority = risk * np.maximum(cons, 0.05) ** weight
    return {
        "rows": rows,
        "risk": risk,
        "consequence": cons,
        "priority": priority,
        "selection": found["selection"],
    }


def evaluate_priorities(
    inv: Inventory, year: int, horizon: int, weight: float = BLEND_WEIGHT, cache=None
):
    """Share of the breaks of [year, year + horizon) on the top x % of pipes (by count; by
    length for the per-metre orders), and the same weighted by consequence, for the blend,
    the break risk alone, criticality alone and the age-only baseline, in one run."""
    ranked = priorities(inv, year, horizon, weight, cache)
    rows, cons = ranked["rows"], ranked["consequence"]
    truth = future_breaks(inv, year, year + horizon)[rows]
    length = np.maximum(inv.length[rows], 1.0)
    age = np.nan_to_num(year - inv.installed[rows], nan=0.0)
    _, x, names = features(inv, year)
    past = x[:, names["past_breaks"]]
    scores = {
        "blend": ranked["priority"],
        "risk": ranked["risk"],
        "criticality": cons + 1e-6 * _percentile(age),  # ties: oldest first
        "age": age,
        "past_breaks": past + 1e-6 * _percentile(age),  # ties: oldest first
    }
    result = {"split_year": year, "horizon": horizon, "weight": weight, "methods": {}}
    for name, score in scores.items():
        by_count = np.argsort(-score, kind="stable")
        density = score / length if name in ("blend", "risk") else score
        by_length = np.argsort(-density, kind="stable")
        result["methods"][name] = {
            "breaks": {
                "count": capture(by_count, truth, length)["count"],
                "length": capture(by_length, truth, length)["length"],
            },
            "consequence_weighted": {
                "count": capture(by_count, truth * cons, length)["count"],
                "length": capture(by_length, truth * cons, length)["length"],
            },
        }
    result["selection"] = ranked["selection"]
    result["pipes"] = len(rows)
    result["test_breaks"] = int(truth.sum())
    result["criticality_known_share"] = (
        round(float(np.isfinite(inv.criticality[rows]).mean()), 3)
        if inv.criticality is not None
        else 0.0
    )
    return result


def priority_reasons(x_row: np.ndarray, names: dict, material: str, inv_row: dict) -> str:
    """The reasons of `reasons` plus the expected breaks and the consequence of a break."""
    parts = [reasons(x_row, names, material)]
    expected = inv_row["expected"]
    parts.append(f"{expected:.2f} casse attendue en {inv_row['horizon']} ans".replace(".", ","))
    if inv_row["criticality"] is not None:
        parts.append(f"criticité {inv_row['criticality']:g}/10")
    else:
        parts.append(f"criticité inconnue, prise à {10 * inv_row['consequence']:.0f}/10")
    return ", ".join(parts)


def priority_plan(
    inv: Inventory, year: int, horizon: int, budget_km: float, years: int = 5, cache=None
) -> list[dict]:
    """The renewal plan from the priorities (break risk × consequence): the pipes with
    the highest priority per metre (each job's fixed cost counted as FIXED_COST_M of pipe),
    `budget_km` a year for `years` years. Each row says why: past breaks, age, material,
    diameter, expected breaks in the next `horizon` years and the criticality used."""
    ranked = priorities(inv, year, horizon, cache=cache)
    rows, risk, cons, priority = (
        ranked["rows"],
        ranked["risk"],
        ranked["consequence"],
        ranked["priority"],
    )
    _, x, names = features(inv, year)
    length = np.maximum(inv.length[rows], 1.0)
    order = np.argsort(-priority / (length + FIXED_COST_M), kind="stable")
    result = []
    used = 0.0
    for position in order:
        pipe = rows[position]
        pipe_length = float(inv.length[pipe])
        if used + pipe_length > budget_km * 1000 * years:
            break
        used += pipe_length
        where = _location(inv, pipe)
        known = inv.criticality is not None and np.isfinite(inv.criticality[pipe])
        criticality = float(inv.criticality[pipe]) if known else None
        detail = {
            "expected": float(risk[position]),
            "horizon": horizon,
            "criticality": criticality,
            "consequence": float(cons[position]),
        }
        result.append(
            {
                "rank": len(result) + 1,
                "pipe": str(inv.ids[pipe]),
                "year": year + int(used // (budget_km * 1000)),
                "risk": round(float(risk[position]), 3),
                "criticality": criticality,
                "consequence": round(float(cons[position]), 2),
                "priority": round(float(priority[position]), 4),
                "length_m": round(pipe_length, 1),
                "material": str(inv.material[pipe]),
                "diameter_mm": int(inv.diameter[pipe]),
                "installed": int(inv.installed[pipe]) if np.isfinite(inv.installed[pipe]) else None,
                "reasons": priority_reasons(x[position], names, str(inv.material[pipe]), detail),
                "lat": where[1],
                "lon": where[0],
            }
        )
    return result


def page_run(
    inv: Inventory, year: int, horizon: int, budget_km: float, cache=None, progress=None
) -> tuple[dict, list[dict]]:
    """What the renewal page computes (`jobs.renewal_plan`, and its benchmark): how well the
    method did on the `horizon` years before `year`, which it had not seen (trained on the
    breaks before year − horizon, baselines in the same run), and the plan from `year`.
    `cache` holds the fitted models of each split year, shared by both; `progress()` is
    called between the two."""
    evaluation = evaluate_priorities(inv, year - horizon, horizon, cache=cache)
    if progress is not None:
        progress()
    return evaluation, priority_plan(inv, year, horizon, budget_km, cache=cache)


# --- Break risk: an ensemble of four models, its variant chosen by inner temporal validation --
#
# Why the earlier single models missed some cuts (benchmarks/eau.py --only renewal, docs):
# - each was fitted on ONE situation (R − N, labels [R − N, R)); the break record starts in
#   1997 at Kitchener, so before ~2003 the training situation had almost no break history and
#   the model could not learn that past breaks raise the risk. The pipe-year models below
#   learn from every year of the last W years (features at t, breaks of [t, t + 1)), which
#   holds history as soon as the record does;
# - at the top 1 % (~140 pipes, ~80 breaks) one break is 0.3 point: a single model's ranking
#   noise is as large as its lead over "most past breaks first". Averaging four different
#   models (geometric mean of their expected breaks) reduces that noise; so does bagging each
#   boosted model (`GBM_BAGS` fits on pipe-level bootstrap weights, geometric mean).
# The variant (which members, how strongly the length-cut ranking divides by length) is
# chosen for each split year on the years BEFORE it only (inner splits R − N − k, k = 0…2,
# scored on breaks that all happened before R), never on the reported year.

PANEL_YEARS = (10, 5)  # W of the two boosted pipe-year models
GBM_ITERATIONS = 300  # boosting rounds of the pipe-year models (the tests lower it: speed)
# Extra fits of each boosted pipe-year model on pipe-level bootstrap weights (bagging), their
# geometric mean with the plain fit; 0 = the plain fit only. Adopted by a rule fixed before the
# deciding run (benchmarks/results/eau_renewal_eau13l_rule.md): against 0 in the same run,
# split years 2000–2018, the break risk beats the best baseline at every cut 18 years of 19
# instead of 15, losing none (benchmarks/results/eau_renewal_eau13l.json, docs/eau.md).
GBM_BAGS = 4
INNER_OFFSETS = (0, 1, 2)  # inner split years R − N − k
# name: (members, exponent a of the length-cut order risk / length^a); the first is the
# default where no inner split is possible (a record too short before R).
CANDIDATES = {
    "ensemble4": (("survival", "panel_glm", "panel_gbm10", "panel_gbm5"), 1.0),
    "ensemble4_a0.8": (("survival", "panel_glm", "panel_gbm10", "panel_gbm5"), 0.8),
    "glm_gbm10": (("panel_glm", "panel_gbm10"), 1.0),
    "glm_gbm5": (("panel_glm", "panel_gbm5"), 1.0),
}


def record_start(inv: Inventory) -> int:
    """First year of the break record: the first year with at least a quarter of the median
    yearly count (Kitchener: 1997; a handful of breaks are dated 1985–1996)."""
    if not len(inv.break_year):
        raise RenewalError("Aucune casse rattachée à un tronçon : pas de modèle possible.")
    years = np.floor(inv.break_year).astype(int)
    first, last = years.min(), years.max()
    counts = np.bincount(years - first, minlength=last - first + 1)
    enough = counts >= 0.25 * np.median(counts[counts > 0])
    return int(first + np.flatnonzero(enough)[0])


def _history(inv: Inventory, t: float) -> dict:
    before = inv.break_year < t
    pipes, years = inv.break_pipe[before], inv.break_year[before]
    n = len(inv.ids)
    past = np.bincount(pipes, minlength=n).astype(float)
    last = np.full(n, -1e9)
    np.maximum.at(last, pipes, years)
    road = np.zeros(n)
    if inv.road is not None:
        _, index = np.unique(inv.road, return_inverse=True)
        road = np.bincount(index[pipes], minlength=index.max() + 1)[index] - past
        road[inv.road == -1] = 0
    return {
        "past": past,
        "decay5": np.bincount(pipes, weights=np.exp(-(t - years) / 5), minlength=n),
        "since": np.minimum(t - last, 50.0),
        "road": road,
    }


def _laid(inv: Inventory, t: float) -> np.ndarray:
    return np.flatnonzero(np.isnan(inv.installed) | (inv.installed < t))


def _installed(inv: Inventory) -> np.ndarray:
    known = np.isfinite(inv.installed)
    fill = float(np.median(inv.installed[known])) if known.any() else 1970.0
    return np.where(known, inv.installed, fill)


def _glm_design(inv: Inventory, t: float) -> np.ndarray:
    h = _history(inv, t)
    materials = sorted(set(inv.material))
    one_hot = [(inv.material == m).astype(float) for m in materials[1:]]
    return np.column_stack(
        one_hot
        + [
            np.log(np.maximum(inv.diameter, 25.0)),
            np.log(np.maximum(inv.length, 1.0)),
            np.log1p(h["past"]),
            np.log1p(h["decay5"]),
            np.log(np.maximum(t - _installed(inv), 1.0)),
        ]
    )


def _gbm_design(inv: Inventory, t: float) -> np.ndarray:
    h = _history(inv, t)
    installed = _installed(inv)
    return np.column_stack(
        [
            np.unique(inv.material, return_inverse=True)[1].astype(float),
            np.unique(inv.zone, return_inverse=True)[1].astype(float),
            inv.diameter,
            inv.length,
            t - installed,
            installed,
            h["past"],
            h["decay5"],
            h["since"],
            h["road"],
            h["past"] / np.maximum(inv.length, 1.0),
        ]
    )


def _panel(inv: Inventory, year: int, window: int, design) -> tuple[np.ndarray, np.ndarray]:
    """Pipe-years of [max(year − window, record start), year): features at t, breaks of
    [t, t + 1). Only breaks before `year` are read."""
    xs, ys = [], []
    for t in range(max(year - window, record_start(inv)), year):
        rows = _laid(inv, t)
        xs.append(design(inv, t)[rows])
        ys.append(future_breaks(inv, t, t + 1)[rows])
    if not xs:
        raise RenewalError(
            f"Pas d'historique de casses avant {year} (le relevé commence en "
            f"{record_start(inv)}) : pas de modèle possible."
        )
    return np.vstack(xs), np.concatenate(ys)


def _panel_glm(inv: Inventory, year: int) -> np.ndarray:
    from sklearn.linear_model import PoissonRegressor

    x, y = _panel(inv, year, PANEL_YEARS[0], _glm_design)
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    model = PoissonRegressor(alpha=1e-4, max_iter=1000).fit((x - mean) / std, y)
    return model.predict((_glm_design(inv, year)[_laid(inv, year)] - mean) / std)


def _panel_gbm(inv: Inventory, year: int, window: int) -> np.ndarray:
    from sklearn.ensemble import HistGradientBoostingRegressor
    from threadpoolctl import threadpool_limits

    x, y = _panel(inv, year, window, _gbm_design)
    model = HistGradientBoostingRegressor(
        loss="poisson",
        max_iter=GBM_ITERATIONS,
        learning_rate=0.05,
        max_leaf_nodes=15,
        min_samples_leaf=200 if window >= 10 else 100,
        l2_regularization=1.0,
        categorical_features=[0, 1],
        random_state=0,
    )
    target = _gbm_design(inv, year)[_laid(inv, year)]
    with threadpool_limits(1):
        logs = [np.log(np.maximum(model.fit(x, y).predict(target), 1e-12))]
        if GBM_BAGS:
            # the pipe of each row, to draw one bootstrap weight per pipe (all its years)
            pipe = np.concatenate(
                [_laid(inv, t) for t in range(max(year - window, record_start(inv)), year)]
            )
            for seed in range(1, GBM_BAGS + 1):
                weight = np.random.default_rng(seed).poisson(1.0, len(inv.ids))[pipe]
                fitted = model.fit(x, y, sample_weight=weight.astype(float))
                logs.append(np.log(np.maximum(fitted.predict(target), 1e-12)))
    return np.exp(np.mean(logs, axis=0))


def members(inv: Inventory, year: int, horizon: int, cache: dict | None = None) -> dict:
    """Expected breaks of each pipe laid before `year` by the four models, from the breaks
    before `year` only: the survival model (one situation, `survival_risk`), a Poisson GLM
    and two boosted Poisson models on pipe-years (10 and 5 years). `cache` (a dict the
    caller owns) keeps them per (year, horizon) for the inner validation."""
    key = (year, horizon)
    if cache is not None and key in cache:
        return cache[key]
    rows, survival = survival_risk(inv, year, horizon)
    result = {
        "rows": rows,
        "survival": survival,
        "panel_glm": _panel_glm(inv, year),
        "panel_gbm10": _panel_gbm(inv, year, PANEL_YEARS[0]),
        "panel_gbm5": _panel_gbm(inv, year, PANEL_YEARS[1]),
    }
    if cache is not None:
        cache[key] = result
    return result


def combine(found: dict, candidate: str) -> np.ndarray:
    """Geometric mean of the candidate's members' expected breaks."""
    names, _ = CANDIDATES[candidate]
    logs = [np.log(np.maximum(found[name], 1e-12)) for name in names]
    return np.exp(np.mean(logs, axis=0))


def orders(risk: np.ndarray, length: np.ndarray, exponent: float) -> tuple:
    """(by count: riskiest first, by length: riskiest per metre^exponent first)."""
    return (
        np.argsort(-risk, kind="stable"),
        np.argsort(-risk / np.maximum(length, 1.0) ** exponent, kind="stable"),
    )


def tiered_orders(past: np.ndarray, risk: np.ndarray, length: np.ndarray, exponent: float):
    """The candidate rule of the docs ("paliers de casses passées"): the pipes ordered by
    their count of past breaks first (the key of the "most past breaks" baseline), then,
    inside each count, by the model's risk (by count) or its risk per metre^exponent (by
    length) instead of the baseline's age."""
    per_metre = risk / np.maximum(length, 1.0) ** exponent
    return np.lexsort((-risk, -past)), np.lexsort((-per_metre, -past))


def baseline_orders(inv: Inventory, rows: np.ndarray, year: int) -> dict:
    age = np.nan_to_num(year - inv.installed[rows], nan=0.0)
    past = np.bincount(inv.break_pipe[inv.break_year < year], minlength=len(inv.ids))[rows]
    return {
        "age": (np.lexsort((-past, -age)),) * 2,  # oldest first (ties: most broken)
        "past_breaks": (np.lexsort((-age, -past)),) * 2,  # most broken first (ties: oldest)
    }


def _margins(inv: Inventory, year: int, horizon: int, found: dict, candidate: str) -> list:
    """Capture of the candidate minus the best of the two baselines, at the 8 cuts."""
    rows = found["rows"]
    truth = future_breaks(inv, year, year + horizon)[rows]
    length = np.maximum(inv.length[rows], 1.0)
    by_count, by_length = orders(combine(found, candidate), length, CANDIDATES[candidate][1])
    mine = {"count": capture(by_count, truth, length), "length": capture(by_length, truth, length)}
    base = [
        {"count": capture(o[0], truth, length), "length": capture(o[1], truth, length)}
        for o in baseline_orders(inv, rows, year).values()
    ]
    return [
        mine[kind][kind][str(cut)] - max(b[kind][kind][str(cut)] for b in base)
        for kind in ("count", "length")
        for cut in CUTS
    ]


def choose(inv: Inventory, year: int, horizon: int, cache: dict | None = None) -> dict:
    """The candidate for split `year`, chosen on inner splits year − horizon − k (their test
    breaks all before `year`): most cuts won against the best baseline, then mean margin.
    No inner split possible (record too short): the default, said so."""
    start = record_start(inv)
    inner = [year - horizon - k for k in INNER_OFFSETS if year - horizon - k >= start + 2]
    if not inner:
        return {"candidate": next(iter(CANDIDATES)), "inner_years": [], "scores": {}}
    cache = {} if cache is None else cache
    scores = {}
    for candidate in CANDIDATES:
        per_year = []
        for inner_year in inner:
            margins = _margins(
                inv, inner_year, horizon, members(inv, inner_year, horizon, cache), candidate
            )
            per_year.append(sum(m > 0 for m in margins) + 0.01 * float(np.mean(margins)))
        scores[candidate] = round(float(np.mean(per_year)), 4)
    best = max(CANDIDATES, key=lambda c: scores[c])  # ties: the first (the default)
    return {"candidate": best, "inner_years": inner, "scores": scores}


def break_risk(inv: Inventory, year: int, horizon: int, cache: dict | None = None) -> dict:
    """Rows, expected breaks (the chosen ensemble) and how it was chosen."""
    chosen = choose(inv, year, horizon, cache)
    found = members(inv, year, horizon, cache)
    return {
        "rows": found["rows"],
        "risk": combine(found, chosen["candidate"]),
        "exponent": CANDIDATES[chosen["candidate"]][1],
        "selection": chosen,
    }

"""Benchmark of the water module: `python -m benchmarks.eau [--quick]`.

1. Leak detection on L-Town 2018 (14 leaks, development truth), like for like against the
   minimum-night-flow baseline. Protocol: the settings of BOTH methods are chosen on the first
   half of 2018 (grid search, objective = leaks detected − false alarms / 4), then reported on
   the second half, which played no part in the choice; the replay is always the whole year,
   streaming (each alert uses only earlier data). False alarms on the clean stretch
   (1–8 January 2018) with the profile learned from 2019 (another year). 2019's alerts are
   counted per zone (its truth is held out).
2. Speed: import of a year of 5-minute data for 100 sensors (CSV → checks → Parquet), a
   zone's chart for a random month (p95 over 40 months), the streaming detection of one day
   for every zone, the replay of a year.
3. Renewal priorities on Kitchener, time splits 2008, 2011, 2014, 2017 (5-year horizons):
   capture of the next breaks in the top 1/5/10/20 % against oldest-first, most-past-breaks
   and random, in the same run.
Energy: CPU seconds × 15 W per busy core (an estimate, written with the figures).
Results: benchmarks/results/eau.json.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import itertools
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import SHARED_DATA, write_result

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from territoria.eau import detection, evaluation, renewal, scada, timeseries

DATA = SHARED_DATA / "eau"
WATT_PER_CORE = 15.0
MID = dt.datetime(2018, 7, 1)
START = dt.datetime(2018, 1, 1)
CUSUM_GRID = {
    "k_m3h": [1.0, 2.0, 3.0],
    "h_m3": [8.0, 20.0],
    "burst_m3h": [12.0, 16.0, 20.0],
    "growth_days": [30.0, 90.0],
    "daily_k_m3h": [3.0, 5.0, 8.0],
    "min_alert_m3h": [0.0, 3.0],
}
BASELINE_GRID = [3.0, 4.0, 6.0, 8.0, 10.0, 15.0, 20.0]


def energy(cpu_seconds: float) -> float:
    return round(cpu_seconds * WATT_PER_CORE / 3600, 5)


def objective(s: dict) -> tuple:
    return (s["detected"] - s["false_alarms"] / 4, -(s["median_delay_h"] or 1e9))


def detection_benchmark(quick: bool) -> dict:
    zone_of = evaluation.zone_of_pipes(DATA / "L-TOWN.inp")
    leaks = evaluation.read_leaks(DATA / "leaks_2018_training.csv", zone_of)
    flows = scada.read_csv(DATA / "SCADA_Flows_2018.csv")
    zone_flows = detection.ltown_zone_flows(flows)
    profiles = evaluation.profiles_from(zone_flows, None)

    def halves(alerts):
        first = detection.score(
            [a for a in alerts if a.raised_at < MID], [x for x in leaks if x.start < MID], START
        )
        second = detection.score(alerts, leaks, START, count_from=MID)
        return first, second

    grid = [dict(zip(CUSUM_GRID, values)) for values in itertools.product(*CUSUM_GRID.values())]
    if quick:
        grid = grid[:: max(1, len(grid) // 12)]
    tried = []
    for setting in grid:
        alerts = detection.replay(zone_flows, profiles, detection.Params(**setting))
        first, second = halves(alerts)
        tried.append((objective(first), setting, first, second, alerts))
    tried.sort(key=lambda t: t[0], reverse=True)
    _, cusum_setting, cusum_h1, cusum_h2, cusum_alerts = tried[0]
    baseline = []
    for threshold in BASELINE_GRID:
        alerts = detection.replay(
            zone_flows, profiles, detection.Params(baseline_m3h=threshold), method="night_flow"
        )
        first, second = halves(alerts)
        baseline.append((objective(first), threshold, first, second, alerts))
    baseline.sort(key=lambda t: t[0], reverse=True)
    _, base_threshold, base_h1, base_h2, base_alerts = baseline[0]

    # The clean stretch, with a profile learned from another year (2019).
    flows_2019 = scada.read_csv(DATA / "SCADA_Flows_2019.csv")
    levels_2019 = scada.read_csv(DATA / "SCADA_Levels_2019.csv")
    train_2019 = detection.ltown_zone_flows(flows_2019)
    clean_end = dt.datetime(2018, 1, 8, 13, 30)  # the first leak of 2018 starts then
    clean = {
        "cusum": sum(
            a.raised_at < clean_end
            for a in detection.replay(
                zone_flows,
                evaluation.profiles_from(zone_flows, train_2019),
                detection.Params(**cusum_setting),
            )
        ),
        "night_flow": sum(a.raised_at < clean_end for a in base_alerts),
    }
    # 2019: no truth here; the alerts per zone with the chosen settings (profile from 2018).
    zone_2019 = detection.ltown_zone_flows(flows_2019, levels_2019)
    started = time.perf_counter()
    cpu = time.process_time()
    alerts_2019 = detection.replay(
        zone_2019,
        evaluation.profiles_from(zone_2019, detection.ltown_zone_flows(flows)),
        detection.Params(**cusum_setting),
    )
    replay_s = time.perf_counter() - started
    replay_cpu_s = time.process_time() - cpu
    replay_cpu = time.process_time() - cpu
    base_2019 = detection.replay(
        zone_2019, {}, detection.Params(baseline_m3h=base_threshold), method="night_flow"
    )
    # one day of every zone, streaming, after the year's state
    detectors = {
        z: detection.ZoneDetector(
            z,
            evaluation.profiles_from(zone_2019, None).get(z),
            detection.Params(**cusum_setting),
            daily=d,
        )
        for z, (_, _, d) in zone_2019.items()
    }
    for z, (times, hourly, _) in zone_2019.items():
        for t, v in zip(times[:-24], hourly[:-24]):
            detectors[z].push(t, v)
    started = time.perf_counter()
    for z, (times, hourly, _) in zone_2019.items():
        for t, v in zip(times[-24:], hourly[-24:]):
            detectors[z].push(t, v)
    one_day_s = time.perf_counter() - started

    def public(s):
        return {k: v for k, v in s.items() if k != "false_alarm_times"} | {
            "false_alarm_times": s["false_alarm_times"]
        }

    return {
        "protocol": "settings of both methods chosen on 2018-01-01..2018-06-30 (objective: "
        "detected - false_alarms/4), reported on 2018-07-01..2018-12-31; streaming replay "
        "of the whole year; leaks running on 1 July count neither way in the second half",
        "cusum": {
            "chosen_settings": cusum_setting,
            "tuning_half_2018H1": public(cusum_h1),
            "held_out_half_2018H2": public(cusum_h2),
            "whole_2018": public(detection.score(cusum_alerts, leaks, START)),
            "grid_size": len(grid),
        },
        "night_flow_baseline": {
            "chosen_threshold_m3h": base_threshold,
            "tuning_half_2018H1": public(base_h1),
            "held_out_half_2018H2": public(base_h2),
            "whole_2018": public(detection.score(base_alerts, leaks, START)),
            "grid_size": len(BASELINE_GRID),
        },
        "clean_stretch_2018-01-01_to_01-08_false_alarms": clean,
        "alerts_2019_no_truth": {
            "cusum": {z: sum(a.zone == z for a in alerts_2019) for z in zone_2019},
            "night_flow": {z: sum(a.zone == z for a in base_2019) for z in zone_2019},
        },
        "speed": {
            "replay_year_2019_s": round(replay_s, 2),
            "replay_year_2019_cpu_s": round(replay_cpu_s, 2),
            "replay_year_energy_wh": energy(replay_cpu),
            "one_day_all_zones_s": round(one_day_s, 4),
        },
    }


TREND_GRID = {
    "trend_nights": [10, 14, 21, 28],
    "trend_t": [3.0, 4.0, 6.0],
    "trend_rise_m3h": [2.0, 3.0, 5.0],
}


def slow_leak_benchmark(quick: bool) -> dict:
    """CUSUM + trend test against CUSUM alone and the night-flow rule, in the same run.

    The CUSUM's own settings stay those chosen before (detection.Params defaults); only the
    trend test's three settings are chosen, on the first half of 2018 with the same
    objective; the second half is reported. Slow leaks = the leaks of type "incipient" in the
    truth file (8 in 2018, 2 of them starting in the second half)."""
    zone_of = evaluation.zone_of_pipes(DATA / "L-TOWN.inp")
    leaks = evaluation.read_leaks(DATA / "leaks_2018_training.csv", zone_of)
    with open(DATA / "leaks_2018_training.csv", encoding="utf-8") as handle:
        kinds = {row["leak_id"]: row["type"] for row in csv.DictReader(handle)}
    slow_ids = {k for k, v in kinds.items() if v == "incipient"}
    flows = scada.read_csv(DATA / "SCADA_Flows_2018.csv")
    zone_flows = detection.ltown_zone_flows(flows)
    profiles = evaluation.profiles_from(zone_flows, None)

    def scored(alerts):
        first = detection.score(
            [a for a in alerts if a.raised_at < MID], [x for x in leaks if x.start < MID], START
        )
        second = detection.score(alerts, leaks, START, count_from=MID)
        year = detection.score(alerts, leaks, START)
        return first, second, year

    grid = [dict(zip(TREND_GRID, v)) for v in itertools.product(*TREND_GRID.values())]
    if quick:
        grid = grid[::4]
    tried = []
    for setting in grid:
        alerts = detection.replay(zone_flows, profiles, detection.Params(**setting))
        first, second, year = scored(alerts)
        tried.append((objective(first), setting, first, second, year))
    tried.sort(key=lambda t: t[0], reverse=True)
    _, chosen, t_h1, t_h2, t_year = tried[0]
    c_h1, c_h2, c_year = scored(detection.replay(zone_flows, profiles, detection.Params()))
    n_h1, n_h2, n_year = scored(
        detection.replay(zone_flows, profiles, detection.Params(), method="night_flow")
    )
    slow_h2 = sum(1 for x in leaks if x.leak_id in slow_ids and x.start >= MID)

    def report(h1, h2, year):
        keep = ("leaks", "detected", "false_alarms", "median_delay_h", "water_saved_eur")
        h2_slow = {k: v for k, v in h2["delay_h_by_leak"].items() if k in slow_ids}
        year_slow = {k: v for k, v in year["delay_h_by_leak"].items() if k in slow_ids}
        return {
            "tuning_half_2018H1": {k: h1[k] for k in keep},
            "held_out_half_2018H2": {k: h2[k] for k in keep},
            "whole_2018": {k: year[k] for k in keep},
            "slow_leaks_H2": {
                "of": slow_h2,
                "detected": len(h2_slow),
                "median_delay_h": round(statistics.median(h2_slow.values()), 1)
                if h2_slow
                else None,
                "delays_h": h2_slow,
            },
            "slow_leaks_2018": {
                "of": len(slow_ids),
                "detected": len(year_slow),
                "median_delay_h": round(statistics.median(year_slow.values()), 1)
                if year_slow
                else None,
                "delays_h": year_slow,
            },
        }

    # false alarms on the clean stretch (profile from 2019) and 2019's alert count (no truth)
    flows_2019 = scada.read_csv(DATA / "SCADA_Flows_2019.csv")
    levels_2019 = scada.read_csv(DATA / "SCADA_Levels_2019.csv")
    train_2019 = detection.ltown_zone_flows(flows_2019)
    clean_end = dt.datetime(2018, 1, 8, 13, 30)
    clean = sum(
        a.raised_at < clean_end
        for a in detection.replay(
            zone_flows,
            evaluation.profiles_from(zone_flows, train_2019),
            detection.Params(**chosen),
        )
    )
    zone_2019 = detection.ltown_zone_flows(flows_2019, levels_2019)
    alerts_2019 = detection.replay(
        zone_2019, evaluation.profiles_from(zone_2019, zone_flows), detection.Params(**chosen)
    )
    return {
        "protocol": slow_leak_benchmark.__doc__.split("\n\n", 1)[1].replace("\n", " ").strip(),
        "chosen_trend_settings": chosen,
        "grid_size": len(grid),
        "cusum_trend": report(t_h1, t_h2, t_year)
        | {"clean_stretch_false_alarms": clean}
        | {"alerts_2019_no_truth": {z: sum(a.zone == z for a in alerts_2019) for z in zone_2019}},
        "cusum_alone": report(c_h1, c_h2, c_year),
        "night_flow_baseline": report(n_h1, n_h2, n_year),
    }


def _holiday_year(seed: int, calendar_days: frozenset) -> tuple[np.ndarray, np.ndarray]:
    """A synthetic zone for 2024, hour by hour: night level 60 m³/h, weekday demand d (peak
    100 m³/h), Saturday 0.9 d, Sunday and public holidays 0.8 d, noise σ 3 m³/h; no leak."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2024-01-01T00:00:00")
    hours = np.arange(366 * 24)
    times = (start + hours.astype("timedelta64[h]")).astype("datetime64[s]")
    hour = hours % 24
    weekday = (hours // 24) % 7  # 2024-01-01 was a Monday
    dates = times.astype("datetime64[D]")
    marks = np.array([np.datetime64(d, "D") for d in sorted(calendar_days)])
    demand = 100 * np.clip(np.sin((hour - 5) / 17 * np.pi), 0, None)
    factor = np.where(weekday == 5, 0.9, 1.0)
    factor = np.where((weekday == 6) | np.isin(dates, marks), 0.8, factor)
    return times, 60 + factor * demand + rng.normal(0, 3, len(hours))


def holidays_benchmark(quick: bool) -> dict:
    """Public holidays read as Sundays by the expected flow, against the same detector without
    a calendar, in the same run. (1) Synthetic year 2024 whose holidays are consumed like
    Sundays (by construction: it shows the mechanism, not that real towns behave so), no
    leak: every alert is false. (2) L-Town 2018 (14 leaks, dev truth), whose holiday
    calendar is unknown (BattLeDIM does not say; the town is not French): the French
    calendar there is a wrong calendar, which measures what a wrong choice costs."""
    seeds = range(3 if quick else 10)
    french = detection.holidays("fr", [2024, 2025])
    synthetic = {"none": [], "fr": []}
    for seed in seeds:
        times, flow = _holiday_year(seed, french)
        zone = {"A": (times, flow, False)}
        for name, days in (("none", frozenset()), ("fr", french)):
            profile = detection.weekly_profile(times[:168], flow[:168], days)
            alerts = detection.replay(zone, {"A": profile}, detection.Params(), holiday_days=days)
            synthetic[name].append(len(alerts))
    zone_of = evaluation.zone_of_pipes(DATA / "L-TOWN.inp")
    leaks = evaluation.read_leaks(DATA / "leaks_2018_training.csv", zone_of)
    flows = scada.read_csv(DATA / "SCADA_Flows_2018.csv")
    zone_flows = detection.ltown_zone_flows(flows)
    keep = ("leaks", "detected", "false_alarms", "median_delay_h", "water_saved_eur")
    ltown = {}
    for name, calendar in (("none", ""), ("fr", "fr")):
        days = detection.calendar_for(calendar, flows.times)
        profiles = evaluation.profiles_from(zone_flows, None, days)
        scored = detection.score(
            detection.replay(zone_flows, profiles, detection.Params(), holiday_days=days),
            leaks,
            START,
        )
        ltown[name] = {k: scored[k] for k in keep} | {
            "false_alarm_times": scored["false_alarm_times"]
        }
    return {
        "protocol": holidays_benchmark.__doc__.split("\n\n", 1)[0].replace("\n", " ").strip(),
        "synthetic_2024_false_alarms": {
            "seeds": len(seeds),
            "weekday_holidays": sum(1 for d in french if d.year == 2024 and d.weekday() < 5),
            "without_calendar": {"total": sum(synthetic["none"]), "per_seed": synthetic["none"]},
            "french_calendar": {"total": sum(synthetic["fr"]), "per_seed": synthetic["fr"]},
        },
        "ltown_2018_wrong_calendar": {
            "without_calendar": ltown["none"],
            "french_calendar": ltown["fr"],
        },
    }


def _seasonal_year(
    seed: int, year: int, amplitude: float, n_leaks: int
) -> tuple[np.ndarray, np.ndarray, list, np.ndarray]:
    """A synthetic zone for `year`, hour by hour: night level 60 m³/h, weekday demand d (peak
    100 m³/h), Saturday 0.9 d, Sunday 0.8 d, noise σ 3 m³/h, plus a summer bump of night
    flow (irrigation: `amplitude` m³/h at night, half by day, peak on 15 July, ±35 days) and
    `n_leaks` leaks (start drawn between day 20 and 330, 6–20 m³/h, half abrupt, half growing
    over 14 days, lasting 40 days). Returns times, flow, the leaks, the true seasonal curve."""
    rng = np.random.default_rng(seed * 1000 + year)
    start = np.datetime64(f"{year}-01-01T00:00:00")
    days = 366 if year % 4 == 0 else 365
    hours = np.arange(days * 24)
    times = (start + hours.astype("timedelta64[h]")).astype("datetime64[s]")
    hour = hours % 24
    day_numbers = times.astype("datetime64[D]").astype("int64")
    weekday = (day_numbers + 3) % 7
    demand = 100 * np.clip(np.sin((hour - 5) / 17 * np.pi), 0, None)
    factor = np.where(weekday == 5, 0.9, np.where(weekday == 6, 0.8, 1.0))
    doy = detection._day_of_year(times)
    bump = amplitude * np.exp(-(((doy - 196) / 35.0) ** 2))
    season = bump * np.where((hour < 6) | (hour >= 22), 1.0, 0.5)
    flow = 60 + factor * demand + season + rng.normal(0, 3, len(hours))
    leaks = []
    for number in range(n_leaks):
        first_day = int(rng.integers(20, 331))
        size = float(rng.uniform(6, 20))
        ramp_h = 0 if number % 2 == 0 else 14 * 24
        begin, end = first_day * 24 + int(rng.integers(0, 24)), (first_day + 40) * 24
        end = min(end, len(hours))
        ramp = np.clip((hours[begin:end] - begin + 1) / max(ramp_h, 1), 0, 1)
        flow[begin:end] += size * ramp
        leaks.append(
            detection.Leak(
                f"S{seed}-{year}-{number}",
                "A",
                times[begin].item(),
                times[end - 1].item(),
                size,
            )
        )
    curve = amplitude * np.exp(-(((np.arange(366) - 196) / 35.0) ** 2))
    return times, flow, leaks, curve - curve.mean()


def seasons_benchmark(quick: bool) -> dict:
    """A seasonal expectation (detection.seasonal_offsets, learned from ANOTHER year) against
    the same detector without it, in the same run. (1) Synthetic zones whose night flow has a
    known summer bump (irrigation), evaluated on 2024 (6 leaks) with the season learned on
    2023 (3 leaks of its own: a leaky training year, like real ones), and the true curve as
    the best case; also with no seasonality at all (what the correction costs when there is
    nothing to correct). (2) L-Town 2018 (14 leaks, dev truth) with the season learned on
    2019 (leaky too; truth unknown), and 2019 with the season learned on 2018 (alerts counted,
    no truth). Detector settings unchanged (Params() defaults)."""
    seeds = range(3 if quick else 10)
    keep = ("leaks", "detected", "false_alarms", "median_delay_h", "water_saved_eur")
    # The learner's two settings are chosen on other seeds (100–104, night bump 15 m³/h),
    # objective = detected − false alarms / 4, then used everywhere below.
    tried = []
    for harmonics, quantile in itertools.product((2, 3, 4, 6), (0.1, 0.2, 0.3)):
        total = 0.0
        for seed in range(100, 102 if quick else 105):
            t_train, f_train, _, _ = _seasonal_year(seed, 2023, 15.0, 3)
            times, flow, leaks, _ = _seasonal_year(seed, 2024, 15.0, 6)
            season = detection.seasonal_offsets(t_train, f_train, False, harmonics, quantile)
            alerts = detection.replay(
                {"A": (times, flow, False)},
                {"A": detection.weekly_profile(t_train, f_train)},
                detection.Params(),
                seasons={"A": season},
            )
            scored = detection.score(alerts, leaks, times[0].item())
            total += scored["detected"] - scored["false_alarms"] / 4
        tried.append((total, -harmonics, -quantile))
    _, harmonics, quantile = max(tried)
    harmonics, quantile = -harmonics, -quantile
    synthetic = {}
    for amplitude in (0.0, 15.0, 30.0):
        runs = {"without": [], "learned": [], "true_curve": []}
        amplitude_error = []
        for seed in seeds:
            t_train, f_train, _, _ = _seasonal_year(seed, 2023, amplitude, 3)
            times, flow, leaks, truth = _seasonal_year(seed, 2024, amplitude, 6)
            profile = detection.weekly_profile(t_train, f_train)
            learned = detection.seasonal_offsets(t_train, f_train, False, harmonics, quantile)
            amplitude_error.append(float(np.max(np.abs(learned - truth))))
            zone = {"A": (times, flow, False)}
            for name, season in (("without", None), ("learned", learned), ("true_curve", truth)):
                alerts = detection.replay(
                    zone, {"A": profile}, detection.Params(), seasons={"A": season}
                )
                runs[name].append(detection.score(alerts, leaks, times[0].item()))
        synthetic[f"night_bump_{amplitude:g}_m3h"] = {
            name: {
                "leaks": sum(r["leaks"] for r in scored),
                "detected": sum(r["detected"] for r in scored),
                "false_alarms": sum(r["false_alarms"] for r in scored),
                "false_alarms_per_seed": [r["false_alarms"] for r in scored],
                "median_delay_h": round(
                    float(np.median([d for r in scored for d in r["delay_h_by_leak"].values()])),
                    1,
                ),
            }
            for name, scored in runs.items()
        } | {"learned_curve_max_error_m3h": round(float(np.median(amplitude_error)), 2)}
    zone_of = evaluation.zone_of_pipes(DATA / "L-TOWN.inp")
    leaks = evaluation.read_leaks(DATA / "leaks_2018_training.csv", zone_of)
    flows = scada.read_csv(DATA / "SCADA_Flows_2018.csv")
    flows_2019 = scada.read_csv(DATA / "SCADA_Flows_2019.csv")
    zone_flows = detection.ltown_zone_flows(flows)
    other = detection.ltown_zone_flows(flows_2019)  # C on the pumped volume, like 2018
    seasons_2019 = {
        z: detection.seasonal_offsets(t, v, daily, harmonics, quantile)
        for z, (t, v, daily) in other.items()
    }
    seasons_2018 = {
        z: detection.seasonal_offsets(t, v, daily, harmonics, quantile)
        for z, (t, v, daily) in zone_flows.items()
    }
    profiles = evaluation.profiles_from(zone_flows, None)
    clean_end = dt.datetime(2018, 1, 8, 13, 30)
    ltown = {}
    for name, seasons in (("without", None), ("season_from_2019", seasons_2019)):
        alerts = detection.replay(zone_flows, profiles, detection.Params(), seasons=seasons)
        whole = detection.score(alerts, leaks, START)
        second = detection.score(alerts, leaks, START, count_from=MID)
        ltown[name] = {
            "whole_2018": {k: whole[k] for k in keep}
            | {"false_alarm_times": whole["false_alarm_times"]},
            "second_half_2018": {k: second[k] for k in keep},
            "clean_stretch_false_alarms": sum(a.raised_at < clean_end for a in alerts),
        }
    zone_2019 = detection.ltown_zone_flows(flows_2019)
    profiles_2019 = evaluation.profiles_from(zone_2019, zone_flows)
    alerts_2019 = {
        name: detection.replay(zone_2019, profiles_2019, detection.Params(), seasons=seasons)
        for name, seasons in (("without", None), ("season_from_2018", seasons_2018))
    }
    return {
        "protocol": seasons_benchmark.__doc__.split("\n\n", 1)[0].replace("\n", " ").strip(),
        "learner_settings_chosen_on_seeds_100_104": {
            "harmonics": harmonics,
            "quantile": quantile,
            "grid": len(tried),
        },
        "synthetic": {"seeds": len(seeds)} | synthetic,
        "ltown_2018": ltown,
        "ltown_season_amplitude_m3h": {
            "learned_on_2019": {
                z: round(float(np.ptp(c)), 2) for z, c in seasons_2019.items() if c is not None
            },
            "learned_on_2018": {
                z: round(float(np.ptp(c)), 2) for z, c in seasons_2018.items() if c is not None
            },
        },
        "ltown_2019_alerts_no_truth": {
            name: {z: sum(a.zone == z for a in found) for z in zone_2019}
            for name, found in alerts_2019.items()
        },
    }


def storage_benchmark(quick: bool) -> dict:
    """A year at 5 minutes for 100 sensors: import (read, check, Parquet) and month charts."""
    flows = scada.read_csv(DATA / "SCADA_Flows_2018.csv")
    rng = np.random.default_rng(0)
    sensors = 20 if quick else 100
    base = flows.values["p227"]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "year.csv"
        stamps = np.datetime_as_string(flows.times, unit="s")
        columns = [
            np.round(base * rng.uniform(0.2, 2.0) + rng.normal(0, 1, len(base)), 2)
            for _ in range(sensors)
        ]
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["Timestamp", *[f"s{i:03d}" for i in range(sensors)]])
            matrix = np.column_stack(columns)
            for stamp, row in zip(stamps, matrix):
                writer.writerow([stamp.replace("T", " "), *row.tolist()])
        size_mb = path.stat().st_size / 1e6
        started, cpu = time.perf_counter(), time.process_time()
        series = scada.read_csv(path)
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table(
            {
                "ts": pa.array(series.times.astype("datetime64[us]")),
                **{n: pa.array(v) for n, v in series.values.items()},
            }
        )
        parquet = Path(folder) / "year.parquet"
        pq.write_table(table, parquet, compression="zstd", row_group_size=timeseries.ROW_GROUP)
        import_s = time.perf_counter() - started
        import_cpu = time.process_time() - cpu
        months = [dt.datetime(2018, m, 1) for m in range(1, 13)]
        timings, cpu_timings = [], []
        for i in range(40):
            start = months[i % 12]
            end = (start + dt.timedelta(days=32)).replace(day=1)
            t0, c0 = time.perf_counter(), time.process_time()
            loaded = timeseries.load_files([str(parquet)], ["s000", "s001", "s002"], start, end)
            flow = loaded.values["s000"] + loaded.values["s001"] - loaded.values["s002"]
            detection.hourly_means(loaded.times, flow)
            timings.append(time.perf_counter() - t0)
            cpu_timings.append(time.process_time() - c0)
        return {
            "sensors": sensors,
            "rows": len(series.times),
            "csv_mb": round(size_mb, 1),
            "parquet_mb": round(parquet.stat().st_size / 1e6, 1),
            "import_s": round(import_s, 2),
            "import_cpu_s": round(import_cpu, 2),
            "import_energy_wh": energy(import_cpu),
            "month_chart_p50_ms": round(statistics.median(timings) * 1000, 1),
            "month_chart_p95_ms": round(sorted(timings)[int(0.95 * len(timings)) - 1] * 1000, 1),
            "month_chart_cpu_p95_ms": round(
                sorted(cpu_timings)[int(0.95 * len(cpu_timings)) - 1] * 1000, 1
            ),
            "load_note": "wall times on a 2-core machine shared with other jobs; *_cpu_* is "
            "the CPU time of this process",
        }


# Every split year of 2000–2018 (horizon 5: the record ends in early 2023). All of them were
# looked at while the candidate list of `renewal.CANDIDATES` was drawn up (eau13e, 3 December
# 2026): the per-year choice among the candidates is made by inner temporal validation on the
# years before each split, but the list itself is not independent of these years (docs).
RENEWAL_SPLITS = list(range(2000, 2019))
SYRACUSE_TOP1 = {"boosted_trees": 0.62, "past_breaks": 0.48, "age": 0.10}  # KDD 2018


RENEWAL_EXTRA_SPLITS = [1998, 1999]  # scored beside, outside the summary (looked at before)


def _beats(method: dict, capture: dict) -> dict:
    return {
        kind: {
            cut: method[kind][cut]
            > max(capture[b][kind][cut] for b in ("age", "past_breaks", "random"))
            for cut in method[kind]
        }
        for kind in ("count", "length")
    }


def _bagged(inv, year: int, bags: int, cache: dict, result: dict) -> dict:
    """The break risk with `renewal.GBM_BAGS = bags` (own model cache), scored on the same
    pipes and test breaks as `result` (same run), and whether it beats the best baseline."""
    saved = renewal.GBM_BAGS
    renewal.GBM_BAGS = bags
    started, cpu = time.perf_counter(), time.process_time()
    try:
        chosen = renewal.break_risk(inv, year, 5, cache)
    finally:
        renewal.GBM_BAGS = saved
    rows = chosen["rows"]
    truth = renewal.future_breaks(inv, year, year + 5)[rows]
    length = np.maximum(inv.length[rows], 1.0)
    by_count, by_length = renewal.orders(chosen["risk"], length, chosen["exponent"])
    capture = {
        "count": renewal.capture(by_count, truth, length)["count"],
        "length": renewal.capture(by_length, truth, length)["length"],
    }
    return {
        "bags": bags,
        "capture": capture,
        "beats_best_baseline": _beats(capture, result["capture"]),
        "selection": chosen["selection"],
        "seconds": round(time.perf_counter() - started, 2),
        "cpu_s": round(time.process_time() - cpu, 2),
    }


def renewal_benchmark(quick: bool, compare_bags: int | None = None) -> dict:
    """`renewal-eval` (model = the page's break risk: an ensemble chosen by inner temporal
    validation) against oldest-first, most-past-breaks-first and random, same run, every
    split year; the previous models beside it. With `compare_bags` (not None), the same
    break risk with `renewal.GBM_BAGS = compare_bags` in the same run (key `bagged`), and
    split years 1998-1999 beside, outside the summary."""
    folder = DATA / "pipe_breaks_kitchener"
    inv = renewal.read(folder / "Water_Mains.csv", folder / "Water_Main_Breaks.csv")
    cache: dict = {}  # each year's models, reused by the later splits' inner validation
    bagged_cache: dict = {}
    results = {}
    extra = {}
    years = (
        [2014]
        if quick
        else RENEWAL_SPLITS + (RENEWAL_EXTRA_SPLITS if compare_bags is not None else [])
    )
    for year in years:
        started, cpu = time.perf_counter(), time.process_time()
        result = renewal.evaluate(None, None, year, 5, inv=inv, cache=cache)
        result["seconds"] = round(time.perf_counter() - started, 2)
        result["cpu_s"] = round(time.process_time() - cpu, 2)
        result["energy_wh"] = energy(time.process_time() - cpu)
        if compare_bags is not None:
            result["bagged"] = _bagged(inv, year, compare_bags, bagged_cache, result)
        capture = result["capture"]
        result["model_beats_best_baseline"] = {
            kind: {
                cut: capture["model"][kind][cut]
                > max(capture[b][kind][cut] for b in ("age", "past_breaks", "random"))
                for cut in capture["model"][kind]
            }
            for kind in ("count", "length")
        }
        tiered = result["other_models"]["tiered_past_breaks_then_model"]
        result["tiered_beats_best_baseline"] = {
            kind: {
                cut: tiered[kind][cut]
                > max(capture[b][kind][cut] for b in ("age", "past_breaks", "random"))
                for cut in tiered[kind]
            }
            for kind in ("count", "length")
        }
        if year in RENEWAL_EXTRA_SPLITS:
            result["model_beats_at_every_cut"] = all(
                all(v.values()) for v in result["model_beats_best_baseline"].values()
            )
            if compare_bags is not None:
                result["bagged_beats_at_every_cut"] = all(
                    all(v.values()) for v in result["bagged"]["beats_best_baseline"].values()
                )
            extra[str(year)] = result
            continue
        results[str(year)] = result
    tiered_beaten = {
        year: all(all(v.values()) for v in r["tiered_beats_best_baseline"].values())
        for year, r in results.items()
    }
    beaten = {
        year: all(all(v.values()) for v in r["model_beats_best_baseline"].values())
        for year, r in results.items()
    }
    results["summary"] = {
        "years": len(beaten),
        "years_beating_best_baseline_at_every_cut": sum(beaten.values()),
        "years_not": [year for year, ok in beaten.items() if not ok],
        "tiered_rule_years_beating_best_baseline_at_every_cut": sum(tiered_beaten.values()),
        "tiered_rule_years_not": [year for year, ok in tiered_beaten.items() if not ok],
        "syracuse_kdd2018_top1_count": SYRACUSE_TOP1,
        "note": "seconds include the inner validation's models of earlier years the first "
        "time they are needed (shared cache): later years are cheaper",
    }
    if compare_bags is not None:
        bagged_beaten = {
            year: all(all(v.values()) for v in r["bagged"]["beats_best_baseline"].values())
            for year, r in results.items()
            if year.isdigit()
        }
        results["summary"]["bagged"] = {
            "bags": compare_bags,
            "years_beating_best_baseline_at_every_cut": sum(bagged_beaten.values()),
            "years_not": [year for year, ok in bagged_beaten.items() if not ok],
            "years_lost_that_the_model_wins": [
                year for year, ok in bagged_beaten.items() if beaten[year] and not ok
            ],
            "cpu_s": round(sum(r["bagged"]["cpu_s"] for r in results.values() if "bagged" in r), 1),
            "model_cpu_s": round(sum(r["cpu_s"] for r in results.values() if "cpu_s" in r), 1),
            "rule": "benchmarks/results/eau_renewal_eau13l_rule.md",
        }
        results["extra_years_not_in_summary"] = extra
    return results


def priorities_benchmark(quick: bool, compare_bags: int | None = None) -> dict:
    """Renewal priorities = break risk (the ensemble of `renewal.break_risk`) × criticality,
    against the risk alone, criticality alone and the age-only baseline, same splits."""
    folder = DATA / "pipe_breaks_kitchener"
    inv = renewal.read(folder / "Water_Mains.csv", folder / "Water_Main_Breaks.csv")
    results = {}
    cache: dict = {}
    for year in [2014] if quick else [2008, 2011, 2014, 2017]:
        started, cpu = time.perf_counter(), time.process_time()
        result = renewal.evaluate_priorities(inv, year, 5, cache=cache)
        result["seconds"] = round(time.perf_counter() - started, 2)
        result["energy_wh"] = energy(time.process_time() - cpu)
        methods = result["methods"]
        result["blend_beats_age"] = {
            kind: {
                cut: methods["blend"]["breaks"][kind][cut] > methods["age"]["breaks"][kind][cut]
                for cut in methods["blend"]["breaks"][kind]
            }
            for kind in ("count", "length")
        }
        result["blend_beats_past_breaks"] = {
            kind: {
                cut: methods["blend"]["breaks"][kind][cut]
                > methods["past_breaks"]["breaks"][kind][cut]
                for cut in methods["blend"]["breaks"][kind]
            }
            for kind in ("count", "length")
        }
        results[str(year)] = result
    # What the renewal page computes (jobs.renewal_plan): the evaluation on the last 5 years
    # and the plan of 10 km a year from the latest situation, one run, timed; with
    # `compare_bags`, also with renewal.GBM_BAGS = compare_bags, right after (same run).
    settings = [("page_run", renewal.GBM_BAGS)]
    if compare_bags is not None:
        settings.append(("page_run_compared", compare_bags))
    saved = renewal.GBM_BAGS
    for key, bags in settings:
        renewal.GBM_BAGS = bags
        try:
            started, cpu = time.perf_counter(), time.process_time()
            last = int(np.floor(np.nanmax(inv.break_year)))
            page_cache: dict = {}  # as the page's job: a fresh cache shared by both
            renewal.evaluate_priorities(inv, last - 5, 5, cache=page_cache)
            plan = renewal.priority_plan(inv, last, 5, 10.0, cache=page_cache)
        finally:
            renewal.GBM_BAGS = saved
        results[key] = {
            "gbm_bags": bags,
            "year": last,
            "budget_km": 10.0,
            "pipes_in_plan": len(plan),
            "km_in_plan": round(sum(row["length_m"] for row in plan) / 1000, 1),
            "mapped_share": round(
                sum(row["lat"] is not None for row in plan) / max(len(plan), 1), 3
            ),
            "seconds": round(time.perf_counter() - started, 2),
            "cpu_s": round(time.process_time() - cpu, 2),
            "energy_wh": energy(time.process_time() - cpu),
        }
    return results


def renewal_cache_benchmark(quick: bool) -> dict:
    """The renewal page's job (`jobs.renewal_plan`: read the inventory, then
    `renewal.page_run`: evaluation on the last 5 years, plan of 10 km a year) with its models
    kept on disk (`renewal_cache`), same run: cold (nothing kept: what every run cost before
    the cache), reopened (a new job, same files), replanned with another budget, and after one
    more break in the history (the kept models must not be used). Each timing includes
    reading the CSV files and the digest of the inventory."""
    from territoria.eau import renewal_cache

    folder = DATA / "pipe_breaks_kitchener"

    def inventory(extra_break: bool) -> renewal.Inventory:
        inv = renewal.read(folder / "Water_Mains.csv", folder / "Water_Main_Breaks.csv")
        if extra_break:  # the same pipe as the last break breaks again, the same day
            for name, value in (
                ("break_pipe", inv.break_pipe[-1]),
                ("break_year", inv.break_year.max()),
                ("break_lon", np.nan),
                ("break_lat", np.nan),
            ):
                setattr(inv, name, np.append(getattr(inv, name), value))
        return inv

    runs = {}
    with tempfile.TemporaryDirectory() as root:
        steps = [("cold", False, 10.0), ("reopened", False, 10.0), ("replanned_8km", False, 8.0)]
        if not quick:
            steps.append(("one_more_break", True, 10.0))
        for name, extra_break, budget in steps:
            started, cpu = time.perf_counter(), time.process_time()
            inv = inventory(extra_break)
            last = int(np.floor(np.nanmax(inv.break_year)))
            store = renewal_cache.FittedModels(inv, Path(root))
            evaluation, plan = renewal.page_run(inv, last, 5, budget, store)
            cpu_s = time.process_time() - cpu
            runs[name] = {
                "year": last,
                "seconds": round(time.perf_counter() - started, 2),
                "cpu_s": round(cpu_s, 2),
                "energy_wh": energy(cpu_s),
                "models_fitted": store.fitted,
                "models_reused": store.reused,
                "pipes_in_plan": len(plan),
                "km_in_plan": round(sum(row["length_m"] for row in plan) / 1000, 1),
                "plan_head": [row["pipe"] for row in plan[:20]],
                "top1_count": evaluation["methods"]["blend"]["breaks"]["count"]["1"],
            }
    cold, warm = runs["cold"], runs["reopened"]
    return {
        "runs": runs,
        "reopened_same_plan_as_cold": warm["plan_head"] == cold["plan_head"]
        and warm["top1_count"] == cold["top1_count"],
        "cpu_speedup_reopened": round(cold["cpu_s"] / max(warm["cpu_s"], 1e-3), 1),
        "load_note": "wall times on a 2-core machine shared with other jobs; cpu_s is the "
        "CPU time of this process",
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.eau")
    parser.add_argument("--quick", action="store_true", help="a small grid, 20 sensors, 1 split")
    parser.add_argument(
        "--only",
        choices=[
            "detection",
            "storage",
            "renewal",
            "localisation",
            "slow_leaks",
            "priorities",
            "renewal_cache",
            "platform",
            "holidays",
            "seasons",
        ],
    )
    parser.add_argument(
        "--compare-bags",
        type=int,
        help="renewal: also score the break risk with renewal.GBM_BAGS set to this (bagged "
        "fits per boosted member; key 'bagged'), same run, and split years 1998-1999 beside; "
        "priorities: also time the page's run with it",
    )
    parser.add_argument(
        "--output",
        help="name of the JSON written in benchmarks/results/ (default eau, or eau-quick); "
        "another name holds only this run's parts",
    )
    args = parser.parse_args(argv)
    figures = {}
    if args.only in (None, "detection"):
        figures["detection"] = detection_benchmark(args.quick)
    if args.only in (None, "storage"):
        figures["storage"] = storage_benchmark(args.quick)
    if args.only in (None, "renewal"):
        figures["renewal"] = renewal_benchmark(args.quick, args.compare_bags)
    if args.only in (None, "priorities"):
        figures["priorities"] = priorities_benchmark(args.quick, args.compare_bags)
    if args.only in (None, "renewal_cache"):
        figures["renewal_cache"] = renewal_cache_benchmark(args.quick)
    if args.only in (None, "platform"):
        from benchmarks import eau_platform

        figures["platform"] = eau_platform.run(DATA, args.quick)
    if args.only in (None, "slow_leaks"):
        figures["slow_leaks"] = slow_leak_benchmark(args.quick)
    if args.only in (None, "holidays"):
        figures["holidays"] = holidays_benchmark(args.quick)
    if args.only in (None, "seasons"):
        figures["seasons"] = seasons_benchmark(args.quick)
    if args.only in (None, "localisation"):
        from benchmarks import eau_localisation

        figures["localisation"] = eau_localisation.run(DATA, args.quick)
    figures["energy_note"] = f"CPU seconds x {WATT_PER_CORE:g} W per busy core (estimate)"
    figures["quick"] = args.quick
    name = args.output or ("eau" if not args.quick else "eau-quick")
    previous = ROOT / "benchmarks" / "results" / f"{name}.json"
    if (
        args.only and previous.exists() and not args.output
    ):  # one part re-measured: keep the others' figures
        import json

        kept = json.loads(previous.read_text())
        for part in (
            "detection",
            "storage",
            "renewal",
            "localisation",
            "slow_leaks",
            "priorities",
            "renewal_cache",
            "platform",
            "holidays",
            "seasons",
        ):
            if part not in figures and part in kept:
                figures[part] = kept[part]
    path = write_result(name, figures)
    if not args.quick and not args.output and {"detection", "storage", "renewal"} <= set(figures):
        write_measured(figures)
    print(path)


def write_measured(figures: dict) -> None:
    """The figures the module's register entry quotes (src/territoria/eau/measured.json):
    the self-description stays current with each full run of this benchmark."""
    import json

    det = figures["detection"]
    ren = figures["renewal"]
    summary = {
        "measured_at": time.strftime("%Y-%m-%d"),
        "detection_h2": {
            m: {
                k: det[key]["held_out_half_2018H2"][k]
                for k in ("leaks", "detected", "false_alarms", "median_delay_h")
            }
            for m, key in (("cusum", "cusum"), ("night_flow", "night_flow_baseline"))
        },
        "detection_2018": {
            m: {
                k: det[key]["whole_2018"][k]
                for k in ("leaks", "detected", "false_alarms", "median_delay_h", "water_saved_eur")
            }
            for m, key in (("cusum", "cusum"), ("night_flow", "night_flow_baseline"))
        },
        "renewal_top1_count": {
            year: {m: r["capture"][m]["count"]["1"] for m in ("model", "age", "past_breaks")}
            for year, r in ren.items()
            if year.isdigit()
        },
        "renewal_summary": {
            k: ren["summary"][k]
            for k in ("years", "years_beating_best_baseline_at_every_cut", "years_not")
        }
        if "summary" in ren
        else None,
        "replay_year_energy_wh": det["speed"]["replay_year_energy_wh"],
        "renewal_energy_wh": max(r["energy_wh"] for y, r in ren.items() if y.isdigit()),
    }
    if "localisation" in figures:
        loc = figures["localisation"]["leak_at_truth_max_flow"]
        small = figures["localisation"]["leak_of_5_m3h"]
        used = "expected_distance" if "expected_distance" in loc else "method"  # the app's
        summary["localisation"] = {
            "median_error_m": loc[used]["median_error_m"],
            "within_300_m": loc[used]["within_300_m"],
            "centroid_median_error_m": loc["centroid"]["median_error_m"],
            "small_leak_median_error_m": small[used]["median_error_m"],
            "small_leak_centroid_median_error_m": small["centroid"]["median_error_m"],
        }
    if "slow_leaks" in figures:
        slow = figures["slow_leaks"]
        summary["slow_leaks_2018"] = {
            m: {k: slow[m]["slow_leaks_2018"][k] for k in ("of", "detected", "median_delay_h")}
            | {"false_alarms_year": slow[m]["whole_2018"]["false_alarms"]}
            for m in ("cusum_trend", "cusum_alone", "night_flow_baseline")
        }
    if "priorities" in figures:
        summary["priorities_top1_count"] = {
            year: {
                m: r["methods"][m]["breaks"]["count"]["1"]
                for m in ("blend", "age", "past_breaks")
                if m in r["methods"]
            }
            for year, r in figures["priorities"].items()
            if year != "page_run"
        }
    if "platform" in figures:
        daily = figures["platform"]["one_day_all_zones"]
        summary["daily_detection_energy_wh"] = energy(daily["app_daily_path_cpu_s"])
    if "renewal_cache" in figures:
        runs = figures["renewal_cache"]["runs"]
        summary["renewal_plan_energy_wh"] = {
            "fitted": runs["cold"]["energy_wh"],
            "models_reused": runs["reopened"]["energy_wh"],
        }
    target = ROOT / "src" / "territoria" / "eau" / "measured.json"
    target.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])

"""The streaming leak detector on synthetic zone flows whose truth is known by construction."""

import datetime as dt
import itertools

import numpy as np
import pytest

from territoria.eau import detection
from territoria.eau.detection import Alert, Leak, Params, ZoneDetector

START = np.datetime64("2024-01-01T00:00:00")  # a Monday


def zone_flow(days: int, seed: int = 0, leak=None) -> tuple[np.ndarray, np.ndarray]:
    """Hourly flow: night level 60 m³/h, a weekday/weekend demand shape, noise σ = 3 m³/h,
    plus `leak(hour_index) -> m³/h`."""
    rng = np.random.default_rng(seed)
    hours = np.arange(days * 24)
    times = START + hours.astype("timedelta64[h]")
    hour = hours % 24
    weekday = (hours // 24) % 7
    demand = 100 * np.clip(np.sin((hour - 5) / 17 * np.pi), 0, None)
    demand = np.where(weekday >= 5, 0.8 * demand, demand)
    flow = 60 + demand + rng.normal(0, 3, len(hours))
    if leak is not None:
        flow = flow + np.array([leak(h) for h in hours])
    return times.astype("datetime64[s]"), flow


def run(times, flow, params=None, profile_hours=168):
    params = params or Params()
    profile = detection.weekly_profile(times[:profile_hours], flow[:profile_hours])
    detector = ZoneDetector("A", profile, params)
    alerts = [a for t, v in zip(times, flow) if (a := detector.push(t, v)) is not None]
    return alerts, detector


def test_clean_month_raises_no_alert():
    times, flow = zone_flow(35)
    alerts, _ = run(times, flow)
    assert alerts == []


def test_burst_is_caught_within_hours_with_its_flow_and_start():
    burst_at = 20 * 24 + 10  # day 20, 10:00
    times, flow = zone_flow(30, leak=lambda h: 25.0 if h >= burst_at else 0.0)
    alerts, _ = run(times, flow)
    assert len(alerts) == 1
    alert = alerts[0]
    start = times[burst_at].item()
    assert dt.timedelta(0) < alert.raised_at - start <= dt.timedelta(hours=6)
    assert abs(alert.start_estimate - start) <= dt.timedelta(hours=4)
    assert 12 <= alert.flow_m3h <= 32  # the 3 hours may straddle the burst
    assert 20 <= alert.current_flow_m3h <= 30  # the next nights refine it


def test_slowly_growing_leak_gives_one_alert_not_one_per_step():
    begin = 10 * 24
    times, flow = zone_flow(60, leak=lambda h: max(0.0, (h - begin) / 24 * 0.5))  # +0.5 m³/h a day
    alerts, detector = run(times, flow)
    assert len(alerts) == 1
    assert times[begin].item() < alerts[0].raised_at < times[begin + 20 * 24].item()
    assert detector.alerts[0].flow_m3h > alerts[0].flow_m3h or len(detector.alerts) == 1


def test_alerts_use_only_past_data():
    burst_at = 15 * 24 + 3
    times, flow = zone_flow(30, leak=lambda h: 30.0 if h >= burst_at else 0.0)
    full, _ = run(times, flow)
    cut = burst_at + 12
    partial, _ = run(times[:cut], flow[:cut])
    assert [a.as_json() for a in partial] == [
        a.as_json() for a in full if a.raised_at <= times[cut].item()
    ]


def test_repair_lowers_the_expectation_so_a_new_leak_shows_again():
    first, repair, second = 10 * 24 + 2, 16 * 24 + 2, 24 * 24 + 2
    leak = lambda h: (25.0 if first <= h < repair else 0.0) + (22.0 if h >= second else 0.0)
    times, flow = zone_flow(32, leak=leak)
    alerts, detector = run(times, flow)
    assert len(alerts) == 2
    assert detector.alerts[0].closed_at is not None  # the drop closed the first leak


def test_score_counts_second_alert_as_false_alarm_and_running_leak_as_neutral():
    t0 = dt.datetime(2018, 1, 1)
    leaks = [
        Leak("old", "A", t0 - dt.timedelta(days=3), t0 + dt.timedelta(days=10), 5.0),
        Leak("new", "A", t0 + dt.timedelta(days=2), t0 + dt.timedelta(days=12), 10.0),
    ]

    def alert(days):
        when = t0 + dt.timedelta(days=days)
        return Alert("A", when, when, 1.0)

    result = detection.score([alert(1), alert(3), alert(4), alert(20)], leaks, t0)
    assert result["neutral_alerts"] == 1  # the first alert matched the leak already running
    assert result["detected"] == 1 and result["missed"] == 0
    assert result["false_alarms"] == 2  # the second alert on "new", and the one after the end
    assert result["median_delay_h"] == 24.0
    assert result["water_saved_m3"] == pytest.approx(9 * 24 * 10.0)


def test_night_flow_baseline_alarms_on_a_night_rise():
    times, flow = zone_flow(20, leak=lambda h: 15.0 if h >= 10 * 24 + 12 else 0.0)
    baseline = detection.NightFlowBaseline("A", threshold_m3h=6.0)
    alerts = [a for t, v in zip(times, flow) if (a := baseline.push(t, v)) is not None]
    assert len(alerts) == 1
    assert alerts[0].raised_at == dt.datetime(2024, 1, 12, 4, 0)


TREND = Params(trend_nights=28, trend_t=3.0, trend_rise_m3h=3.0)


def test_trend_test_alone_catches_a_slow_leak_and_dates_its_start():
    begin = 10 * 24
    leak = lambda h: max(0.0, (h - begin) / 24 * 0.15)
    times, flow = zone_flow(90, seed=3, leak=leak)
    only_trend = Params(h_m3=1e9, burst_m3h=1e9, trend_nights=28, trend_t=3.0)
    alerts, _ = run(times, flow, only_trend)
    assert alerts and {a.method for a in alerts} == {"trend"}
    # growth is absorbed by the open alert for `growth_days`: no alert a night
    assert all(
        b.raised_at - a.raised_at > dt.timedelta(days=30) for a, b in itertools.pairwise(alerts)
    )
    start = times[begin].item()
    assert start < alerts[0].raised_at < start + dt.timedelta(days=50)
    assert abs(alerts[0].start_estimate - start) < dt.timedelta(days=21)
    assert 3.0 <= alerts[0].flow_m3h <= 8.0  # ~0.15 × days since the start


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_adding_the_trend_test_never_delays_the_first_alert(seed):
    begin = 10 * 24
    times, flow = zone_flow(90, seed=seed, leak=lambda h: max(0.0, (h - begin) / 24 * 0.15))
    plain, _ = run(times, flow)
    both, _ = run(times, flow, TREND)
    assert plain and both and both[0].raised_at <= plain[0].raised_at


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_trend_test_raises_nothing_on_clean_months(seed):
    times, flow = zone_flow(70, seed=seed)
    alerts, _ = run(times, flow, TREND)
    assert alerts == []


def test_french_holidays_follow_easter():
    days = detection.holidays("fr", [2024, 2025])
    assert dt.date(2024, 4, 1) in days  # lundi de Pâques 2024
    assert dt.date(2025, 4, 21) in days  # lundi de Pâques 2025
    assert dt.date(2025, 5, 29) in days  # Ascension 2025
    assert dt.date(2025, 6, 9) in days  # lundi de Pentecôte 2025
    assert len(days) == 22
    alsace = detection.holidays("fr-alsace-moselle", [2024])
    assert {dt.date(2024, 3, 29), dt.date(2024, 12, 26)} <= alsace
    assert detection.holidays("", [2024]) == frozenset()
    with pytest.raises(ValueError, match="inconnu"):
        detection.holidays("xx", [2024])


def holiday_flow(leak_from: int | None = None):
    """Six weeks from Monday 4 March 2024; Easter Monday (1 April) is consumed like a Sunday."""
    start = np.datetime64("2024-03-04T00:00:00")
    rng = np.random.default_rng(3)
    hours = np.arange(42 * 24)
    times = (start + hours.astype("timedelta64[h]")).astype("datetime64[s]")
    hour, day = hours % 24, hours // 24
    sunday_like = ((day % 7) == 6) | (day == 28)
    demand = 100 * np.clip(np.sin((hour - 5) / 17 * np.pi), 0, None)
    demand = np.where(sunday_like, 0.8 * demand, demand)
    flow = 60 + demand + rng.normal(0, 3, len(hours))
    if leak_from is not None:
        flow = flow + np.where(hours >= leak_from, 25.0, 0.0)
    return times, flow


@pytest.mark.parametrize("leak_from", [None, 37 * 24 + 11])
def test_a_holiday_read_as_a_sunday_raises_no_false_burst_the_next_week(leak_from):
    times, flow = holiday_flow(leak_from)
    found = {}
    for calendar in ("", "fr"):
        days = detection.calendar_for(calendar, times)
        profile = detection.weekly_profile(times[:168], flow[:168], days)
        detector = ZoneDetector("A", profile, Params(), holiday_days=days)
        found[calendar] = [a for t, v in zip(times, flow) if (a := detector.push(t, v))]
    monday_after = dt.date(2024, 4, 8)
    # without the calendar, the Monday after Easter Monday looks like a burst against it
    assert any(a.raised_at.date() == monday_after for a in found[""])
    assert not any(a.raised_at.date() == monday_after for a in found["fr"])
    if leak_from is None:
        assert found["fr"] == []
    else:  # a real leak two days later is still caught, within hours
        leak_at = times[leak_from].item()
        caught = [a for a in found["fr"] if a.raised_at >= leak_at]
        assert caught and caught[0].raised_at - leak_at <= dt.timedelta(hours=6)


def test_a_holiday_in_the_training_week_is_learned_from_the_other_weekdays():
    times, flow = zone_flow(7)  # from Monday 1 January 2024, a public holiday
    days = detection.holidays("fr", [2024])
    profile = detection.weekly_profile(times, flow, days).reshape(7, 24)
    assert np.isfinite(profile).all()
    # Monday's hours come from Tuesday–Friday: the day's peak is there, not a flat median
    assert abs(profile[0, 13] - np.median(profile[1:5, 13])) < 1e-9
    assert profile[0, 13] > 80


def _seasonal_nights(year: int, amplitude: float, leak_days=(), seed: int = 0):
    """Hourly flow of a zone for `year`: flat demand shape, a summer bump of the background
    (`amplitude` m³/h, peak mid-July, ±35 days) and 15 m³/h leaks over `leak_days`."""
    rng = np.random.default_rng(seed)
    start = np.datetime64(f"{year}-01-01T00:00:00")
    hours = np.arange(365 * 24)
    times = (start + hours.astype("timedelta64[h]")).astype("datetime64[s]")
    day = hours // 24
    flow = 60 + amplitude * np.exp(-(((day - 196) / 35.0) ** 2)) + rng.normal(0, 1, len(hours))
    for first, last in leak_days:
        flow[(day >= first) & (day < last)] += 15
    return times, flow


def test_the_season_is_learned_from_the_low_weeks_of_a_leaky_year():
    times, flow = _seasonal_nights(2023, 20.0, leak_days=[(40, 100), (250, 290)])
    learned = detection.seasonal_offsets(times, flow)
    assert 175 <= int(np.argmax(learned)) <= 215  # the summer peak, not a leak's plateau
    assert 15 < float(np.ptp(learned)) < 25  # close to the bump's 20 m³/h despite the leaks
    assert detection.seasonal_offsets(times[: 30 * 24], flow[: 30 * 24]) is None  # a month


def test_a_seasonal_rise_is_no_leak_once_the_season_is_known():
    """The year has a summer bump and no leak: without the season the rise raises an alert;
    with its curve subtracted, none. (The curve here is the true one: learned from a leaky
    year it is bent and may cost alerts, measured by benchmarks/eau.py --only seasons.)"""
    times, flow = _seasonal_nights(2024, 20.0, seed=1)
    spring_to_autumn = slice(100 * 24, 280 * 24)  # the rise and fall only: a cheap test
    zone = {"A": (times[spring_to_autumn], flow[spring_to_autumn], False)}
    bump = 20.0 * np.exp(-(((np.arange(366) - 196) / 35.0) ** 2))
    assert len(detection.replay(zone, {}, Params())) >= 1
    assert detection.replay(zone, {}, Params(), seasons={"A": bump - bump.mean()}) == []

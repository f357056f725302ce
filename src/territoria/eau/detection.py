"""Leak detection per hydraulic zone, streaming: every alert uses only the data up to its time.

The zone's flow (its water balance, e.g. A+B = p227 + p235 − PUMP_1) is averaged per hour.
A learned weekly profile (168 hourly values: the shape of demand above the night level,
median over the reference weeks) turns each hour into an estimate of the zone's *background*
flow: what flows whatever people do, i.e. the night flow, where leaks show. A two-sided
CUSUM on that background flow against the current expected level catches abrupt bursts in
an hour or two and slowly growing leaks once their accumulated excess crosses the threshold.

When the positive CUSUM fires:
- with no leak open in the zone, or with an excess at least `burst_m3h` above the level, it
  raises an alert: start = the last time the CUSUM was at zero, flow = the recent excess;
- otherwise the excess is the growth of the open leak (incipient leaks grow for weeks):
  the open alert's flow is updated, no new alert.
Either way the expected level absorbs the excess (the known leak is now part of the
expectation), so that a second leak on top of it shows. The negative CUSUM detects a drop
(a repair): the level goes down and the open alerts of the zone close. An agent marking an
alert repaired resets the expectation the same way.

The baseline (`NightFlowBaseline`) is the classic minimum-night-flow rule: each day at 04:00,
the mean flow of 01:00–04:00 against the reference night flow plus a fixed threshold.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np

HOUR = np.timedelta64(3600, "s")
NIGHT_START, NIGHT_END = 1, 4  # the night hours (starts) where leaks show best
TANK_T1_AREA_M2 = 201.06  # L-Town's tank T1: C = PUMP_1 − area × dh/dt
PRICE_EUR_M3 = 0.8


@dataclass(frozen=True)
class Params:
    """The detector's settings (tuned on the first half of 2018: docs/eau.md)."""

    k_m3h: float = 3.0  # CUSUM allowance: changes below it are ignored
    h_m3: float = 20.0  # CUSUM threshold (m³ of accumulated excess)
    burst_m3h: float = 12.0  # an excess this large is a new leak even with one open
    growth_days: float = 30.0  # an open leak absorbs growth for this long after its last change
    min_alert_m3h: float = 0.0  # an excess smaller than this waits (held at the threshold)
    daily_k_m3h: float = 3.0  # allowance of a zone watched on daily means (noisier)
    recent_nights: int = 1  # window of the excess estimate at an alarm (nights, or days)
    baseline_m3h: float = 20.0  # night-flow baseline: rise over the reference that alarms
    warmup_nights: int = 1  # windows to set the initial level
    window_nights: int = 7  # the CUSUM watches the mean of this many nights (or days)
    # Trend test for slowly growing leaks (0 = off): least-squares slope of the last
    # `trend_nights` nightly (daily) background values; alert when its t-statistic exceeds
    # `trend_t` and the fitted rise above the level exceeds `trend_rise_m3h`.
    trend_nights: int = 0
    trend_t: float = 4.0
    trend_rise_m3h: float = 3.0


# The trend test's settings chosen on the first half of 2018 (benchmarks/eau.py, slow_leaks);
# `eval --method cusum_trend` uses them.
TREND_SETTINGS = {"trend_nights": 28, "trend_t": 3.0, "trend_rise_m3h": 3.0}


@dataclass
class Alert:
    zone: str
    raised_at: dt.datetime
    start_estimate: dt.datetime
    flow_m3h: float
    pipes: list[str] = field(default_factory=list)
    method: str = "cusum"
    closed_at: dt.datetime | None = None
    last_change: dt.datetime | None = None
    current_flow_m3h: float = 0.0  # the flow now, as the leak grows (flow_m3h: at the alert)

    def __post_init__(self):
        self.current_flow_m3h = self.current_flow_m3h or self.flow_m3h

    def as_json(self) -> dict:
        return {
            "zone": self.zone,
            "raised_at": self.raised_at.isoformat(timespec="seconds"),
            "start_estimate": self.start_estimate.isoformat(timespec="seconds"),
            "flow_m3h": round(float(self.flow_m3h), 2),
            "pipes": list(self.pipes),
        }


# --- Zone flows ---------------------------------------------------------------------------


def hourly_means(times: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hour starts and the mean of each hour's samples (NaN for an hour without any)."""
    hours = times.astype("datetime64[h]")
    start, end = hours[0], hours[-1]
    axis = np.arange(start, end + np.timedelta64(1, "h"), dtype="datetime64[h]")
    index = (hours - start).astype("int64")
    ok = np.isfinite(values)
    sums = np.bincount(index[ok], weights=values[ok], minlength=len(axis))
    counts = np.bincount(index[ok], minlength=len(axis))
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return axis.astype("datetime64[s]"), means


def balance(values: dict[str, np.ndarray], terms: dict[str, float]) -> np.ndarray:
    """Σ coefficient × sensor (a zone's declared water balance)."""
    total = np.zeros_like(next(iter(values.values())))
    for sensor, coefficient in terms.items():
        if sensor not in values:
            raise KeyError(sensor)
        total = total + coefficient * values[sensor]
    return total


def tank_outflow(times: np.ndarray, level: np.ndarray, area_m2: float) -> np.ndarray:
    """area × dh/dt in m³/h (positive when the tank fills), NaN at the first sample."""
    seconds = np.diff(times).astype("int64").astype("float64")
    rate = np.full(len(level), np.nan)
    rate[1:] = np.diff(level) / seconds * 3600.0 * area_m2
    return rate


def ltown_zone_flows(flows, levels=None) -> dict[str, tuple[np.ndarray, np.ndarray, bool]]:
    """zone -> (hour starts, hourly flow, daily_only) for L-Town, from the SCADA series.

    Zone C is watched on daily means (`daily_only`): hour by hour its balance is dominated by
    the tank level's resolution (1 cm × 201 m² = 2 m³ per reading), over a day it is exact.
    Without the level of T1 (2018) the pump's daily volume stands for the zone's demand,
    give or take the tank's daily swing."""
    v = flows.values
    ab = v["p227"] + v["p235"] - v["PUMP_1"]
    zones = {"A+B": (*hourly_means(flows.times, ab), False)}
    if levels is not None and "T1" in levels.values:
        if len(levels.times) != len(flows.times) or np.any(levels.times != flows.times):
            raise ValueError("Les niveaux et les débits n'ont pas les mêmes horodatages.")
        c = v["PUMP_1"] - tank_outflow(levels.times, levels.values["T1"], TANK_T1_AREA_M2)
        zones["C"] = (*hourly_means(flows.times, c), True)
    else:
        zones["C"] = (*hourly_means(flows.times, v["PUMP_1"]), True)
    return zones


# --- The learned expectation --------------------------------------------------------------


def easter(year: int) -> dt.date:
    """Easter Sunday (Gregorian computus, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


# Public-holiday calendars a network's expectation may follow (Network.holidays).
CALENDARS = {
    "fr": "France (11 jours fériés)",
    "fr-alsace-moselle": "Alsace-Moselle (France + Vendredi saint, 26 décembre)",
    "": "aucun",
}


def holidays(calendar: str, years: Iterable[int]) -> frozenset[dt.date]:
    """The public holidays of `calendar` ("fr", "fr-alsace-moselle", "" for none)."""
    if calendar not in CALENDARS:
        raise ValueError(f"calendrier de jours fériés inconnu : « {calendar} »")
    days = set()
    for year in years if calendar else ():
        sunday = easter(year)
        days |= {
            dt.date(year, 1, 1),
            sunday + dt.timedelta(days=1),  # lundi de Pâques
            dt.date(year, 5, 1),
            dt.date(year, 5, 8),
            sunday + dt.timedelta(days=39),  # Ascension
            sunday + dt.timedelta(days=50),  # lundi de Pentecôte
            dt.date(year, 7, 14),
            dt.date(year, 8, 15),
            dt.date(year, 11, 1),
            dt.date(year, 11, 11),
            dt.date(year, 12, 25),
        }
        if calendar == "fr-alsace-moselle":
            days |= {sunday - dt.timedelta(days=2), dt.date(year, 12, 26)}
    return frozenset(days)


def calendar_for(calendar: str, times: np.ndarray) -> frozenset[dt.date]:
    """The holidays of `calendar` over the years of `times` (and the next, for replays that
    run on)."""
    if not calendar or len(times) == 0:
        return frozenset()
    first = int(str(times[0])[:4])
    last = int(str(times[-1])[:4])
    return holidays(calendar, range(first, last + 2))


def hour_of_week(times: np.ndarray, holiday_days: frozenset[dt.date] | None = None) -> np.ndarray:
    """0 (Monday 00 h) to 167 (Sunday 23 h); a public holiday is read as a Sunday (demand on a
    holiday looks like a Sunday's: without this, the next week's ordinary day looks like a
    burst against it)."""
    day_numbers = times.astype("datetime64[D]").astype("int64")  # 1970-01-01 was a Thursday
    weekday = (day_numbers + 3) % 7  # Monday = 0
    if holiday_days:
        marks = np.array(
            sorted(np.datetime64(d, "D").astype("int64") for d in holiday_days), dtype="int64"
        )
        weekday = np.where(np.isin(day_numbers, marks), 6, weekday)
    hour = (times.astype("datetime64[h]").astype("int64")) % 24
    return weekday * 24 + hour


def weekly_profile(
    times: np.ndarray, hourly: np.ndarray, holiday_days: frozenset[dt.date] | None = None
) -> np.ndarray:
    """168 values: demand above the week's night level, median over the weeks of data.

    Weeks are blocks of 168 consecutive hours from the first one (any weekday); a block with
    more than a tenth of its hours missing is skipped. Subtracting each block's night level
    makes the shape blind to leaks (a leak adds an almost constant flow), so leaky training
    data still teaches the demand's shape.

    Public holidays (`holiday_days`) teach nothing: a holiday Monday is neither a Monday nor
    quite a Sunday. A slot left without data (the weekday of a holiday in a one-week training)
    takes the median of the same hour on the other ordinary weekdays (Saturday and Sunday:
    on the other weekend day)."""
    slots = hour_of_week(times)
    hour = slots % 24
    blocks = np.arange(len(times)) // 168
    marks = np.array(
        sorted(np.datetime64(d, "D").astype("int64") for d in holiday_days or ()), dtype="int64"
    )
    is_holiday = np.isin(times.astype("datetime64[D]").astype("int64"), marks)
    shapes = []
    for block in np.unique(blocks):
        mask = blocks == block
        values = hourly[mask]
        if mask.sum() < 168 or np.isnan(values).mean() > 0.1:
            continue
        ordinary = ~is_holiday[mask]
        nights = (hour[mask] >= NIGHT_START) & (hour[mask] < NIGHT_END) & ordinary
        if not np.isfinite(values[nights]).any():
            continue
        night = np.nanmean(values[nights])
        shape = np.full(168, np.nan)
        shape[slots[mask][ordinary]] = values[ordinary] - night
        shapes.append(shape)
    if not shapes:
        raise ValueError(
            "Il faut au moins une semaine complète de mesures pour apprendre le profil."
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a slot without data: filled below
        profile = np.nanmedian(np.array(shapes), axis=0)
    # (Night demand does depend on the weekday in L-Town: no pooling of the 7 nights.)
    grid = profile.reshape(7, 24)
    filled = grid.copy()
    for day in range(7):
        peers = [d for d in (range(5) if day < 5 else (5, 6)) if d != day]
        for h in np.flatnonzero(~np.isfinite(grid[day])):
            others = grid[peers, h]
            if np.isfinite(others).any():
                filled[day, h] = np.nanmedian(others)
    profile = filled.reshape(168)
    return np.where(np.isfinite(profile), profile, np.nanmedian(profile))


def _day_of_year(times: np.ndarray) -> np.ndarray:
    """0..365 (29 February and 1 March share a slot in non-leap years' terms: the day's rank)."""
    days = times.astype("datetime64[D]")
    return (days - days.astype("datetime64[Y]")).astype("int64")


def seasonal_offsets(
    times: np.ndarray,
    hourly: np.ndarray,
    daily: bool = False,
    harmonics: int = 3,
    quantile: float = 0.2,
) -> np.ndarray | None:
    """366 values (m³/h, by day of the year): how the zone's background flow moves with the
    season (night irrigation in summer…), learned from a series that is NOT the one watched
    (another year): the detector subtracts it, so that a slow seasonal rise is not a leak.

    The background of each night (01–04 h; the daily mean for a zone watched by day) is
    reduced to one median per week, and a smooth annual curve (`harmonics` sine/cosine pairs)
    is fitted to the LOW weeks (quantile regression at `quantile`): a leak only adds flow, so
    the weeks of the training year without a leak lie at the bottom and its leaks' plateaus
    above (a year that leaks all along still bends the curve: measured in
    benchmarks/eau.py --only seasons, which chose the two settings on its own seeds).
    Centred on its mean: only changes along the year matter. None with less than 40 weeks
    of data."""
    hours = times.astype("datetime64[h]").astype("int64") % 24
    keep = np.isfinite(hourly) & (daily | ((hours >= NIGHT_START) & (hours < NIGHT_END)))
    if not keep.any():
        return None
    days = times[keep].astype("datetime64[D]")
    weeks = (days - days[0]).astype("int64") // 7
    values, slots = [], []
    for week in np.unique(weeks):
        mask = weeks == week
        if mask.sum() < (3 * 24 if daily else 3 * (NIGHT_END - NIGHT_START)):
            continue
        values.append(float(np.median(hourly[keep][mask])))
        slots.append(float(np.median(_day_of_year(times[keep][mask]))))
    if len(values) < 40:
        return None
    y, angle = np.array(values), 2 * np.pi * np.array(slots) / 365.25

    def design(a):
        columns = [np.ones_like(a)]
        for k in range(1, harmonics + 1):
            columns += [np.cos(k * a), np.sin(k * a)]
        return np.column_stack(columns)

    # Leaks only add flow: the curve follows the low weeks (quantile `quantile` of the
    # residuals, iteratively reweighted least squares on the check loss).
    x = design(angle)
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    for _ in range(50):
        residual = y - x @ beta
        weights = np.where(residual > 0, quantile, 1 - quantile) / np.maximum(
            np.abs(residual), 0.05
        )
        root = np.sqrt(weights)
        beta = np.linalg.lstsq(x * root[:, None], y * root, rcond=None)[0]
    curve = design(2 * np.pi * np.arange(366) / 365.25) @ beta
    return curve - float(np.mean(curve))


# --- The detector -------------------------------------------------------------------------


class ZoneDetector:
    """CUSUM on the background flow of one zone (see the module's docstring)."""

    def __init__(
        self,
        zone: str,
        profile: np.ndarray | None,
        params: Params,
        daily: bool = False,
        holiday_days: frozenset[dt.date] | None = None,
        season: np.ndarray | None = None,
    ):
        self.zone = zone
        self.holiday_days = holiday_days or frozenset()
        self.season = season  # seasonal_offsets(): subtracted from every value
        self.profile = profile
        self.params = params
        self.daily = daily
        self.level: float | None = None
        self.warm: list[float] = []
        self.s_pos = self.s_neg = 0.0
        self.zero_pos: dt.datetime | None = None
        self.recent: list[tuple[dt.datetime, float]] = []
        self.alerts: list[Alert] = []
        self.week: list[float] = []
        self.night: list[float] = []
        self.window: list[float] = []
        self.day_values: list[float] = []
        self.current_day = None
        self.trend: list[tuple[dt.datetime, float]] = []

    def background(self, when: np.datetime64, flow: float) -> float:
        if self.profile is None:
            return flow
        return flow - self.profile[int(hour_of_week(np.array([when]), self.holiday_days)[0])]

    def open_alerts(self) -> list[Alert]:
        return [a for a in self.alerts if a.closed_at is None]

    def reset(self) -> None:
        """A repair: learn the level again from the next nights."""
        self.level = None
        self.warm = []
        self.window = []
        self.trend = []
        self.s_pos = self.s_neg = 0.0

    def push(self, when: np.datetime64, flow: float) -> Alert | None:
        """The mean flow of the hour starting at `when` (NaN for a gap: skipped), known at
        the hour's end. Returns a new alert, if any."""
        if not np.isfinite(flow):
            return None
        if self.season is not None:
            flow -= float(self.season[int(_day_of_year(np.array([when]))[0])])
        moment = (when + HOUR).astype("datetime64[s]").item()
        if self.daily:  # zone watched on daily means: one value at each day's end
            day = moment.date()
            if self.current_day is not None and day != self.current_day and self.day_values:
                value = float(np.mean(self.day_values))
                self.day_values = []
                self.current_day = day
                return self._update(moment, value, weight=3.0)
            self.current_day = day
            self.day_values.append(flow)
            return None
        return self._update(moment, self.background(when, flow), weight=1.0)

    def _update(self, moment: dt.datetime, value: float, weight: float) -> Alert | None:
        """Night hours feed the CUSUM; every hour feeds the burst test."""
        p = self.params
        burst = None if self.daily else self._burst(moment, value)
        if not self.daily:
            hour = (moment.hour - 1) % 24  # the hour that just ended
            if not NIGHT_START <= hour < NIGHT_END:
                return burst
            self.night.append(value)
            if hour != NIGHT_END - 1:
                return burst
            # the night is complete: its mean background flow, weighing its hours
            value, weight = float(np.mean(self.night)), float(len(self.night))
            self.night = []
        # The mean of the last `window` nights (days): the weekly rhythm cancels out (L-Town's
        # weekend nights differ from the others in ways one learned week does not capture);
        # abrupt bursts are the burst test's job.
        self.window.append(value)
        self.window = self.window[-p.window_nights :]
        slow = self._trend(moment, value) if p.trend_nights else None
        if slow is not None:
            return slow
        if len(self.window) < p.window_nights:
            return burst
        value = float(np.mean(self.window))
        self.recent.append((moment, value))
        self.recent = self.recent[-(2 if self.daily else p.recent_nights) :]
        if self.level is None:
            self.warm.append(value)
            if len(self.warm) >= p.warmup_nights:
                self.level = float(np.median(self.warm))
                self.zero_pos = moment
            return burst
        excess = value - self.level
        k = p.daily_k_m3h if self.daily else p.k_m3h
        self.s_pos = max(0.0, self.s_pos + weight * (excess - k))
        self.s_neg = max(0.0, self.s_neg + weight * (-excess - k))
        if self.s_pos == 0.0:
            self.zero_pos = moment
        if self.s_pos > p.h_m3:
            if self._recent_excess() >= p.min_alert_m3h:
                return self._rise(moment) or burst
            self.s_pos = p.h_m3  # too small to report yet: wait for it to grow
        if self.s_neg > p.h_m3:
            self._drop(moment)
        return burst

    def _burst(self, moment: dt.datetime, value: float) -> Alert | None:
        """An abrupt rise at any hour: the last 3 hours above the same hours a week before."""
        p = self.params
        self.week.append(value)
        self.week = self.week[-(168 + 3) :]
        if len(self.week) < 168 + 3:
            return None
        rise = float(np.mean(np.array(self.week[-3:]) - np.array(self.week[:3])))
        if rise < p.burst_m3h:
            return None
        if any(moment - a.raised_at < dt.timedelta(days=7) for a in self.alerts):
            return None
        alert = Alert(
            self.zone,
            moment,
            moment - dt.timedelta(hours=3),
            rise,
            method="burst",
            last_change=moment,
        )
        self.alerts.append(alert)
        if self.level is not None:
            self.level += rise
            self.s_pos = self.s_neg = 0.0
        # as if the burst had always been there: the night window does not catch up slowly
        self.window = [v + rise for v in self.window]
        return alert

    def _trend(self, moment: dt.datetime, value: float) -> Alert | None:
        """A slowly growing leak: the nightly background rises steadily (least squares over
        the last `trend_nights` nights, t-test on the slope), before the CUSUM of the 7-night
        mean has accumulated enough. Start = where the fitted line leaves the level."""
        p = self.params
        self.trend.append((moment, value))
        self.trend = self.trend[-p.trend_nights :]
        if self.level is None or len(self.trend) < p.trend_nights:
            return None
        y = np.array([v for _, v in self.trend])
        x = np.arange(len(y), dtype=float)
        slope, intercept = np.polyfit(x, y, 1)
        fitted = intercept + slope * x
        spread = float(np.sqrt(np.sum((y - fitted) ** 2) / max(len(y) - 2, 1)))
        se = spread / float(np.sqrt(np.sum((x - x.mean()) ** 2))) if spread > 0 else 1e-9
        excess = float(fitted[-1]) - self.level
        if slope / se < p.trend_t or excess < p.trend_rise_m3h:
            return None
        crossing = int(np.clip(np.ceil((self.level - intercept) / slope), 0, len(y) - 1))
        start = self.trend[crossing][0]
        self.trend = []
        self.level += excess
        self.s_pos = self.s_neg = 0.0
        growing = [
            a
            for a in self.open_alerts()
            if moment - (a.last_change or a.raised_at) <= dt.timedelta(days=p.growth_days)
        ]
        if growing:
            growing[-1].current_flow_m3h += excess
            growing[-1].last_change = moment
            return None
        alert = Alert(self.zone, moment, start, excess, method="trend", last_change=moment)
        self.alerts.append(alert)
        return alert

    def _recent_excess(self) -> float:
        return float(np.mean([v for _, v in self.recent])) - self.level

    def _rise(self, moment: dt.datetime) -> Alert | None:
        p = self.params
        excess = max(self._recent_excess(), p.k_m3h)
        self.level += excess
        self.s_pos = self.s_neg = 0.0
        growing = [
            a
            for a in self.open_alerts()
            if moment - (a.last_change or a.raised_at) <= dt.timedelta(days=p.growth_days)
        ]
        if growing and excess < p.burst_m3h:
            growing[-1].current_flow_m3h += excess
            growing[-1].last_change = moment
            return None
        alert = Alert(
            self.zone,
            raised_at=moment,
            start_estimate=self.zero_pos or moment,
            flow_m3h=excess,
            last_change=moment,
        )
        self.alerts.append(alert)
        return alert

    def _drop(self, moment: dt.datetime) -> None:
        drop = max(-self._recent_excess(), self.params.k_m3h)
        self.level -= drop
        self.s_pos = self.s_neg = 0.0
        self.zero_pos = moment
        for alert in self.open_alerts():
            alert.closed_at = moment


class NightFlowBaseline:
    """Minimum night flow: each night's 01:00–04:00 mean against the reference + threshold."""

    def __init__(self, zone: str, threshold_m3h: float = 6.0, daily: bool = False):
        self.zone = zone
        self.threshold = threshold_m3h
        self.daily = daily
        self.reference: float | None = None
        self.night: list[float] = []
        self.day: list[float] = []
        self.current_day = None
        self.alerts: list[Alert] = []
        self.warm: list[float] = []

    def push(self, when: np.datetime64, flow: float) -> Alert | None:
        if not np.isfinite(flow):
            return None
        moment = (when + HOUR).astype("datetime64[s]").item()
        if self.daily:
            if self.current_day is not None and moment.date() != self.current_day and self.day:
                value = float(np.mean(self.day))
                self.day = []
                self.current_day = moment.date()
                return self._night(moment, value)
            self.current_day = moment.date()
            self.day.append(flow)
            return None
        start = moment - dt.timedelta(hours=1)
        if 1 <= start.hour < 4:
            self.night.append(flow)
        if start.hour == 3 and self.night:  # the hour 03:00–04:00 completes the night
            value = float(np.mean(self.night))
            self.night = []
            return self._night(moment, value)
        return None

    def _night(self, moment: dt.datetime, value: float) -> Alert | None:
        if self.reference is None:
            self.reference = value
            return None
        if value > self.reference + self.threshold:
            alert = Alert(
                self.zone,
                moment,
                moment - dt.timedelta(days=1),
                value - self.reference,
                method="night_flow",
            )
            self.reference = value
            self.alerts.append(alert)
            return alert
        if value < self.reference - self.threshold:  # a repair: follow the night flow down
            self.reference = value
        return None


# --- Replay and scoring -------------------------------------------------------------------


def replay(
    zone_flows: dict,
    profiles: dict,
    params: Params,
    method: str = "cusum",
    holiday_days: frozenset[dt.date] | None = None,
    seasons: dict | None = None,
) -> list[Alert]:
    """Feed the hours of every zone in time order, as if they arrived live (`holiday_days`:
    read as Sundays by the expectation; the profiles must have been learned with them;
    `seasons`: zone -> seasonal_offsets() learned from another stretch of data)."""
    detectors = {}
    for zone, (_, _, daily) in zone_flows.items():
        if method in ("cusum", "cusum_trend"):
            if method == "cusum_trend" and not params.trend_nights:
                params = replace(params, **TREND_SETTINGS)
            detectors[zone] = ZoneDetector(
                zone,
                profiles.get(zone),
                params,
                daily=daily,
                holiday_days=holiday_days,
                season=(seasons or {}).get(zone),
            )
        else:
            detectors[zone] = NightFlowBaseline(zone, params.baseline_m3h, daily=daily)
    events = []
    for zone, (times, hourly, _) in zone_flows.items():
        events.extend((t, zone, v) for t, v in zip(times, hourly))
    events.sort(key=lambda e: (e[0], e[1]))
    alerts = []
    for when, zone, value in events:
        alert = detectors[zone].push(when, value)
        if alert is not None:
            alerts.append(alert)
    return alerts


@dataclass(frozen=True)
class Leak:
    leak_id: str
    zone: str
    start: dt.datetime
    end: dt.datetime
    max_flow_m3h: float
    pipe: str = ""


def score(
    alerts: Iterable[Alert],
    leaks: list[Leak],
    replay_start: dt.datetime,
    count_from: dt.datetime | None = None,
) -> dict:
    """The issue's rules: an alert matches a not-yet-detected leak of its zone active at its
    time; a second alert on a detected leak is a false alarm; leaks already running at the
    start of the replay count neither way (their first alert is neutral).

    `count_from` scores a later part of the replay only (e.g. the second half of a year
    whose first half tuned the settings): every alert still updates which leaks are known,
    but only the alerts raised from then on and the leaks starting from then on are counted;
    leaks running at that time count neither way, like those running at the replay's start."""
    count_from = count_from or replay_start
    detected: dict[str, Alert] = {}
    false_alarms = []
    neutral = 0
    for alert in sorted(alerts, key=lambda a: a.raised_at):
        active = [
            leak
            for leak in leaks
            if leak.zone == alert.zone and leak.start <= alert.raised_at <= leak.end
        ]
        fresh = [leak for leak in active if leak.leak_id not in detected]
        counted_alert = alert.raised_at >= count_from
        if fresh:
            leak = min(fresh, key=lambda x: x.start)
            detected[leak.leak_id] = alert
            if counted_alert and leak.start < count_from:
                neutral += 1
        elif counted_alert:
            false_alarms.append(alert)
    counted = [leak for leak in leaks if leak.start >= count_from]
    found = [leak for leak in counted if leak.leak_id in detected]
    delays = [
        (detected[leak.leak_id].raised_at - leak.start).total_seconds() / 3600 for leak in found
    ]
    saved_m3 = sum(_leaked_m3(leak, detected[leak.leak_id].raised_at, leak.end) for leak in found)
    return {
        "leaks": len(counted),
        "detected": len(found),
        "missed": len(counted) - len(found),
        "false_alarms": len(false_alarms),
        "neutral_alerts": neutral,
        "median_delay_h": round(float(np.median(delays)), 1) if delays else None,
        "mean_delay_h": round(float(np.mean(delays)), 1) if delays else None,
        "water_saved_m3": round(saved_m3),
        "water_saved_eur": round(saved_m3 * PRICE_EUR_M3),
        "detected_ids": sorted(leak.leak_id for leak in found),
        "delay_h_by_leak": {
            leak.leak_id: round(
                (detected[leak.leak_id].raised_at - leak.start).total_seconds() / 3600, 1
            )
            for leak in found
        },
        "false_alarm_times": [a.raised_at.isoformat(timespec="minutes") for a in false_alarms],
    }


def _leaked_m3(leak: Leak, since: dt.datetime, until: dt.datetime) -> float:
    """Water the leak loses from `since` to `until`, at its maximum flow (the truth file gives
    only the peak; an upper-bound valuation, the same for every method)."""
    hours = max((until - since).total_seconds() / 3600, 0.0)
    return hours * leak.max_flow_m3h

"""Flow analysis of the counts: typical-day profiles (mean and spread per hour) by day type and
season, a congestion index per section, and the days far from their typical profile.

Everything is computed by DuckDB over the Parquet store of the counts (`counts._files`).

- Day types: ``semaine`` (Monday–Friday), ``samedi``, ``dimanche_ferie`` (Sunday or French
  public holiday: the fixed dates and those that follow Easter, computed here). Seasons: ``ete``
  (July–August), ``vacances`` (the other school holidays of the network's zone A, B or C, from
  the national calendar bundled in `vacances-scolaires-france`; only when a zone is set) and
  ``scolaire`` (the rest).
- Only complete hours count: an hour of a detector with fewer intervals than its usual number
  (a gap, an empty value) is left out, so a gap is never mistaken for a drop of traffic.
- Congestion index of a section: the speed drop against its free-flow speed,
  ``1 − speed(hour) / free flow`` on the typical working day, where free flow is the 85th
  percentile of its hourly speeds; the section's index is its worst hour. Without speeds,
  the index is not computed (said so).
- Anomalies: each hour of a day is compared with the same hour of the days of the same type
  and season (at least ``MIN_DAYS`` others), by robust statistics — the median and the spread
  1.4826 × MAD — so that a few odd days (a mistyped holiday, a strike) do not hide each other as
  they would in a mean and a standard deviation. An hour is abnormal when it is at least ``Z``
  spreads, ``RELATIVE`` of the median and ``MIN_VEHICLES`` vehicles away (the spread is at
  least the Poisson noise √median); a day with at least one abnormal hour is flagged, with the
  hours, the counts and the gaps as its reason.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

DAY_TYPES = {
    "semaine": "jour ouvré (lundi–vendredi)",
    "samedi": "samedi",
    "dimanche_ferie": "dimanche ou jour férié",
}
SEASONS = {
    "scolaire": "période scolaire",
    "vacances": "petites vacances scolaires",
    "ete": "juillet–août",
}
ZONES = {"A": "zone A", "B": "zone B", "C": "zone C"}
Z = 5.0  # chosen on seed 21 of benchmarks/mobilite_profiles.py (100 sections), not the seeds reported
RELATIVE = 0.3
MIN_VEHICLES = 20
MIN_DAYS = 3  # other days of the same type and season needed to judge a day
FREE_FLOW_QUANTILE = 0.85


def easter(year: int) -> date:
    """Easter Sunday (Gregorian calendar; anonymous algorithm of Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l) // 451
    month = (h + l - 7 * m + 114) // 31
    day = (h + l - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def french_holidays(year: int) -> dict[date, str]:
    """The eleven public holidays of metropolitan France (Code du travail, L3133-1)."""
    sunday = easter(year)
    return {
        date(year, 1, 1): "Jour de l'an",
        sunday + timedelta(days=1): "Lundi de Pâques",
        date(year, 5, 1): "Fête du Travail",
        date(year, 5, 8): "Victoire 1945",
        sunday + timedelta(days=39): "Ascension",
        sunday + timedelta(days=50): "Lundi de Pentecôte",
        date(year, 7, 14): "Fête nationale",
        date(year, 8, 15): "Assomption",
        date(year, 11, 1): "Toussaint",
        date(year, 11, 11): "Armistice 1918",
        date(year, 12, 25): "Noël",
    }


def day_type(day: date) -> str:
    if day.weekday() == 6 or day in french_holidays(day.year):
        return "dimanche_ferie"
    return "samedi" if day.weekday() == 5 else "semaine"


@cache
def _school_calendar():
    from vacances_scolaires_france import SchoolHolidayDates

    return SchoolHolidayDates()


def school_holiday(day: date, zone: str) -> str | None:
    """The name of the school holidays of `zone` (A, B, C) on `day` (« Vacances d'hiver »…),
    None outside them, without a zone, or outside the calendar's years (1990–2028 in 0.12.0)."""
    calendar = _school_calendar()
    if zone not in ZONES or not calendar.min_year <= day.year <= calendar.max_year:
        return None
    row = calendar.data.get(day)
    return row["nom_vacances"] if row and row[calendar.zone_key(zone)] else None


def season(day: date, zone: str = "") -> str:
    if day.month in (7, 8):
        return "ete"
    return "vacances" if school_holiday(day, zone) else "scolaire"


def _days_table(first: date, last: date, zone: str = ""):
    import pyarrow as pa

    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return pa.table(
        {
            "d": pa.array(days, pa.date32()),
            "kind": [day_type(d) for d in days],
            "season": [season(d, zone) for d in days],
        }
    )


def _prepare(con, files: list[str], detector: str | None = None, zone: str = "") -> bool:
    """Creates the table `hourly` (complete hours, with day type and season); False if empty."""
    where, params = ("WHERE detector = ?", [files, detector]) if detector else ("", [files])
    con.execute(
        "CREATE OR REPLACE TEMP TABLE raw_hours AS SELECT CAST(detector AS VARCHAR) AS det, "
        "CAST(ts AS DATE) AS d, hour(ts) AS h, CAST(sum(vehicles) AS DOUBLE) AS v, "
        "avg(speed) AS s, count(vehicles) AS n "
        f"FROM read_parquet(?) {where} GROUP BY ALL",
        params,
    )
    first, last = con.execute("SELECT min(d), max(d) FROM raw_hours").fetchall()[0]
    if first is None:
        return False
    days = _days_table(first, last, zone)
    con.register("days_table", days)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE hourly AS SELECT r.det, r.d, r.h, r.v, r.s, t.kind, "
        "t.season FROM (SELECT *, max(n) OVER (PARTITION BY det) AS usual FROM raw_hours) r "
        "JOIN days_table t ON r.d = t.d WHERE r.n >= r.usual"
    )
    return True


def _connect():
    from territoria.mobilite.counts import _connect as connect

    return connect()


def prepared(files: list[str], zone: str = ""):
    """A DuckDB connection holding the hourly table of all the detectors (None when there are no
    counts), to pass as `con` to the functions below: the Parquet store is read once. `zone`:
    the school-holiday zone whose holidays are a season of their own."""
    con = _connect()
    return con if files and _prepare(con, files, zone=zone) else None


def profiles(files: list[str], detector: str, con=None, zone: str = "") -> dict:
    """{(day type, season): [(hour, mean, spread, days)]} of one detector."""
    if con is None:
        con = _connect()
        if not files or not _prepare(con, files, detector, zone):
            return {}
    result: dict = {}
    for kind, sea, h, mean, spread, days in con.execute(
        "SELECT kind, season, h, avg(v), stddev_samp(v), count(*) FROM hourly WHERE det = ? "
        "GROUP BY ALL ORDER BY kind, season, h",
        [detector],
    ).fetchall():
        result.setdefault((kind, sea), []).append((h, mean, spread, days))
    return result


def congestion(files: list[str], con=None) -> list[dict]:
    """Per section: free-flow speed, worst hour of the typical working day and its index.
    Ties (the same index at several hours) go to the earliest hour, and the index is rounded
    to 1e-9 before ranking, so that the sums of DuckDB's threads (whose order varies in the
    last bits) give the same table each time."""
    if con is None:
        con = _connect()
        if not files or not _prepare(con, files):
            return []
    rows = con.execute(
        f"""WITH ff AS (SELECT det, quantile_cont(s, {FREE_FLOW_QUANTILE}) AS free
                        FROM hourly WHERE s IS NOT NULL GROUP BY det),
        typical AS (SELECT det, h, avg(s) AS s, avg(v) AS v FROM hourly
                    WHERE kind = 'semaine' GROUP BY det, h),
        indexed AS (SELECT t.det, t.h, t.v, ff.free, t.s,
                    round(greatest(0, 1 - t.s / ff.free), 9) AS idx FROM typical t
                    LEFT JOIN ff ON ff.det = t.det),
        ranked AS (SELECT *, max(v) OVER (PARTITION BY det) AS peak,
                   row_number() OVER (PARTITION BY det ORDER BY idx DESC NULLS LAST, h) AS r
                   FROM indexed)
        SELECT det, h, idx, free, s, v, peak FROM ranked WHERE r = 1
        ORDER BY idx DESC NULLS LAST, det"""
    ).fetchall()
    return [
        {
            "section": det,
            "worst_hour": int(hour) if index is not None else None,
            "index": None if index is None else round(float(index), 3),
            "free_flow_kmh": None if free is None else round(float(free), 1),
            "speed_kmh": None if speed is None else round(float(speed), 1),
            "vehicles": None if index is None else round(float(flow)),
            "peak_vehicles": round(float(peak)),
        }
        for det, hour, index, free, speed, flow, peak in rows
    ]


def anomalies(
    files: list[str],
    detector: str | None = None,
    limit: int | None = 50,
    con=None,
    zone: str = "",
) -> list[dict]:
    """Days far from their typical profile, the largest deviations first (all when `limit` is
    None)."""
    if con is None:
        con = _connect()
        if not files or not _prepare(con, files, detector, zone):
            return []
    rows = con.execute(
        f"""WITH typical AS (SELECT det, kind, season, h, median(v) AS m,
                             1.4826 * mad(v) AS sd, count(*) AS n FROM hourly
                             GROUP BY ALL HAVING count(*) > {MIN_DAYS}),
        z AS (SELECT x.det, x.d, x.kind, x.season, x.h, x.v, t.m, t.sd, t.n - 1 AS others,
                     (x.v - t.m) / greatest(t.sd, sqrt(t.m), 1) AS z
              FROM hourly x JOIN typical t USING (det, kind, season, h))
        SELECT det, d, kind, season, h, v, m, sd, z, others FROM z
        WHERE (det = $det OR $det IS NULL) AND abs(z) >= {Z} AND abs(v - m) >= {RELATIVE} * m AND abs(v - m) >= {MIN_VEHICLES}
        ORDER BY det, d, h""",
        {"det": detector},
    ).fetchall()
    days: dict = {}
    for det, d, kind, sea, h, v, m, sd, z, others in rows:
        day = days.setdefault(
            (det, d),
            {
                "section": det,
                "date": d,
                "day_type": kind,
                "season": sea,
                "hours": [],
                "score": 0.0,
                "compared_days": int(others),
            },
        )
        day["hours"].append(
            {
                "hour": int(h),
                "vehicles": round(v),
                "typical": round(m),
                "spread": round(sd or 0),
                "gap_percent": round(100 * (v - m) / m) if m else None,
                "z": round(z, 1),
            }
        )
        day["score"] += abs(z)
    result = sorted(days.values(), key=lambda x: (-x["score"], x["section"], x["date"]))[:limit]
    for day in result:
        day["score"] = round(day["score"], 1)
        day["reason"] = reason(day)
    return result


def reason(day: dict) -> str:
    holiday = french_holidays(day["date"].year).get(day["date"])
    parts = []
    for h in day["hours"]:
        gap = f"{h['gap_percent']:+d} %".replace("-", "−") if h["gap_percent"] is not None else ""
        parts.append(
            f"{h['hour']} h : {h['vehicles']} véhicules au lieu de {h['typical']} ± {h['spread']} "
            f"({gap}, {abs(h['z']):.1f} écarts)".replace(".", ",")
        )
    kind = DAY_TYPES[day["day_type"]] + (f" ({holiday})" if holiday else "")
    return (
        f"{'Hausse' if sum(h['z'] for h in day['hours']) > 0 else 'Baisse'} par rapport au "
        f"profil type « {kind}, {SEASONS[day['season']]} » de {day['compared_days']} autres "
        f"jours — " + " ; ".join(parts) + "."
    )


def profile_chart(
    files: list[str], detector: str, wanted_season: str = "", con=None, found: dict | None = None
):
    """The chart of the typical days of one detector (one season), its table rows, the season;
    `found`: the detector's profiles already read (the stored views, `flows.py`)."""
    from territoria.core.charts import LineChart, Series

    found = profiles(files, detector, con) if found is None else found
    if not found:
        return None
    seasons = {s for _, s in found}
    chosen = (
        wanted_season
        if wanted_season in seasons
        else max(
            seasons, key=lambda s: sum(r[3] for (k, x), v in found.items() if x == s for r in v)
        )
    )
    series, table = [], {}
    for index, kind in enumerate(DAY_TYPES):
        points = found.get((kind, chosen))
        if not points:
            continue
        series.append(
            Series(f"Moyenne, {DAY_TYPES[kind]}", [(h, round(m)) for h, m, _, _ in points])
        )
        for h, m, sd, n in points:
            table.setdefault(h, {})[kind] = {"mean": round(m), "spread": round(sd or 0), "days": n}
    chart = LineChart(
        f"Jour type, détecteur {detector} ({SEASONS[chosen]})",
        series,
        x_label="heure",
        y_label="véhicules / h",
        summary="Moyenne des véhicules par heure selon le type de jour ; l'écart-type et le "
        "nombre de jours sont dans le tableau « Profils types ».",
    )
    rows = [{"hour": h, "cells": [table[h].get(kind) for kind in DAY_TYPES]} for h in sorted(table)]
    choices = [(s, label) for s, label in SEASONS.items() if s in seasons]
    return {"chart": chart, "rows": rows, "season": chosen, "seasons": choices}

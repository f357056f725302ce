"""Public-transport times from the collectivité's timetables (a GTFS feed, .zip): from the centre
of each commune or IRIS to the nearest venue, leaving at a fixed hour of a reference weekday.

No GTFS feed ships with the platform (none of a French network is available offline): until a
collectivité imports its own, the pages give no public-transport time and say so.

The method (`earliest_arrival`), stated on the page:
- the day: the feed's **reference date**, the first Tuesday on which it runs services
  (`calendar.txt` and its exceptions in `calendar_dates.txt`), or the date given at import;
- leaving the centre at DEPART (10:00), walking in straight line at WALK_KMH to any stop within
  WALK_MAX_M, then riding trips (Connection Scan Algorithm over the day's connections, for all
  origins at once); changes only at the same stop (no walk between two stops); walking again
  from the last stop to a venue within WALK_MAX_M; a venue within WALK_MAX_M of the centre may
  be reached on foot;
- the result is the **earliest arrival** minus the departure, waiting included, if under
  MAX_MINUTES; otherwise « pas de lieu joignable en transports en commun en moins de 3 h ».
What it is not: a door-to-door time (the centre is not where people live), a time at another
hour or day, a time with walks between stops or on the street network.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from territoria.core.text_files import nul_problem
from territoria.culture.errors import ImportProblem

DEPART = 10 * 3600  # seconds after midnight of the reference date
WALK_KMH = 4.5
WALK_MAX_M = 1000.0
MAX_MINUTES = 180.0
REQUIRED = {
    "stops.txt": ("stop_id", "stop_lat", "stop_lon"),
    "trips.txt": ("trip_id", "service_id"),
    "stop_times.txt": ("trip_id", "stop_id", "stop_sequence", "arrival_time", "departure_time"),
}
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _seconds(text: str) -> int | None:
    """GTFS time « HH:MM:SS » (hours may pass 24) → seconds; None when malformed."""
    parts = text.strip().split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    h, m, s = (int(p) for p in parts)
    if m > 59 or s > 59 or h > 47:
        return None
    return h * 3600 + m * 60 + s


def _table(archive: zipfile.ZipFile, name: str, problems: list[str], label: str) -> list[dict]:
    try:
        raw = archive.read(name).decode("utf-8-sig")
    except KeyError:
        return []
    except UnicodeDecodeError:
        problems.append(f"{name} : encodage non UTF-8")
        return []
    if problem := nul_problem(raw):
        problems.append(f"{name} : {problem}")
        return []
    reader = csv.DictReader(io.StringIO(raw))
    missing = [c for c in REQUIRED.get(name, ()) if c not in (reader.fieldnames or [])]
    if missing:
        problems.append(f"{name} : colonne(s) absente(s) {', '.join(missing)}")
        return []
    return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]


@dataclass
class Timetable:
    """One day of a feed: stops (lat, lon) and its connections sorted by departure: from stop,
    to stop, departure, arrival (seconds), trip number."""

    stop_lat: np.ndarray
    stop_lon: np.ndarray
    dep_stop: np.ndarray
    arr_stop: np.ndarray
    dep_time: np.ndarray
    arr_time: np.ndarray
    trip: np.ndarray

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **self.__dict__)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Timetable:
        with np.load(io.BytesIO(bytes(data))) as arrays:
            return cls(**{k: arrays[k] for k in arrays.files})


def _running(calendar: list[dict], dates: list[dict], day: dt.date) -> set[str]:
    key = day.strftime("%Y%m%d")
    running = {
        row["service_id"]
        for row in calendar
        if row.get(DAYS[day.weekday()]) == "1"
        and row.get("start_date", "0") <= key <= row.get("end_date", "99999999")
    }
    for row in dates:
        if row.get("date") == key:
            if row.get("exception_type") == "1":
                running.add(row["service_id"])
            elif row.get("exception_type") == "2":
                running.discard(row["service_id"])
    return running


def _reference_date(calendar: list[dict], dates: list[dict]) -> dt.date | None:
    """The first Tuesday with services, from the start of the feed (at most a year on)."""
    starts = [r.get("start_date", "") for r in calendar] + [r.get("date", "") for r in dates]
    starts = [s for s in starts if len(s) == 8 and s.isdigit()]
    if not starts:
        return None
    day = dt.datetime.strptime(min(starts), "%Y%m%d").date()
    for _ in range(372):
        if day.weekday() == 1 and _running(calendar, dates, day):
            return day
        day += dt.timedelta(days=1)
    return None


def read_gtfs(source, name: str = "", day: dt.date | None = None) -> tuple[Timetable, dict]:
    """The connections of one day of a GTFS feed (a path or an open binary file). Every problem
    is named (file, line, column); nothing is kept when there is one."""
    label = name or getattr(source, "name", "") or "GTFS"
    try:
        data = Path(source).read_bytes() if isinstance(source, str | Path) else source.read()
        archive = zipfile.ZipFile(io.BytesIO(data))
    except FileNotFoundError:
        raise ImportProblem(f"fichier {source} introuvable", label) from None
    except zipfile.BadZipFile:
        raise ImportProblem(
            "ce n'est pas un flux GTFS (attendu : une archive .zip contenant stops.txt, "
            "trips.txt, stop_times.txt et calendar.txt ou calendar_dates.txt)",
            label,
        ) from None
    problems: list[str] = []
    names = set(archive.namelist())
    for needed in REQUIRED:
        if needed not in names:
            problems.append(f"{needed} absent de l'archive")
    if "calendar.txt" not in names and "calendar_dates.txt" not in names:
        problems.append("ni calendar.txt ni calendar_dates.txt : jours de circulation inconnus")
    if problems:
        raise ImportProblem(problems, label)
    stops = _table(archive, "stops.txt", problems, label)
    trips = _table(archive, "trips.txt", problems, label)
    times = _table(archive, "stop_times.txt", problems, label)
    calendar = _table(archive, "calendar.txt", problems, label)
    dates = _table(archive, "calendar_dates.txt", problems, label)
    stop_index: dict[str, int] = {}
    lat, lon = [], []
    for line, row in enumerate(stops, start=2):
        try:
            la, lo = float(row["stop_lat"]), float(row["stop_lon"])
        except ValueError:
            problems.append(
                f"stops.txt ligne {line} : stop_lat/stop_lon « {row['stop_lat']} », "
                f"« {row['stop_lon']} » — attendu : des nombres (degrés WGS 84)"
            )
            continue
        if not (-90 <= la <= 90 and -180 <= lo <= 180) or (la == 0 and lo == 0):
            problems.append(f"stops.txt ligne {line} : coordonnées hors limites ({la}, {lo})")
            continue
        if row["stop_id"] in stop_index:
            problems.append(f"stops.txt ligne {line} : stop_id « {row['stop_id']} » répété")
            continue
        stop_index[row["stop_id"]] = len(lat)
        lat.append(la), lon.append(lo)
    service_of = {row["trip_id"]: row["service_id"] for row in trips}
    chosen = day or _reference_date(calendar, dates)
    if chosen is None and not problems:
        problems.append("aucun jour de circulation trouvé dans calendar.txt / calendar_dates.txt")
    running = _running(calendar, dates, chosen) if chosen else set()
    legs: dict[str, list[tuple[int, int, int, int]]] = {}
    for line, row in enumerate(times, start=2):
        where = f"stop_times.txt ligne {line}"
        if row["trip_id"] not in service_of:
            problems.append(f"{where} : trip_id « {row['trip_id']} » absent de trips.txt")
            continue
        if row["stop_id"] not in stop_index:
            problems.append(f"{where} : stop_id « {row['stop_id']} » absent de stops.txt")
            continue
        arrival, departure = _seconds(row["arrival_time"]), _seconds(row["departure_time"])
        if arrival is None or departure is None or not row["stop_sequence"].isdigit():
            problems.append(
                f"{where} : horaire « {row['arrival_time']} » / « {row['departure_time']} » ou "
                f"stop_sequence « {row['stop_sequence']} » — attendu : HH:MM:SS et un entier "
                "(les horaires interpolés, vides, ne sont pas lus)"
            )
            continue
        legs.setdefault(row["trip_id"], []).append(
            (int(row["stop_sequence"]), stop_index[row["stop_id"]], arrival, departure)
        )
    if problems:
        raise ImportProblem(problems, label)
    connections = []
    trip_ids = sorted(t for t in legs if service_of[t] in running)
    for number, trip in enumerate(trip_ids):
        calls = sorted(legs[trip])
        for (_, s1, _, dep), (_, s2, arr, _) in itertools.pairwise(calls):
            if arr < dep:
                problems.append(f"voyage « {trip} » : arrivée avant le départ ({s1} → {s2})")
                break
            connections.append((dep, arr, s1, s2, number))
    if problems:
        raise ImportProblem(problems[:50], label)
    if not connections:
        raise ImportProblem(
            f"aucun voyage ne circule le {chosen:%d/%m/%Y} : rien à importer", label
        )
    connections.sort()
    array = np.array(connections, dtype=np.int64)
    table = Timetable(
        np.array(lat),
        np.array(lon),
        array[:, 2],
        array[:, 3],
        array[:, 0],
        array[:, 1],
        array[:, 4],
    )
    return table, {
        "date": chosen,
        "stops": len(lat),
        "trips": len(trip_ids),
        "connections": len(connections),
    }


@dataclass
class TransitAnswer:
    minutes: np.ndarray
    venue: np.ndarray
    reasons: list[str]


def earliest_arrival(
    table: Timetable, o_lat, o_lon, v_lat, v_lon, depart: int = DEPART
) -> TransitAnswer:
    """Minutes from each origin to the venue reached first (Connection Scan Algorithm over all
    origins at once; walks in straight line at WALK_KMH within WALK_MAX_M)."""
    from territoria.culture import geo

    o_lat, o_lon = np.asarray(o_lat, float), np.asarray(o_lon, float)
    v_lat, v_lon = np.asarray(v_lat, float), np.asarray(v_lon, float)
    n_orig = len(o_lat)
    walk = WALK_KMH / 3.6
    limit = depart + MAX_MINUTES * 60
    to_stop = 1000 * geo.distance_matrix_km(o_lat, o_lon, table.stop_lat, table.stop_lon)
    arrival = np.where(to_stop <= WALK_MAX_M, depart + to_stop / walk, np.inf)
    n_trips = int(table.trip.max()) + 1 if len(table.trip) else 0
    boarded = np.zeros((n_orig, n_trips), bool)
    start = int(np.searchsorted(table.dep_time, depart))
    stop = int(np.searchsorted(table.dep_time, limit, side="right"))
    for c in range(start, stop):
        t, s1, s2 = table.trip[c], table.dep_stop[c], table.arr_stop[c]
        can = boarded[:, t] | (arrival[:, s1] <= table.dep_time[c])
        if not can.any():
            continue
        boarded[:, t] |= can
        arrival[:, s2] = np.where(
            can, np.minimum(arrival[:, s2], table.arr_time[c]), arrival[:, s2]
        )
    stop_to_venue = 1000 * geo.distance_matrix_km(table.stop_lat, table.stop_lon, v_lat, v_lon)
    walk_to_venue = np.where(stop_to_venue <= WALK_MAX_M, stop_to_venue / walk, np.inf)
    # at each venue: min over stops of (arrival at the stop + walk to the venue)
    at_venue = np.full((n_orig, len(v_lat)), np.inf)
    for s in np.flatnonzero(np.isfinite(walk_to_venue).any(axis=1)):
        at_venue = np.minimum(at_venue, arrival[:, [s]] + walk_to_venue[s][None, :])
    direct = 1000 * geo.distance_matrix_km(o_lat, o_lon, v_lat, v_lon)
    at_venue = np.minimum(at_venue, np.where(direct <= WALK_MAX_M, depart + direct / walk, np.inf))
    best = at_venue.argmin(axis=1) if len(v_lat) else np.zeros(n_orig, int)
    reached = at_venue[np.arange(n_orig), best] if len(v_lat) else np.full(n_orig, np.inf)
    minutes = (reached - depart) / 60
    reasons = []
    near_stop = (to_stop <= WALK_MAX_M).any(axis=1)
    for i in range(n_orig):
        if np.isfinite(minutes[i]) and minutes[i] <= MAX_MINUTES:
            reasons.append("")
        elif not near_stop[i]:
            reasons.append(
                f"aucun arrêt à moins de {WALK_MAX_M / 1000:g} km du centre".replace(".", ",")
            )
        else:
            reasons.append("pas de lieu joignable en transports en commun en moins de 3 h")
    ok = np.array([r == "" for r in reasons], bool)
    return TransitAnswer(np.where(ok, minutes, np.nan), np.where(ok, best, -1), reasons)


def import_gtfs(source, name: str = "") -> dict:
    """Import one day of a GTFS feed (all or nothing); a feed of the same file name is replaced."""
    from django.db import transaction

    from territoria.culture.models import TransitFeed

    label = Path(name or getattr(source, "name", "") or str(source)).name
    table, summary = read_gtfs(source, label)
    with transaction.atomic():
        TransitFeed.objects.filter(name=label).delete()
        TransitFeed.objects.create(
            name=label,
            day=summary["date"],
            stops=summary["stops"],
            connections=summary["connections"],
            west=float(table.stop_lon.min()),
            south=float(table.stop_lat.min()),
            east=float(table.stop_lon.max()),
            north=float(table.stop_lat.max()),
            timetable=table.to_bytes(),
        )
    return {
        "réseau": label,
        "jour de référence": summary["date"].isoformat(),
        "arrêts": summary["stops"],
        "voyages ce jour": summary["trips"],
        "connexions": summary["connections"],
    }


_CACHE: dict = {}


def along_transit(o_lat, o_lon, v_lat, v_lon) -> tuple[TransitAnswer, list[str]] | None:
    """Public-transport minutes from each origin on the imported feeds (the most recent feed
    whose stops' extent, widened by the walk, holds the origin); None when none is imported.
    Also the feeds used, as « name (reference date) »."""
    from territoria.culture.models import TransitFeed

    feeds = list(TransitFeed.objects.defer("timetable"))
    if not feeds:
        return None
    o_lat, o_lon = np.asarray(o_lat, float), np.asarray(o_lon, float)
    n = len(o_lat)
    answer = TransitAnswer(
        np.full(n, np.nan),
        np.full(n, -1),
        ["hors de l'emprise des réseaux de transport importés"] * n,
    )
    done = np.zeros(n, bool)
    used = []
    margin = 0.02  # about 1.5 km
    for feed in feeds:
        inside = (
            ~done
            & (o_lon >= feed.west - margin)
            & (o_lon <= feed.east + margin)
            & (o_lat >= feed.south - margin)
            & (o_lat <= feed.north + margin)
        )
        if not inside.any():
            continue
        key = (feed.pk, feed.updated_at)
        if key not in _CACHE:
            _CACHE[key] = Timetable.from_bytes(
                TransitFeed.objects.filter(pk=feed.pk).values_list("timetable", flat=True)[0]
            )
        picked = np.flatnonzero(inside)
        part = earliest_arrival(_CACHE[key], o_lat[picked], o_lon[picked], v_lat, v_lon)
        answer.minutes[picked] = part.minutes
        answer.venue[picked] = part.venue
        for j, i in enumerate(picked):
            answer.reasons[i] = part.reasons[j]
        done[picked] = True
        used.append(f"{feed.name} ({feed.day:%d/%m/%Y})")
    return answer, used

"""Likely causes of the anomalous days of the counts: the network's events calendar and weather
record (CSV files an agent imports), public and school holidays.

The causes are set beside the stored anomalies when they are shown (page, JSON), not stored
with them: importing a calendar needs no recomputation of the flow analysis.

- Events: ``date;evenement[;troncons]`` or ``debut;fin;evenement[;troncons]`` (dates
  AAAA-MM-JJ or JJ/MM/AAAA; ``troncons``: the sections concerned, separated by spaces, none
  meaning the whole network). An event is a cause of an anomalous day of a section when the
  day is within its dates and it concerns the section or the whole network.
- Weather: one line per day, ``date;pluie_mm[;neige_cm;temperature_min]``, or Météo-France's
  daily climatological files (``AAAAMMJJ``, ``RR``, ``TN``, ``NEIGETOT``; several stations: the
  worst value of the day is kept). Thresholds are Météo-France's usual day indicators, not tuned
  here: heavy rain RR ≥ 10 mm, snow cover ≥ 1 cm, frost TN ≤ 0 °C.
- A file is checked whole before anything is stored; an error names the file, the line and the
  field; a new file of a kind replaces the previous one (in one transaction).

A cause is a coincidence on the calendar, not a proof: the page says « cause probable ».
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from django.db import transaction

from territoria.core.text_files import nul_problem
from territoria.mobilite import profiles
from territoria.mobilite.models import CalendarEntry, Network

HEAVY_RAIN_MM = 10.0
SNOW_CM = 1.0
FROST_C = 0.0
MAX_LINES = 200_000
MAX_SPAN_DAYS = 366  # an event longer than a year is a typing error

KINDS = {"evenement": "calendrier des événements", "meteo": "relevé météo"}
WEATHER_COLUMNS = {  # ours, then Météo-France's daily files
    "date": ("date", "aaaammjj"),
    "rain_mm": ("pluie_mm", "rr"),
    "snow_cm": ("neige_cm", "neigetot"),
    "tmin_c": ("temperature_min", "tn"),
}


class CalendarError(ValueError):
    """A calendar file refused: the message names the file, the line and the field."""


def _day(text: str) -> date | None:
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%Y%m%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            pass
    return None


def _rows(text: str, name: str) -> tuple[dict[str, str], list[tuple[int, dict]]]:
    """({column in lower case: as the file writes it}, [(line number, {column: value})]) of a
    `;` or `,` CSV."""
    text = text.lstrip("\ufeff")
    if problem := nul_problem(text):
        raise CalendarError(f"{name} : {problem}")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    written = [h.strip() for h in next(reader, [])]
    header = [h.lower() for h in written]
    rows = []
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(rows) >= MAX_LINES:
            raise CalendarError(f"{name} : plus de {MAX_LINES} lignes.")
        rows.append((number, dict(zip(header, (v.strip() for v in values), strict=False))))
    return dict(zip(header, written, strict=True)), rows


def parse_events(text: str, name: str) -> list[dict]:
    header, rows = _rows(text, name)
    ranged = "debut" in header and "fin" in header
    if ("evenement" not in header) or not (ranged or "date" in header):
        raise CalendarError(
            f"{name} : colonnes « date;evenement » ou « debut;fin;evenement » attendues "
            f"(« troncons » facultative), « {';'.join(header.values())} » trouvées."
        )
    events, errors = [], []
    for number, row in rows:
        where = f"{name}, ligne {number}"
        fields = ("debut", "fin") if ranged else ("date", "date")
        days = [_day(row.get(f, "")) for f in fields]
        for field, day in zip(fields, days, strict=True):
            if day is None:
                errors.append(
                    f"{where}, champ « {field} » : date illisible (« {row.get(field, '')} » ; "
                    "attendu AAAA-MM-JJ ou JJ/MM/AAAA)."
                )
                break
        label = row.get("evenement", "")
        if not label:
            errors.append(f"{where}, champ « evenement » : nom de l'événement vide.")
        if None in days or not label:
            continue
        if days[1] < days[0]:
            errors.append(f"{where}, champ « fin » : l'événement finit avant son début.")
        elif (days[1] - days[0]).days >= MAX_SPAN_DAYS:
            errors.append(f"{where}, champ « fin » : un événement de plus d'un an.")
        else:
            sections = row.get("troncons", "").replace(",", " ").split()
            events.append(
                {"first": days[0], "last": days[1], "label": label[:200], "sections": sections}
            )
    if errors:
        raise CalendarError(" ".join(errors[:10]) + _more(errors))
    if not events:
        raise CalendarError(f"{name} : aucun événement.")
    return events


def _more(errors: list[str]) -> str:
    return f" … et {len(errors) - 10} autre(s) erreur(s)." if len(errors) > 10 else ""


def parse_weather(text: str, name: str) -> list[dict]:
    header, rows = _rows(text, name)
    columns = {}
    for key, names in WEATHER_COLUMNS.items():
        columns[key] = next((n for n in names if n in header), None)
    if columns["date"] is None or not any(columns[k] for k in ("rain_mm", "snow_cm", "tmin_c")):
        raise CalendarError(
            f"{name} : colonnes « date;pluie_mm;neige_cm;temperature_min » (ou celles des "
            f"fichiers quotidiens de Météo-France : AAAAMMJJ, RR, NEIGETOT, TN) attendues, "
            f"« {';'.join(header.values())} » trouvées."
        )
    days: dict[date, dict] = {}
    errors = []
    bounds = {"rain_mm": (0, 500), "snow_cm": (0, 500), "tmin_c": (-60, 50)}
    for number, row in rows:
        where = f"{name}, ligne {number}"
        day = _day(row.get(columns["date"], ""))
        if day is None:
            errors.append(
                f"{where}, champ « {header[columns['date']]} » : date illisible "
                f"(« {row.get(columns['date'], '')} »)."
            )
            continue
        values = days.setdefault(day, {})
        for key, (low, high) in bounds.items():
            column = columns[key]
            raw = row.get(column, "") if column else ""
            if not raw:
                continue  # a missing measure is not a zero
            try:
                value = float(raw.replace(",", "."))
            except ValueError:
                value = None
            if value is None or not low <= value <= high:
                errors.append(
                    f"{where}, champ « {header[column]} » : valeur impossible (« {raw} »)."
                )
                continue
            # several stations: the worst of the day (most rain or snow, lowest minimum)
            worst = min if key == "tmin_c" else max
            values[key] = worst(values[key], value) if key in values else value
    if errors:
        raise CalendarError(" ".join(errors[:10]) + _more(errors))
    if not days:
        raise CalendarError(f"{name} : aucune journée de météo.")
    return [{"first": d, "last": d, "values": v} for d, v in sorted(days.items()) if v]


def import_calendar(network: Network, kind: str, text: str, name: str) -> int:
    """Replace the network's entries of `kind` by those of the file; their number."""
    parsed = parse_events(text, name) if kind == "evenement" else parse_weather(text, name)
    with transaction.atomic():
        CalendarEntry.objects.filter(network=network, kind=kind).delete()
        CalendarEntry.objects.bulk_create(
            CalendarEntry(
                network=network,
                kind=kind,
                first_day=p["first"],
                last_day=p["last"],
                label=p.get("label", ""),
                sections=p.get("sections", []),
                values=p.get("values", {}),
                file_name=name[:255],
            )
            for p in parsed
        )
    return len(parsed)


def weather_causes(values: dict) -> list[str]:
    causes = []
    if values.get("snow_cm", 0) >= SNOW_CM:
        causes.append(f"neige au sol ({values['snow_cm']:g} cm)")
    if values.get("rain_mm", 0) >= HEAVY_RAIN_MM:
        causes.append(f"fortes pluies ({values['rain_mm']:g} mm)")
    if "tmin_c" in values and values["tmin_c"] <= FROST_C:
        causes.append(f"gel (minimum {values['tmin_c']:g} °C)")
    return [c.replace(".", ",") for c in causes]


def annotate(network: Network, anomalies: list[dict]) -> list[dict]:
    """Each anomalous day with `causes` (the likely ones, events first) and `cause` (text)."""
    if not anomalies:
        return anomalies
    first = min(a["date"] for a in anomalies)
    last = max(a["date"] for a in anomalies)
    entries = list(
        CalendarEntry.objects.filter(network=network, first_day__lte=last, last_day__gte=first)
    )
    weather = {e.first_day: e.values for e in entries if e.kind == "meteo"}
    events = [e for e in entries if e.kind == "evenement"]
    for anomaly in anomalies:
        day, section = anomaly["date"], anomaly["section"]
        causes = [
            f"événement : {e.label}" + ("" if e.sections else " (tout le réseau)")
            for e in events
            if e.first_day <= day <= e.last_day and (not e.sections or section in e.sections)
        ]
        causes += [f"météo : {c}" for c in weather_causes(weather.get(day, {}))]
        holiday = profiles.french_holidays(day.year).get(day)
        if holiday:
            causes.append(f"jour férié : {holiday}")
        school = profiles.school_holiday(day, network.school_zone)
        if school:
            causes.append(f"vacances scolaires (zone {network.school_zone}) : {school}")
        anomaly["causes"] = causes
        anomaly["cause"] = " ; ".join(causes) if causes else "aucune cause connue au calendrier"
    return anomalies


def summary(network: Network) -> dict:
    """{kind: (entries, file name, first day, last day)} of the network's calendar."""
    found = {}
    for kind in KINDS:
        entries = CalendarEntry.objects.filter(network=network, kind=kind)
        head = entries.first()
        if head is not None:
            last = entries.order_by("-last_day").first().last_day
            found[kind] = {
                "entries": entries.count(),
                "file": head.file_name,
                "first": head.first_day,
                "last": last,
            }
    return found

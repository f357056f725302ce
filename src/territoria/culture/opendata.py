"""The public tables the module publishes to the open-data portal (apps.py `datasets`)."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from territoria.core.csv_safety import neutralise
from territoria.culture import access
from territoria.culture.models import Attendance, Observatory


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rounded(value, digits: int):
    return None if value is None else round(value, digits)


def write_observatory_table(path: Path, columns, items_of):
    """The one row writer of the module's tables by area (communes, IRIS): for each published
    observatory, one CSV line per item that `items_of(observatory)` yields, the columns being
    `(header, value of the item)` pairs, every value neutralised for spreadsheets. Returns
    (lines, sha-256 of the file), or None when no published observatory has a line (the
    open-data service then publishes no table, as for an empty one)."""
    observatories = list(Observatory.objects.filter(published=True))
    if not observatories:
        return None
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([header for header, _ in columns])
        for observatory in observatories:
            for item in items_of(observatory):
                writer.writerow([neutralise(value(item)) for _, value in columns])
                rows += 1
    if not rows:
        return None
    return rows, _digest(path)


# Each item is (observatory, weights as written, row of `access.compute_access`).
ACCESS_COLUMNS = (
    ("observatoire", lambda i: i[0].name),
    ("code_commune", lambda i: i[2].code),
    ("commune", lambda i: i[2].name),
    ("population", lambda i: i[2].population),
    ("distance_km", lambda i: round(i[2].nearest_km, 2)),
    ("route_estimee_km", lambda i: round(i[2].road_km, 2)),
    ("minutes_estimees", lambda i: round(i[2].minutes, 1)),
    ("musees_15km", lambda i: i[2].venues_within),
    ("offre_100k_hab", lambda i: round(i[2].offer_per_100k, 2)),
    ("tendance_pct_an", lambda i: _rounded(i[2].trend_pct, 2)),
    ("indice_acces", lambda i: round(i[2].index, 4)),
    ("poids", lambda i: i[1]),
    ("reseau_km", lambda i: _rounded(i[2].network_km, 2)),
    ("reseau_minutes", lambda i: _rounded(i[2].network_minutes, 1)),
    ("transports_minutes", lambda i: _rounded(i[2].transit_minutes, 1)),
)


def _index_items(compute):
    """The items of an index table: each row of `compute(observatory)` (an AccessResult, by
    commune or by IRIS) with the weights it used, as written in the table."""

    def items_of(observatory):
        result = compute(observatory)
        weights = " ".join(f"{k}={v:g}" for k, v in result.weights.items())
        return ((observatory, weights, r) for r in result.rows)

    return items_of


def _commune_index(observatory):
    return access.compute_access(list(observatory.communes()), weights=observatory.weights)


def _iris_index(observatory):
    codes = list(observatory.communes().values_list("code", flat=True))
    return access.iris_index(codes, weights=observatory.weights)


def write_access_csv(path: Path):
    """The access indicators of each commune of the published observatories."""
    return write_observatory_table(path, ACCESS_COLUMNS, _index_items(_commune_index))


def write_attendance_csv(path: Path):
    query = Attendance.objects.select_related("series", "series__venue").order_by(
        "series__ref", "year", "line"
    )
    if not query.exists():
        return None
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "ref_musee",
                "musee",
                "ville",
                "departement",
                "annee",
                "payant",
                "gratuit",
                "total",
                "note",
                "signalements",
                "ref_museofile",
            ]
        )
        for a in query.iterator(chunk_size=2000):
            writer.writerow(
                [
                    neutralise(v)
                    for v in (
                        a.series.ref,
                        a.series.name,
                        a.series.city,
                        a.series.departement,
                        a.year,
                        a.paying,
                        a.free,
                        a.total,
                        a.note,
                        " ".join(a.flags),
                        a.series.venue.ref if a.series.venue else "",
                    )
                ]
            )
            rows += 1
    return rows, _digest(path)


# Each item is (observatory, row of `access.iris_access`, one of its distances by venue type).
IRIS_DISTANCE_COLUMNS = (
    ("observatoire", lambda i: i[0].name),
    ("code_iris", lambda i: i[1].code),
    ("iris", lambda i: i[1].name),
    ("commune", lambda i: i[1].commune),
    ("population", lambda i: i[1].population),
    ("type_de_lieu", lambda i: i[2]["label"]),
    ("distance_km", lambda i: round(i[2]["km"], 2)),
    ("route_estimee_km", lambda i: round(i[2]["road_km"], 2)),
    ("minutes_estimees", lambda i: round(i[2]["minutes"], 1)),
    ("lieu_le_plus_proche", lambda i: i[2]["venue"]),
    ("reseau_km", lambda i: _rounded(i[2]["network_km"], 2)),
    ("reseau_minutes", lambda i: _rounded(i[2]["network_minutes"], 1)),
    ("reseau_lieu", lambda i: i[2]["network_venue"]),
    ("transports_minutes", lambda i: _rounded(i[2]["transit_minutes"], 1)),
)


def _iris_distance_items(observatory):
    codes = list(observatory.communes().values_list("code", flat=True))
    for r in access.iris_access(codes)["rows"]:
        for d in r.distances:
            yield observatory, r, d


def write_iris_csv(path: Path):
    """Distance from each IRIS of the published observatories to the nearest venue of each
    type (one line per IRIS and type; straight line, road and time estimated)."""
    return write_observatory_table(path, IRIS_DISTANCE_COLUMNS, _iris_distance_items)


# Each item is (observatory, weights as written, row of `access.iris_index`).
IRIS_INDEX_COLUMNS = (
    ("observatoire", lambda i: i[0].name),
    ("code_iris", lambda i: i[2].code),
    ("iris", lambda i: i[2].name),
    ("population", lambda i: i[2].population),
    ("distance_km", lambda i: round(i[2].nearest_km, 2)),
    ("musee_le_plus_proche", lambda i: i[2].nearest_name),
    ("offre_100k_hab", lambda i: round(i[2].offer_per_100k, 2)),
    ("tendance_pct_an", lambda i: _rounded(i[2].trend_pct, 2)),
    ("score_proximite", lambda i: round(i[2].scores["proximite"], 4)),
    ("score_offre", lambda i: round(i[2].scores["offre"], 4)),
    ("score_frequentation", lambda i: round(i[2].scores["frequentation"], 4)),
    ("indice_acces", lambda i: round(i[2].index, 4)),
    ("rang", lambda i: i[2].rank),
    ("prioritaire_acces", lambda i: "oui" if i[2].priority else "non"),
    ("poids", lambda i: i[1]),
)


def write_iris_index_csv(path: Path):
    """The composite access index of each IRIS of the published observatories, computed as on
    the observatory's IRIS map (`access.iris_index`: the commune method, ranks among the
    territory's IRIS, the observatory's saved weights, museums), with its three components."""
    return write_observatory_table(path, IRIS_INDEX_COLUMNS, _index_items(_iris_index))

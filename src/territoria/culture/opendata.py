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


def write_access_csv(path: Path):
    observatories = list(Observatory.objects.filter(published=True))
    if not observatories:
        return None
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "observatoire",
                "code_commune",
                "commune",
                "population",
                "distance_km",
                "route_estimee_km",
                "minutes_estimees",
                "musees_15km",
                "offre_100k_hab",
                "tendance_pct_an",
                "indice_acces",
                "poids",
                "reseau_km",
                "reseau_minutes",
                "transports_minutes",
            ]
        )
        for observatory in observatories:
            result = access.compute_access(
                list(observatory.communes()), weights=observatory.weights
            )
            weights = " ".join(f"{k}={v:g}" for k, v in result.weights.items())
            for r in result.rows:
                writer.writerow(
                    [
                        neutralise(v)
                        for v in (
                            observatory.name,
                            r.code,
                            r.name,
                            r.population,
                            round(r.nearest_km, 2),
                            round(r.road_km, 2),
                            round(r.minutes, 1),
                            r.venues_within,
                            round(r.offer_per_100k, 2),
                            None if r.trend_pct is None else round(r.trend_pct, 2),
                            round(r.index, 4),
                            weights,
                            None if r.network_km is None else round(r.network_km, 2),
                            None if r.network_minutes is None else round(r.network_minutes, 1),
                            None if r.transit_minutes is None else round(r.transit_minutes, 1),
                        )
                    ]
                )
                rows += 1
    return rows, _digest(path)


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


def write_iris_csv(path: Path):
    """Distance from each IRIS of the published observatories to the nearest venue of each
    type (one line per IRIS and type; straight line, road and time estimated)."""
    observatories = list(Observatory.objects.filter(published=True))
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "observatoire",
                "code_iris",
                "iris",
                "commune",
                "population",
                "type_de_lieu",
                "distance_km",
                "route_estimee_km",
                "minutes_estimees",
                "lieu_le_plus_proche",
                "reseau_km",
                "reseau_minutes",
                "reseau_lieu",
                "transports_minutes",
            ]
        )
        for observatory in observatories:
            codes = list(observatory.communes().values_list("code", flat=True))
            for r in access.iris_access(codes)["rows"]:
                for d in r.distances:
                    writer.writerow(
                        [
                            neutralise(v)
                            for v in (
                                observatory.name,
                                r.code,
                                r.name,
                                r.commune,
                                r.population,
                                d["label"],
                                round(d["km"], 2),
                                round(d["road_km"], 2),
                                round(d["minutes"], 1),
                                d["venue"],
                                None if d["network_km"] is None else round(d["network_km"], 2),
                                None
                                if d["network_minutes"] is None
                                else round(d["network_minutes"], 1),
                                d["network_venue"],
                                None
                                if d["transit_minutes"] is None
                                else round(d["transit_minutes"], 1),
                            )
                        ]
                    )
                    rows += 1
    if not rows:
        return None
    return rows, _digest(path)


def write_iris_index_csv(path: Path):
    """The composite access index of each IRIS of the published observatories, computed as on
    the observatory's IRIS map (`access.iris_index`: the commune method, ranks among the
    territory's IRIS, the observatory's saved weights, museums), with its three components."""
    observatories = list(Observatory.objects.filter(published=True))
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "observatoire",
                "code_iris",
                "iris",
                "population",
                "distance_km",
                "musee_le_plus_proche",
                "offre_100k_hab",
                "tendance_pct_an",
                "score_proximite",
                "score_offre",
                "score_frequentation",
                "indice_acces",
                "rang",
                "prioritaire_acces",
                "poids",
            ]
        )
        for observatory in observatories:
            codes = list(observatory.communes().values_list("code", flat=True))
            result = access.iris_index(codes, weights=observatory.weights)
            weights = " ".join(f"{k}={v:g}" for k, v in result.weights.items())
            for r in result.rows:
                writer.writerow(
                    [
                        neutralise(v)
                        for v in (
                            observatory.name,
                            r.code,
                            r.name,
                            r.population,
                            round(r.nearest_km, 2),
                            r.nearest_name,
                            round(r.offer_per_100k, 2),
                            None if r.trend_pct is None else round(r.trend_pct, 2),
                            round(r.scores["proximite"], 4),
                            round(r.scores["offre"], 4),
                            round(r.scores["frequentation"], 4),
                            round(r.index, 4),
                            r.rank,
                            "oui" if r.priority else "non",
                            weights,
                        )
                    ]
                )
                rows += 1
    if not rows:
        return None
    return rows, _digest(path)

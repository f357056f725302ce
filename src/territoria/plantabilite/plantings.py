"""Trees actually planted, recorded back in bulk: the field teams' return file.

A CSV (the sites export filled in: `arbres_plantes` and `date_plantation` on the planted sites'
lines, or any table with coordinates, a number of trees and a date) or a GeoJSON of points (or
of the sites' outlines, as exported: a point inside each is recorded).
Every line is checked; one bad line refuses the whole file, naming each bad line, its column
and what was expected — nothing is written partially. Lines already recorded (same place to
the centimetre, same date, same number of trees, same site) are skipped and reported, so that
importing the same file twice does not count its trees twice.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import shapely
from pyproj import CRS, Transformer

from territoria.plantabilite.errors import LayerError, parse_crs

MAX_BYTES = 5 * 2**20
MAX_ROWS = 50_000
MAX_TREES_PER_LINE = 100_000
# How many bad lines a refusal lists (the total is always given).
SHOWN_ERRORS = 20

# Accepted column names (lower case, accents and spaces folded: see `_norm`), first match wins.
TREES = ("arbres_plantes", "arbres", "nombre_arbres", "nb_arbres")
DATE = ("date_plantation", "date", "date_de_plantation")
SITE = ("site", "nom", "nom_site")
RANK = ("rank", "rang")
XY = (("x", "y"),)
LONLAT = (("lon", "lat"), ("longitude", "latitude"))


class PlantingError(LayerError):
    """What is wrong with a file of plantings, in French."""


@dataclass(frozen=True)
class Row:
    line: int  # line of the file (CSV: the header is line 1) or feature number (GeoJSON)
    site: str
    x: float
    y: float
    trees: int
    planted_on: date

    def key(self) -> tuple:
        return (round(self.x, 2), round(self.y, 2), self.planted_on, self.trees, self.site)


@dataclass
class Read:
    rows: list[Row]
    skipped_blank: list[int]  # sites' lines left empty (not planted)
    where: str  # "ligne" or "objet n°"


def _norm(name: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKD", name.strip().lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[\s\-]+", "_", text)


def _number(text: str) -> float:
    value = float(str(text).strip().replace("\u202f", "").replace(" ", "").replace(",", "."))
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _date(text: str, today: date) -> date:
    text = str(text).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y"):
        try:
            value = datetime.strptime(text, fmt).date()
            break
        except ValueError:
            continue
    else:
        raise ValueError("format")
    if value > today:
        raise ValueError("futur")
    if value.year < 1900:
        raise ValueError("ancien")
    return value


def _trees(text) -> int:
    value = _number(text)
    if value != int(value) or not 1 <= value <= MAX_TREES_PER_LINE:
        raise ValueError(text)
    return int(value)


def read(
    data: bytes, filename: str, territory, declared_crs: str = "", today: date | None = None
) -> Read:
    """The plantings of a CSV or GeoJSON file, in the territory's CRS, all checked."""
    if len(data) > MAX_BYTES:
        raise PlantingError(
            f"Fichier de {len(data) / 2**20:.1f} Mo : plus que la limite de "
            f"{MAX_BYTES / 2**20:.0f} Mo (découpez-le)."
        )
    today = today or date.today()
    name = filename.lower()
    if name.endswith((".geojson", ".json")):
        return _read_geojson(data, territory, declared_crs, today)
    if name.endswith((".csv", ".txt")):
        return _read_csv(data, territory, declared_crs, today)
    raise PlantingError(
        f"« {filename} » : format non pris en charge. Formats acceptés : CSV (.csv) et "
        "GeoJSON de points (.geojson)."
    )


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise PlantingError(
            f"Ligne {line} : le fichier n'est pas en UTF-8 (enregistrez-le en « CSV UTF-8 »)."
        ) from None


def _column(header: dict[str, str], names) -> str | None:
    return next((header[n] for n in names if n in header), None)


def _read_csv(data: bytes, territory, declared_crs: str, today: date) -> Read:
    text = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = {_norm(f): f for f in (reader.fieldnames or []) if f}
    trees_col, date_col = _column(header, TREES), _column(header, DATE)
    site_col, rank_col = _column(header, SITE), _column(header, RANK)
    xy = next(((header[a], header[b]) for a, b in XY if a in header and b in header), None)
    lonlat = next(((header[a], header[b]) for a, b in LONLAT if a in header and b in header), None)
    missing = []
    if trees_col is None:
        missing.append("« arbres_plantes » (ou « arbres »)")
    if date_col is None:
        missing.append("« date_plantation » (ou « date »)")
    if xy is None and lonlat is None:
        missing.append("« x » et « y » (ou « lon » et « lat »)")
    if missing:
        found = ", ".join(f"« {f} »" for f in reader.fieldnames or []) or "aucune"
        raise PlantingError(
            f"Ligne 1 (en-tête) : colonne(s) {' ; '.join(missing)} introuvable(s). "
            f"Colonnes du fichier : {found}."
        )
    if xy is not None:
        crs = parse_crs(declared_crs, "Formulaire : ") if declared_crs else None
        coords, crs_label = xy, declared_crs or territory.crs
    else:
        crs, coords, crs_label = CRS.from_epsg(4326), lonlat, "EPSG:4326 (lon/lat)"
    raw, errors, blank = [], [], []
    for line, record in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            raise PlantingError(f"Plus de {MAX_ROWS} lignes : découpez le fichier.")
        if not any((v or "").strip() for v in record.values() if isinstance(v, str)):
            continue
        n_text = (record.get(trees_col) or "").strip()
        d_text = (record.get(date_col) or "").strip()
        if not n_text and not d_text:
            blank.append(line)  # a site of the export that was not planted
            continue
        problems = []
        values = {}
        for col, key in ((coords[0], "x"), (coords[1], "y")):
            try:
                values[key] = _number(record.get(col) or "")
            except ValueError:
                problems.append(
                    f"colonne « {col} » : « {(record.get(col) or '')[:30]} » n'est pas un "
                    f"nombre (attendu une coordonnée en {crs_label})"
                )
        try:
            values["trees"] = _trees(n_text)
        except ValueError:
            problems.append(
                f"colonne « {trees_col} » : « {n_text[:30]} » n'est pas un nombre d'arbres "
                f"(attendu un entier de 1 à {MAX_TREES_PER_LINE})"
            )
        try:
            values["date"] = _date(d_text, today)
        except ValueError as why:
            problems.append(_date_problem(date_col, d_text, str(why), today))
        if problems:
            errors.append(f"Ligne {line}, " + " ; ".join(problems) + ".")
            continue
        site = (record.get(site_col) or "").strip() if site_col else ""
        if not site and rank_col and (record.get(rank_col) or "").strip():
            site = f"Site n° {record[rank_col].strip()}"
        raw.append((line, site[:200], values["x"], values["y"], values["trees"], values["date"]))
    return _finish(raw, errors, blank, crs, territory, "Ligne")


def _date_problem(col: str, text: str, why: str, today: date) -> str:
    if why == "futur":
        return f"colonne « {col} » : le {text} est dans le futur (aujourd'hui : {today:%d/%m/%Y})"
    if why == "ancien":
        return f"colonne « {col} » : « {text} » est antérieur à 1900"
    return (
        f"colonne « {col} » : « {text[:30]} » n'est pas une date (attendu AAAA-MM-JJ ou JJ/MM/AAAA)"
    )


def _read_geojson(data: bytes, territory, declared_crs: str, today: date) -> Read:
    try:
        document = json.loads(_decode(data))
    except json.JSONDecodeError as error:
        raise PlantingError(f"Le fichier n'est pas du GeoJSON lisible ({error}).") from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise PlantingError("Le fichier n'est pas une FeatureCollection GeoJSON de points.")
    features = document.get("features") or []
    if len(features) > MAX_ROWS:
        raise PlantingError(f"Plus de {MAX_ROWS} objets : découpez le fichier.")
    named = (document.get("crs") or {}).get("properties", {}).get("name")
    crs_text = declared_crs or named or "EPSG:4326"
    crs = parse_crs(crs_text, "GeoJSON : ")
    raw, errors, blank = [], [], []
    for number, feature in enumerate(features, start=1):
        props = {_norm(k): v for k, v in ((feature or {}).get("properties") or {}).items()}
        n_value = next((props[k] for k in TREES if props.get(k) not in (None, "")), None)
        d_value = next((props[k] for k in DATE if props.get(k) not in (None, "")), None)
        if n_value is None and d_value is None:
            blank.append(number)
            continue
        problems = []
        geometry = (feature or {}).get("geometry") or {}
        kind = geometry.get("type")
        try:
            if kind == "Point":
                x, y = (_number(v) for v in geometry["coordinates"][:2])
            elif kind in ("Polygon", "MultiPolygon"):  # a site's outline (the sites export)
                centre = shapely.geometry.shape(geometry).representative_point()
                x, y = centre.x, centre.y
            else:
                problems.append(f"géométrie {kind or 'absente'} (attendu un Point ou un Polygon)")
        except (KeyError, TypeError, ValueError, shapely.errors.GEOSException):
            problems.append("coordonnées illisibles (attendu [x, y])")
        try:
            trees = _trees(n_value if n_value is not None else "")
        except ValueError:
            problems.append(
                f"propriété « arbres_plantes » : « {n_value} » n'est pas un nombre d'arbres "
                f"(attendu un entier de 1 à {MAX_TREES_PER_LINE})"
            )
        try:
            planted_on = _date(d_value if d_value is not None else "", today)
        except ValueError as why:
            problems.append(_date_problem("date_plantation", str(d_value or ""), str(why), today))
        if problems:
            errors.append(f"Objet n° {number}, " + " ; ".join(problems) + ".")
            continue
        site = str(props.get("site") or props.get("nom") or "")
        if not site and props.get("rank") not in (None, ""):
            site = f"Site n° {props['rank']}"
        raw.append((number, site[:200], x, y, trees, planted_on))
    return _finish(raw, errors, blank, crs, territory, "Objet n°")


def _finish(raw, errors, blank, crs, territory, where) -> Read:
    """Reproject (crs None: already the territory's), check the extent, or refuse with every
    error found."""
    rows = []
    if raw:
        xs = np.array([r[2] for r in raw], dtype=float)
        ys = np.array([r[3] for r in raw], dtype=float)
        work = parse_crs(territory.crs, "Territoire : ")
        if crs is not None and not crs.equals(work):
            xs, ys = Transformer.from_crs(crs, work, always_xy=True).transform(xs, ys)
        extent = territory.extent
        for (line, site, _, _, trees, planted_on), x, y in zip(raw, xs, ys, strict=True):
            outside = not (math.isfinite(x) and math.isfinite(y))
            if extent is not None and not outside:
                outside = not shapely.box(*extent).covers(shapely.Point(x, y))
            if outside:
                area = ", ".join(f"{v:.0f}" for v in extent) if extent else "?"
                errors.append(
                    f"{where} {line} : le point ({x:.1f} ; {y:.1f} en {territory.crs}) est hors "
                    f"du territoire (emprise {area}) — coordonnées ou système de coordonnées ?"
                )
                continue
            rows.append(Row(line, site, float(x), float(y), trees, planted_on))
    if errors:
        shown = "\n".join(errors[:SHOWN_ERRORS])
        more = len(errors) - SHOWN_ERRORS
        raise PlantingError(
            f"{len(errors)} ligne(s) refusée(s), rien n'est enregistré :\n{shown}"
            + (f"\n… et {more} autre(s)." if more > 0 else "")
        )
    if not rows:
        raise PlantingError(
            "Aucune plantation dans le fichier : remplissez « arbres_plantes » et "
            "« date_plantation » sur les lignes des sites plantés."
        )
    return Read(rows, blank, where)


def new_rows(territory, rows: list[Row]) -> tuple[list[Row], list[Row]]:
    """(to record, already recorded): a line matching a recorded planting is one already seen
    (as many of the file's identical lines as there are identical records)."""
    recorded = Counter(
        (round(x, 2), round(y, 2), d, n, s)
        for x, y, d, n, s in territory.plantings.values_list(
            "x", "y", "planted_on", "trees", "site"
        )
    )
    fresh, seen = [], []
    for row in rows:
        if recorded[row.key()] > 0:
            recorded[row.key()] -= 1
            seen.append(row)
        else:
            fresh.append(row)
    return fresh, seen


def record(territory, read: Read, user, source: str) -> tuple[int, int, list[Row]]:
    """Write the new plantings in one transaction: (plantings written, trees, skipped rows)."""
    from django.db import transaction

    from territoria.plantabilite.models import Planting

    with transaction.atomic():
        fresh, seen = new_rows(territory, read.rows)
        Planting.objects.bulk_create(
            [
                Planting(
                    territory=territory,
                    site=row.site,
                    x=row.x,
                    y=row.y,
                    trees=row.trees,
                    planted_on=row.planted_on,
                    recorded_by=user,
                    source=f"{source[:200]}, {read.where.lower()} {row.line}",
                )
                for row in fresh
            ]
        )
    return len(fresh), sum(r.trees for r in fresh), seen

"""Planting zones: polygons drawn on the map (vertices in the working CRS) or imported from a
GeoJSON file (WGS 84, RFC 7946), checked, repaired, reprojected; the cells of a computation a
zone holds (cell centre inside), and the statistics of their classes.

Every refusal says what is wrong and where (vertex line, feature number), and nothing is saved.
"""

from __future__ import annotations

import json
import re

import numpy as np
import shapely
from pyproj import CRS, Transformer

from territoria.plantabilite import engine
from territoria.plantabilite.engine import Grid
from territoria.plantabilite.errors import LayerError, parse_crs

MAX_GEOJSON_BYTES = 5 * 2**20
MAX_VERTICES = 10_000
# Classes from which a cell counts as "plantable" in a zone's figures (the sites' default).
PLANTABLE_CLASS = 7
NUMBER = r"[-+]?\d+(?:[.,]\d+)?"
VERTEX = re.compile(rf"^\s*({NUMBER})\s*[ ;\t]\s*({NUMBER})\s*$")


class ZoneError(LayerError):
    """What is wrong with a drawn or imported zone, in French."""


def from_vertices(text: str, territory) -> tuple[shapely.Geometry, list[str]]:
    """A polygon from one vertex per line, "x y" (or "x;y") in the territory's CRS."""
    points = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = VERTEX.match(line.replace(", ", ";"))
        if not match:
            raise ZoneError(
                f"Ligne {number} des sommets : « {line.strip()[:40]} » n'est pas un sommet "
                f"(attendu deux nombres « X Y » en {territory.crs}, par exemple 385950 6672950)."
            )
        points.append(tuple(float(v.replace(",", ".")) for v in match.groups()))
        if len(points) > MAX_VERTICES:
            raise ZoneError(f"Plus de {MAX_VERTICES} sommets : simplifiez la zone.")
    if len(points) < 3:
        raise ZoneError(
            f"Une zone a au moins 3 sommets ({len(points)} donné{'s' if len(points) > 1 else ''})."
        )
    if points[0] != points[-1]:
        points.append(points[0])
    return checked(shapely.Polygon(points), territory)


def from_geojson(data: bytes, territory) -> tuple[shapely.Geometry, list[str]]:
    """The union of the polygons of a GeoJSON file (a geometry, a Feature or a
    FeatureCollection), in WGS 84 unless the file names another CRS ("crs" member)."""
    if len(data) > MAX_GEOJSON_BYTES:
        raise ZoneError(
            f"Fichier de {len(data) / 2**20:.1f} Mo : plus que la limite de "
            f"{MAX_GEOJSON_BYTES / 2**20:.0f} Mo pour une zone."
        )
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ZoneError(f"Le fichier n'est pas du GeoJSON lisible ({error}).") from None
    if not isinstance(document, dict) or "type" not in document:
        raise ZoneError("Le fichier n'est pas du GeoJSON : il manque le membre « type ».")
    if document["type"] == "FeatureCollection":
        items = [(i, f.get("geometry")) for i, f in enumerate(document.get("features") or [], 1)]
    elif document["type"] == "Feature":
        items = [(1, document.get("geometry"))]
    else:
        items = [(1, document)]
    polygons = []
    for number, geometry in items:
        try:
            shape = shapely.geometry.shape(geometry) if geometry else None
        except (AttributeError, KeyError, TypeError, ValueError, shapely.errors.GEOSException):
            raise ZoneError(f"Objet n° {number} : géométrie GeoJSON illisible.") from None
        if shape is None or shape.is_empty:
            continue
        if shape.geom_type not in ("Polygon", "MultiPolygon"):
            raise ZoneError(
                f"Objet n° {number} : une zone est un polygone (Polygon ou MultiPolygon), "
                f"pas un {shape.geom_type}."
            )
        polygons.append(shape)
    if not polygons:
        raise ZoneError("Le fichier ne contient aucun polygone.")
    crs = CRS.from_epsg(4326)
    named = (document.get("crs") or {}).get("properties", {}).get("name")
    if named:
        crs = parse_crs(named, "GeoJSON : ")
    work = parse_crs(territory.crs, "Territoire : ")
    notes = []
    invalid = [i for i, p in enumerate(polygons, 1) if not p.is_valid]
    if invalid:
        notes.append(
            f"{len(invalid)} polygone(s) invalide(s) réparé(s) (auto-intersections…), "
            f"le premier : objet n° {invalid[0]}, {shapely.is_valid_reason(polygons[invalid[0] - 1])}."
        )
        polygons = [shapely.make_valid(p) for p in polygons]
    zone = shapely.union_all(polygons)
    if not crs.equals(work):
        transformer = Transformer.from_crs(crs, work, always_xy=True)
        zone = shapely.transform(
            zone, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
        )
    geometry, more = checked(zone, territory)
    return geometry, notes + more


def checked(zone, territory) -> tuple[shapely.Geometry, list[str]]:
    """Valid, polygonal, finite, and inside the territory (the part outside is cut off)."""
    notes = []
    if not zone.is_valid:
        notes.append(f"Zone invalide réparée ({shapely.is_valid_reason(zone)}).")
        zone = shapely.make_valid(zone)
    polygons = [p for p in shapely.get_parts(zone) if p.geom_type in ("Polygon", "MultiPolygon")]
    zone = shapely.union_all(polygons) if polygons else shapely.Polygon()
    if zone.is_empty or zone.area == 0:
        raise ZoneError("La zone n'a pas de surface (sommets alignés ou confondus ?).")
    if not np.isfinite(shapely.bounds(zone)).all():
        raise ZoneError("La reprojection de la zone échoue : son système de coordonnées ?")
    extent = territory.extent
    if extent is not None:
        frame = shapely.box(*extent)
        if not zone.intersects(frame):
            bounds = ", ".join(f"{v:.0f}" for v in zone.bounds)
            area = ", ".join(f"{v:.0f}" for v in extent)
            raise ZoneError(
                f"La zone est entièrement hors du territoire : son emprise ({bounds}) ne croise "
                f"pas celle du territoire ({area}) en {territory.crs}."
            )
        if not frame.contains(zone):
            outside = zone.area - zone.intersection(frame).area
            notes.append(f"{outside:.0f} m² hors du territoire retirés de la zone.")
            zone = zone.intersection(frame)
    if zone.geom_type == "Polygon":
        zone = shapely.MultiPolygon([zone])
    return zone, notes


def cells_inside(grid: Grid, zone) -> np.ndarray:
    """Boolean (nrows, ncols): the cells whose centre lies in the zone."""
    return engine.cells_inside(grid, zone)


def statistics(result, zone, m2_per_tree: float = 50.0) -> dict:
    """How the zone's cells are spread over the classes 0…10, and what that means."""
    inside = cells_inside(result.grid, zone)
    if result.inside is not None:
        # A computation masked to another zone: its cells outside have no class.
        inside &= result.inside
    cells = int(inside.sum())
    cell_area = result.grid.cell * result.grid.cell
    histogram = np.bincount(result.classes[inside], minlength=11).tolist() if cells else [0] * 11
    open_cells = result.classes[inside & ~result.blocked]
    plantable = int(sum(histogram[PLANTABLE_CLASS:]))
    return {
        "cells": cells,
        "area_m2": cells * cell_area,
        "zone_area_m2": float(zone.area),
        "covered_share": min(1.0, cells * cell_area / zone.area) if zone.area else 0.0,
        "classes": histogram,
        "shares": [n / cells if cells else 0.0 for n in histogram],
        "blocked": histogram[0],
        "blocked_share": histogram[0] / cells if cells else 0.0,
        "mean_class": float(open_cells.mean()) if open_cells.size else None,
        "plantable": plantable,
        "plantable_share": plantable / cells if cells else 0.0,
        "plantable_trees": int(plantable * cell_area // m2_per_tree),
    }


def to_geojson(zone, crs: str, properties: dict) -> str:
    """The zone as a GeoJSON Feature in WGS 84 (for a GIS or another platform)."""
    from territoria.plantabilite.sites import to_wgs84

    transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    return json.dumps(
        {"type": "Feature", "geometry": to_wgs84(zone, transformer), "properties": properties},
        ensure_ascii=False,
    )

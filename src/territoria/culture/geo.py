"""Plane geometry of commune outlines and distances on the sphere, with numpy only.

Outlines are GeoJSON (WGS 84 longitude/latitude). Areas and centroids are computed in a local
equirectangular projection (x = lon·cos(lat₀), y = lat, in km): at the scale of a commune
(a few km) its error is far below the precision the access indicators need.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence

import numpy as np

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180


def polygons_of(geometry: dict) -> list[list[list[list[float]]]]:
    """The polygons (each a list of rings) of a GeoJSON Polygon or MultiPolygon."""
    kind = geometry.get("type")
    if kind == "Polygon":
        return [geometry["coordinates"]]
    if kind == "MultiPolygon":
        return list(geometry["coordinates"])
    raise ValueError(f"géométrie « {kind} » : un Polygon ou un MultiPolygon était attendu")


def _ring_area_centroid(
    ring: Sequence[Sequence[float]], cos_lat: float
) -> tuple[float, float, float]:
    """Signed area (km²) and centroid (lon, lat) of one ring (shoelace formula)."""
    points = np.asarray(ring, dtype=float)
    x = points[:, 0] * cos_lat * KM_PER_DEGREE
    y = points[:, 1] * KM_PER_DEGREE
    x1, y1 = np.roll(x, -1), np.roll(y, -1)
    cross = x * y1 - x1 * y
    area = cross.sum() / 2
    if area == 0:
        return 0.0, float(points[:, 0].mean()), float(points[:, 1].mean())
    cx = ((x + x1) * cross).sum() / (6 * area)
    cy = ((y + y1) * cross).sum() / (6 * area)
    return float(area), float(cx / (cos_lat * KM_PER_DEGREE)), float(cy / KM_PER_DEGREE)


def area_and_centroid(geometry: dict) -> tuple[float, float, float]:
    """(area km², centroid latitude, centroid longitude) of a Polygon or MultiPolygon; holes
    are subtracted (their rings turn the other way)."""
    polygons = polygons_of(geometry)
    first = np.asarray(polygons[0][0], dtype=float)
    cos_lat = math.cos(math.radians(float(first[:, 1].mean())))
    total = sx = sy = 0.0
    for polygon in polygons:
        for index, ring in enumerate(polygon):
            area, cx, cy = _ring_area_centroid(ring, cos_lat)
            # Outer ring counts positively, holes negatively, whatever their orientation.
            signed = abs(area) if index == 0 else -abs(area)
            total += signed
            sx += signed * cx
            sy += signed * cy
    if total <= 0:
        raise ValueError("contour d'aire nulle")
    return total, sy / total, sx / total


# Outlines drawn on maps: simplified together as a coverage (shapely's coverage_simplify, GEOS
# Visvalingam–Whyatt on the shared edges, so neighbours keep one common border: no gap, no
# overlap). Tolerance 0.001° measured in benchmarks/culture_outlines.py (docs/culture.md):
# borders move at most about 60 m in the Métropole de Rouen, and fewer than 1 border pixel in
# 400 moves by more than one pixel on a map fitted to the territory. Area, centroid and access
# figures keep using the full outline. (Rounding the coordinates was tried: on Seine-Maritime
# it breaks one outline, and repairing it breaks the coverage, so it is not done.)
MAP_TOLERANCE_DEG = 0.001


def simplify_coverage(
    geometries: dict[str, dict], tolerance: float = MAP_TOLERANCE_DEG
) -> dict[str, dict | None]:
    """{code: simplified GeoJSON geometry} for the map. When the outlines do not form a valid
    coverage (overlaps, slivers), simplifying them one by one would open gaps between
    neighbours: every value is then None (the map keeps the full outlines)."""
    import shapely
    from shapely.geometry import mapping, shape

    codes = list(geometries)
    if not codes:
        return {}
    shapes = [shape(geometries[code]) for code in codes]
    # A commune nouvelle holds its former communes' outlines side by side: one shape again.
    shapes = [
        item if item.is_valid else shapely.union_all(shapely.get_parts(item)) for item in shapes
    ]
    if not all(shapely.is_valid(shapes)) or not shapely.coverage_is_valid(shapes):
        return dict.fromkeys(codes)
    simplified = shapely.coverage_simplify(shapes, tolerance)
    out: dict[str, dict | None] = {}
    for code, chosen in zip(codes, simplified, strict=True):
        if chosen.is_empty or chosen.geom_type not in ("Polygon", "MultiPolygon"):
            out[code] = None
            continue
        out[code] = json.loads(json.dumps(mapping(chosen)))  # tuples → lists, like the file's
    return out


def merge_geometries(geometries: Iterable[dict]) -> dict:
    """One MultiPolygon holding the polygons of several outlines (communes merged since)."""
    polygons = [polygon for geometry in geometries for polygon in polygons_of(geometry)]
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


def distance_matrix_km(
    lat_a: np.ndarray, lon_a: np.ndarray, lat_b: np.ndarray, lon_b: np.ndarray
) -> np.ndarray:
    """Great-circle distances (haversine, km) between every point of A (rows) and of B."""
    la, lo = (
        np.radians(np.asarray(lat_a, float))[:, None],
        np.radians(np.asarray(lon_a, float))[:, None],
    )
    lb, lob = (
        np.radians(np.asarray(lat_b, float))[None, :],
        np.radians(np.asarray(lon_b, float))[None, :],
    )
    h = np.sin((lb - la) / 2) ** 2 + np.cos(la) * np.cos(lb) * np.sin((lob - lo) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def bounds(geometries: Iterable[dict]) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of outlines."""
    xs, ys = [], []
    for geometry in geometries:
        for polygon in polygons_of(geometry):
            ring = np.asarray(polygon[0], dtype=float)
            xs += [ring[:, 0].min(), ring[:, 0].max()]
            ys += [ring[:, 1].min(), ring[:, 1].max()]
    return min(xs), min(ys), max(xs), max(ys)


def project(lon: float, lat: float, box, width: float, height: float) -> tuple[float, float]:
    """A point in the width×height box of `svg_path` (same projection and scale)."""
    min_lon, min_lat, max_lon, max_lat = box
    cos_lat = math.cos(math.radians((min_lat + max_lat) / 2))
    scale = min(width / ((max_lon - min_lon) * cos_lat), height / (max_lat - min_lat))
    return (lon - min_lon) * cos_lat * scale, (max_lat - lat) * scale


def svg_path(
    geometry: dict, box: tuple[float, float, float, float], width: float, height: float
) -> str:
    """The SVG path of an outline projected into a width×height box (north up)."""
    min_lon, min_lat, max_lon, max_lat = box
    cos_lat = math.cos(math.radians((min_lat + max_lat) / 2))
    scale = min(width / ((max_lon - min_lon) * cos_lat), height / (max_lat - min_lat))
    parts = []
    for polygon in polygons_of(geometry):
        for ring in polygon:
            points = np.asarray(ring, dtype=float)
            xs = (points[:, 0] - min_lon) * cos_lat * scale
            ys = (max_lat - points[:, 1]) * scale
            coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
            parts.append(f"M{coords}Z")
    return "".join(parts)

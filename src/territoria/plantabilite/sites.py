"""The planting plan: candidate sites, ranked, within an area.

A site is a connected group (4-neighbours) of cells of class ≥ `min_class`, of at least
`min_cells` cells. Its rank combines how easy it is (mean class / 10, weight 0.5) with needs,
which share the other 0.5 equally: the lack of canopy around it (1 − the share of existing
trees within 50 m), its distance to the nearest green space (parks, low vegetation, forests),
saturating at 300 m, and, when the collectivité imported them (needs.py), the heat of its
surface and its population density, each scaled to 0…1 over the territory.
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np
from scipy import ndimage

from territoria.plantabilite.engine import Result

GREEN = ("parcs", "vegetation_basse", "foret", "friches_naturelles")
CANOPY_RADIUS_M = 50.0
GREEN_SATURATION_M = 300.0


def find_sites(
    result: Result,
    area: tuple[float, float, float, float] | None = None,
    min_class: int = 7,
    min_cells: int = 4,
    m2_per_tree: float = 50.0,
    limit: int = 200,
    within: np.ndarray | None = None,
    needs: dict[str, np.ndarray] | None = None,
) -> list[dict]:
    """The ranked sites in the rectangle `area` (x0, y0, x1, y1) and/or the cells `within`
    (a boolean array of the grid: a planting zone's cells). `needs`: kind → 0…1 per cell
    (needs.grid_needs: heat, population), each one more need in the ranking."""
    grid = result.grid
    # Cells outside a computed zone (no class) are never part of a site.
    mask = (result.classes >= min_class) & (result.classes <= 10)
    if result.inside is not None:
        mask &= result.inside
    if within is not None:
        mask &= within
    if area is not None:
        inside = np.zeros(grid.shape, dtype=bool)
        x0, y0, x1, y1 = area
        cols = np.arange(grid.ncols) * grid.cell + grid.xmin + grid.cell / 2
        rows = grid.ymax - (np.arange(grid.nrows) + 0.5) * grid.cell
        inside[np.ix_((rows >= y0) & (rows <= y1), (cols >= x0) & (cols <= x1))] = True
        mask &= inside
    labels, count = ndimage.label(mask)
    if count == 0:
        return []
    index = np.arange(1, count + 1)
    sizes = ndimage.sum_labels(mask, labels, index)
    trees = result.shares.get("arbres")
    radius = max(1, int(CANOPY_RADIUS_M / grid.cell))
    canopy = (
        ndimage.uniform_filter(trees.astype(np.float32), size=2 * radius + 1)
        if trees is not None
        else np.zeros(grid.shape, np.float32)
    )
    green = np.zeros(grid.shape, dtype=bool)
    for key in GREEN:
        if key in result.shares:
            green |= result.shares[key] > 0.5
    distance = (
        ndimage.distance_transform_edt(~green) * grid.cell
        if green.any()
        else np.full(grid.shape, GREEN_SATURATION_M)
    )
    mean_class = ndimage.mean(result.classes, labels, index)
    mean_canopy = ndimage.mean(canopy, labels, index)
    mean_distance = ndimage.mean(distance, labels, index)
    centres = ndimage.center_of_mass(mask, labels, index)
    mean_needs = {
        kind: ndimage.mean(values, labels, index) for kind, values in (needs or {}).items()
    }
    # Ease weighs one half; the needs share the other half equally.
    need_weight = 0.5 / (2 + len(mean_needs))
    sites = []
    for i, label in enumerate(index):
        if sizes[i] < min_cells:
            continue
        row, col = centres[i]
        area_m2 = float(sizes[i]) * grid.cell * grid.cell
        ease = float(mean_class[i]) / 10
        lack = 1.0 - min(1.0, float(mean_canopy[i]))
        far = min(1.0, float(mean_distance[i]) / GREEN_SATURATION_M)
        extra = {f"need_{kind}": round(float(values[i]), 3) for kind, values in mean_needs.items()}
        sites.append(
            {
                "label": int(label),
                "cells": int(sizes[i]),
                "area_m2": area_m2,
                "trees": max(1, int(area_m2 // m2_per_tree)),
                "mean_class": round(float(mean_class[i]), 2),
                "canopy_share": round(float(mean_canopy[i]), 3),
                "green_distance_m": round(float(mean_distance[i]), 1),
                "rank_score": round(
                    0.5 * ease + need_weight * (lack + far + sum(extra.values())), 4
                ),
                **extra,
                "x": grid.xmin + (col + 0.5) * grid.cell,
                "y": grid.ymax - (row + 0.5) * grid.cell,
            }
        )
    sites.sort(key=lambda s: (-s["rank_score"], -s["area_m2"]))
    for rank, site in enumerate(sites, start=1):
        site["rank"] = rank
    sites = sites[:limit]
    _outline(sites, labels, grid)
    return sites


def _outline(sites: list[dict], labels: np.ndarray, grid) -> None:
    """Each site's outline (a shapely (Multi)Polygon in the working CRS), under "geometry"."""
    import shapely
    from rasterio.features import shapes

    if not sites:
        return
    wanted = np.zeros(labels.max() + 1, dtype=bool)
    wanted[[s["label"] for s in sites]] = True
    parts: dict[int, list] = {}
    for geometry, value in shapes(
        labels.astype(np.int32), mask=wanted[labels], transform=grid.transform
    ):
        parts.setdefault(int(value), []).append(shapely.geometry.shape(geometry))
    for site in sites:
        site["geometry"] = shapely.union_all(parts.get(site["label"], []))


FIELDS = (
    "rank",
    "x",
    "y",
    "lon",
    "lat",
    "cells",
    "area_m2",
    "trees",
    "mean_class",
    "canopy_share",
    "green_distance_m",
    "need_chaleur",
    "need_population",
    "rank_score",
    # Left empty for the field teams: filled in on the planted sites' lines, the file is
    # imported back on the sites page (`plantings.read`).
    "arbres_plantes",
    "date_plantation",
)


def with_lonlat(sites: list[dict], crs: str) -> list[dict]:
    from pyproj import Transformer

    if not sites:
        return sites
    transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon, lat = transformer.transform([s["x"] for s in sites], [s["y"] for s in sites])
    return [
        {
            **s,
            "lon": round(float(a), 6),
            "lat": round(float(b), 6),
            "geometry_wgs84": to_wgs84(s["geometry"], transformer) if "geometry" in s else None,
        }
        for s, a, b in zip(sites, lon, lat, strict=True)
    ]


def to_wgs84(geometry, transformer) -> dict:
    """A shapely geometry of the working CRS as a GeoJSON mapping in longitude/latitude."""
    import shapely

    def project(xy):
        lon, lat = transformer.transform(xy[:, 0], xy[:, 1])
        return np.round(np.column_stack([lon, lat]), 7)

    return shapely.geometry.mapping(shapely.transform(geometry, project))


def to_csv(sites: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, extrasaction="ignore")
    writer.writeheader()
    for site in sites:
        writer.writerow(site)
    return out.getvalue()


def to_geojson(sites: list[dict]) -> str:
    """The sites as polygons in WGS 84 (their outline), properties as in the CSV."""
    features = [
        {
            "type": "Feature",
            "geometry": s.get("geometry_wgs84")
            or {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
            "properties": {k: s.get(k) for k in FIELDS if k not in ("lon", "lat")},
        }
        for s in sites
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)

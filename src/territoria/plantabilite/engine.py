"""The computation of the planting-feasibility layer (Lyon's public method) on a regular grid.

1. Each factor's geometries (already in the working CRS, buffered: `prepare`) give every cell
   the **exact** share of its area that their union covers. A cell that no outline crosses is
   wholly covered or wholly free: one GDAL rasterisation at one pixel per cell
   (`rasterio.features.rasterize`, centre rule) says which. A cell that an outline may cross
   (`edge_cells`, a superset found from the outline's segments) gets the area of its
   intersection with the polygons, computed by Shapely (clipped to the cell, overlapping
   pieces merged). Only the cells along outlines pay for geometry.
2. score = Σ weight × share; a factor weighted −5 that covers any part of the cell (share > 0)
   blocks it; the score is cut into classes 0 (blocked) and 1…10 (`classes_from_score`).

`reference_shares` computes the same shares the straightforward way (a Shapely intersection of
every cell with every geometry): the correctness tests and `territoria plantabilite eval` check
that both give the same shares (to floating-point rounding) and the same classes.

A computation on a planting zone (a polygon) is masked: `cells_inside` rasterises the zone once
(GDAL, rule: a cell is in the zone when its **centre** is), and the cells outside get no class
(`NODATA_CLASS`) and no score (NaN); they count nowhere (statistics, sites, sensitivity).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import shapely
from affine import Affine
from rasterio.features import geometry_mask, rasterize

from territoria.plantabilite.factors import BLOCKING_WEIGHT

# Score range mapped onto classes 1…10 (below and above: clipped). −4 is the lowest weight
# that does not block, +3 the highest: a cell wholly covered by the best factor is class 10.
SCORE_LOW, SCORE_HIGH = -4.0, 3.0
# Lines and points drawn with no buffer would cover no area: they get this half-width.
MIN_HALF_WIDTH_M = 0.25
# The class of a cell outside the computed zone (no class): the GeoTIFF's nodata value, the
# transparent index of the PNG tiles.
NODATA_CLASS = 255


@dataclass(frozen=True)
class Grid:
    """A north-up grid of square cells; (xmin, ymax) is its top-left corner, in the working CRS."""

    xmin: float
    ymax: float
    ncols: int
    nrows: int
    cell: float = 5.0

    @classmethod
    def from_bounds(cls, xmin, ymin, xmax, ymax, cell=5.0) -> Grid:
        """The grid of `cell` m cells covering the bounds, its corners snapped onto multiples of
        the cell size (so two computations of the same territory share their cells)."""
        if not (xmax > xmin and ymax > ymin):
            raise ValueError("L'emprise est vide (xmax ≤ xmin ou ymax ≤ ymin).")
        x0 = math.floor(xmin / cell) * cell
        y1 = math.ceil(ymax / cell) * cell
        ncols = max(1, math.ceil((xmax - x0) / cell))
        nrows = max(1, math.ceil((y1 - ymin) / cell))
        return cls(float(x0), float(y1), ncols, nrows, float(cell))

    @property
    def shape(self) -> tuple[int, int]:
        return (self.nrows, self.ncols)

    @property
    def size(self) -> int:
        return self.nrows * self.ncols

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return (
            self.xmin,
            self.ymax - self.nrows * self.cell,
            self.xmin + self.ncols * self.cell,
            self.ymax,
        )

    @property
    def transform(self) -> Affine:
        return Affine(self.cell, 0.0, self.xmin, 0.0, -self.cell, self.ymax)

    def cell_box(self, row: int, col: int):
        x0 = self.xmin + col * self.cell
        y1 = self.ymax - row * self.cell
        return shapely.box(x0, y1 - self.cell, x0 + self.cell, y1)

    def cell_center(self, row: int, col: int) -> tuple[float, float]:
        return (
            self.xmin + (col + 0.5) * self.cell,
            self.ymax - (row + 0.5) * self.cell,
        )

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        col = math.floor((x - self.xmin) / self.cell)
        row = math.floor((self.ymax - y) / self.cell)
        if 0 <= row < self.nrows and 0 <= col < self.ncols:
            return row, col
        return None

    def signature(self) -> str:
        return f"{self.xmin:.2f}_{self.ymax:.2f}_{self.ncols}x{self.nrows}_{self.cell:g}"


def prepare(geometries: Iterable, buffer_m: float = 0.0) -> np.ndarray:
    """Geometries ready to rasterise: valid, buffered by `buffer_m` (the 2 m rule around a
    network, a line's half-width, a point's radius); lines and points without a buffer get a
    minimal half-width so that they cover some area."""
    geoms = np.asarray(list(geometries) if not isinstance(geometries, np.ndarray) else geometries)
    if geoms.size == 0:
        return geoms
    geoms = geoms[~shapely.is_empty(geoms) & ~shapely.is_missing(geoms)]
    geoms = shapely.make_valid(geoms)
    if buffer_m > 0:
        return shapely.buffer(geoms, buffer_m, quad_segs=4)
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
    out = geoms.copy()
    if (~polygonal).any():
        out[~polygonal] = shapely.buffer(geoms[~polygonal], MIN_HALF_WIDTH_M, quad_segs=4)
    # A geometry collection from make_valid: keep its polygonal part (rasterize reads it whole).
    return out


def _polygon_parts(geoms: np.ndarray) -> np.ndarray:
    """The polygons of the geometries (collections from `make_valid` exploded; their lines and
    points cover no area)."""
    parts = shapely.get_parts(geoms)
    return parts[shapely.get_type_id(parts) == 3]


def edge_cells(grid: Grid, polygons: np.ndarray) -> np.ndarray:
    """Boolean (nrows, ncols): every cell that the outline of a polygon may cross (a superset).

    The outlines are cut into segments of at most half a cell; each segment marks the cells of
    its bounding box, widened by a micrometre (a segment lying on a grid line marks both sides).
    Any cell not marked is wholly inside or wholly outside the union of the polygons."""
    mask = np.zeros(grid.shape, dtype=bool)
    if polygons.size == 0:
        return mask
    rings = shapely.get_parts(shapely.segmentize(shapely.boundary(polygons), grid.cell / 2))
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    a, b = coords[:-1][same], coords[1:][same]
    eps = 1e-6
    lo, hi = np.minimum(a, b) - eps, np.maximum(a, b) + eps
    c0 = np.floor((lo[:, 0] - grid.xmin) / grid.cell).astype(np.int64)
    c1 = np.floor((hi[:, 0] - grid.xmin) / grid.cell).astype(np.int64)
    r0 = np.floor((grid.ymax - hi[:, 1]) / grid.cell).astype(np.int64)
    r1 = np.floor((grid.ymax - lo[:, 1]) / grid.cell).astype(np.int64)
    # A segment of at most half a cell (plus 2 µm) spans at most two rows and two columns.
    for dr in (0, 1):
        for dc in (0, 1):
            r, c = np.minimum(r0 + dr, r1), np.minimum(c0 + dc, c1)
            ok = (r >= 0) & (r < grid.nrows) & (c >= 0) & (c < grid.ncols)
            mask[r[ok], c[ok]] = True
    return mask


def _covered_areas(grid: Grid, polygons: np.ndarray, rows: np.ndarray, cols: np.ndarray):
    """Area of each cell (rows[i], cols[i]) covered by the union of the polygons (Shapely:
    each polygon clipped to the cell, the pieces of a cell merged when several overlap)."""
    x0 = grid.xmin + cols * grid.cell
    y1 = grid.ymax - rows * grid.cell
    boxes = shapely.box(x0, y1 - grid.cell, x0 + grid.cell, y1)
    tree = shapely.STRtree(polygons)
    cell_of, poly_of = tree.query(boxes, predicate="intersects")
    area = np.zeros(len(boxes), dtype=np.float64)
    if cell_of.size == 0:
        return area
    c = grid.cell
    pieces = np.array(
        [
            shapely.clip_by_rect(polygons[p], x0[i], y1[i] - c, x0[i] + c, y1[i])
            for i, p in zip(cell_of.tolist(), poly_of.tolist(), strict=True)
        ],
        dtype=object,
    )
    hits = np.bincount(cell_of, minlength=len(boxes))
    single = hits[cell_of] == 1
    area[cell_of[single]] = shapely.area(pieces[single])
    # Cells where several polygons meet: the area of the union of their pieces, cells grouped by
    # number of pieces so that each group is one (cells × pieces) array reduced row by row.
    order = np.argsort(cell_of[~single], kind="stable")
    many_cells, many_pieces = cell_of[~single][order], pieces[~single][order]
    if many_cells.size:
        starts = np.r_[0, np.flatnonzero(np.diff(many_cells)) + 1]
        sizes = np.diff(np.r_[starts, many_cells.size])
        for k in np.unique(sizes):
            group = starts[sizes == k]
            if k == 2:  # most of them: a binary union, skipped when the two pieces are apart
                a, b = many_pieces[group], many_pieces[group + 1]
                apart = ~shapely.intersects(a, b)
                pair = np.where(apart, shapely.area(a) + shapely.area(b), 0.0)
                pair[~apart] = shapely.area(shapely.union(a[~apart], b[~apart]))
                area[many_cells[group]] = pair
                continue
            matrix = many_pieces[group[:, None] + np.arange(k)]
            area[many_cells[group]] = shapely.area(shapely.union_all(matrix, axis=1))
    return area


def _factor_shares(grid: Grid, geoms: np.ndarray) -> np.ndarray:
    polygons = _polygon_parts(geoms)
    share = np.zeros(grid.shape, dtype=np.float32)
    if polygons.size:  # only the polygons that reach the grid
        x0, y0, x1, y1 = grid.bounds
        b = shapely.bounds(polygons)
        polygons = polygons[(b[:, 0] < x1) & (b[:, 2] > x0) & (b[:, 1] < y1) & (b[:, 3] > y0)]
    if polygons.size == 0:
        return share
    # Cells no outline crosses are wholly in or wholly out: their centre tells (GDAL, one
    # pixel per cell).
    inside = rasterize(
        ((geom, 1) for geom in polygons),
        out_shape=grid.shape,
        transform=grid.transform,
        fill=0,
        dtype="uint8",
    )
    share[inside.astype(bool)] = 1.0
    rows, cols = np.nonzero(edge_cells(grid, polygons))
    share[rows, cols] = _covered_areas(grid, polygons, rows, cols) / (grid.cell * grid.cell)
    return share


# Below this many cells, one process computes all factors (starting workers costs ~1 s).
PARALLEL_MIN_CELLS = 250_000


def default_workers() -> int:
    """Processes computing factors side by side: TERRITORIA_PLANTABILITE_WORKERS, or the
    machine's cores (at most 4)."""
    import os

    value = os.environ.get("TERRITORIA_PLANTABILITE_WORKERS")
    if not value:
        return max(1, min(4, os.cpu_count() or 1))
    if not value.strip().isdigit():
        raise ValueError(
            f"TERRITORIA_PLANTABILITE_WORKERS : un nombre entier de processus est attendu, "
            f"reçu « {value} »"
        )
    return max(1, int(value))


def factor_shares(
    grid: Grid,
    geometries_by_factor: Mapping[str, np.ndarray],
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> dict[str, np.ndarray]:
    """factor key → array (nrows, ncols) of the share (0…1) of each cell the factor covers.

    Geometries must be prepared (`prepare`). Several layers of one factor are given together:
    their union is counted once. `progress(done, total)` is called after each factor. Factors
    are independent: on a large grid, `workers` processes (default `default_workers()`)
    compute them side by side, the heaviest first."""
    items = [(key, np.asarray(geoms)) for key, geoms in geometries_by_factor.items()]
    total = len(items)
    if workers is None:
        workers = default_workers() if grid.size >= PARALLEL_MIN_CELLS else 1
    shares: dict[str, np.ndarray] = {}
    import multiprocessing

    if multiprocessing.current_process().daemon:
        workers = 1  # a daemonic process may not start processes
    if workers > 1 and total > 1:
        from concurrent.futures import ProcessPoolExecutor, as_completed

        heaviest = sorted(items, key=lambda item: -int(shapely.get_num_coordinates(item[1]).sum()))
        # "spawn": no fork of a process that may hold threads and database connections.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(min(workers, total), mp_context=context) as pool:
            futures = {pool.submit(_factor_shares, grid, geoms): key for key, geoms in heaviest}
            for done, future in enumerate(as_completed(futures), start=1):
                shares[futures[future]] = future.result()
                if progress:
                    progress(done, total)
        return {key: shares[key] for key, _ in items}
    for done, (key, geoms) in enumerate(items, start=1):
        shares[key] = _factor_shares(grid, geoms)
        if progress:
            progress(done, total)
    return shares


def score_from_shares(
    grid: Grid, shares: Mapping[str, np.ndarray], weights: Mapping[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    """(score, blocked): Σ weight × share per cell, and the cells a −5 factor touches."""
    score = np.zeros(grid.shape, dtype=np.float32)
    blocked = np.zeros(grid.shape, dtype=bool)
    for key, share in shares.items():
        weight = weights.get(key, 0)
        if weight == 0:
            continue
        score += np.float32(weight) * share.astype(np.float32)
        if weight <= BLOCKING_WEIGHT:
            blocked |= share > 0
    return score, blocked


def classes_from_score(
    score: np.ndarray,
    blocked: np.ndarray,
    low: float = SCORE_LOW,
    high: float = SCORE_HIGH,
    inside: np.ndarray | None = None,
) -> np.ndarray:
    """Class 0 for blocked cells; otherwise 1…10, linear in the score clipped to [low, high]
    (rounded half up): score ≤ low → 1, score 0 → 6, score ≥ high → 10. Cells outside the
    zone (`inside` False) get `NODATA_CLASS`."""
    x = (np.clip(np.nan_to_num(score), low, high) - low) / (high - low)
    classes = (1 + np.floor(9 * x + 0.5)).astype(np.uint8)
    classes[blocked] = 0
    if inside is not None:
        classes[~inside] = NODATA_CLASS
    return classes


def cells_inside(grid: Grid, zone) -> np.ndarray:
    """Boolean (nrows, ncols): the cells whose centre lies in the zone (a (Multi)Polygon in the
    grid's CRS), rasterised once by GDAL."""
    return geometry_mask(
        [shapely.geometry.mapping(zone)],
        out_shape=grid.shape,
        transform=grid.transform,
        invert=True,
    )


@dataclass
class Result:
    grid: Grid
    # factor key → share (0…1) of each cell it covers
    shares: dict[str, np.ndarray]
    score: np.ndarray
    blocked: np.ndarray
    classes: np.ndarray
    # The cells of the computed zone (None: the whole rectangle).
    inside: np.ndarray | None = None

    @property
    def cells(self) -> int:
        """How many cells have a class (those of the zone)."""
        return int(self.inside.sum()) if self.inside is not None else self.grid.size

    def in_zone(self, row: int, col: int) -> bool:
        return self.inside is None or bool(self.inside[row, col])

    def histogram(self) -> list[int]:
        """Cells per class 0…10 (cells outside the zone not counted)."""
        classes = self.classes if self.inside is None else self.classes[self.inside]
        return np.bincount(classes.ravel(), minlength=11)[:11].tolist()

    def shares_at(self, row: int, col: int) -> dict[str, float]:
        return {
            key: float(share[row, col]) for key, share in self.shares.items() if share[row, col]
        }


def compute(
    grid: Grid,
    geometries_by_factor: Mapping[str, np.ndarray],
    weights: Mapping[str, int],
    progress: Callable[[int, int], None] | None = None,
    zone=None,
) -> Result:
    """The layer on `grid`; with a `zone` polygon, only the cells whose centre is in it."""
    shares = factor_shares(grid, geometries_by_factor, progress)
    inside = cells_inside(grid, zone) if zone is not None else None
    return result_from_shares(grid, shares, weights, inside)


def result_from_shares(grid, shares, weights, inside: np.ndarray | None = None) -> Result:
    score, blocked = score_from_shares(grid, shares, weights)
    if inside is not None:
        score[~inside] = np.nan
        blocked &= inside
    classes = classes_from_score(score, blocked, inside=inside)
    return Result(grid, shares, score, blocked, classes, inside)


def reference_shares(
    grid: Grid, geometries_by_factor: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """The straightforward way: for every cell, the area of its intersection with the union of
    the factor's geometries, divided by the cell's area (Shapely, one cell at a time)."""
    shares = {}
    area = grid.cell * grid.cell
    for key, geoms in geometries_by_factor.items():
        geoms = np.asarray(geoms)
        out = np.zeros(grid.shape, dtype=np.float64)
        if geoms.size:
            tree = shapely.STRtree(geoms)
            for row in range(grid.nrows):
                for col in range(grid.ncols):
                    box = grid.cell_box(row, col)
                    hits = tree.query(box, predicate="intersects")
                    if hits.size:
                        covered = shapely.union_all(shapely.intersection(geoms[hits], box))
                        out[row, col] = shapely.area(covered) / area
        shares[key] = out
    return shares


def sensitivity(
    grid: Grid,
    shares: Mapping[str, np.ndarray],
    weights: Mapping[str, int],
    changed: Mapping[str, int],
    inside: np.ndarray | None = None,
) -> dict:
    """How many cells change class when the weights in `changed` replace those of `weights`
    (cells outside the zone `inside` never do, and are not counted)."""
    before = result_from_shares(grid, shares, weights, inside).classes
    after = result_from_shares(grid, shares, {**weights, **changed}, inside).classes
    moved = before != after
    cells = int(inside.sum()) if inside is not None else grid.size
    transitions: dict[str, int] = {}
    if moved.any():
        pairs, number = np.unique(
            np.stack([before[moved], after[moved]]).T, axis=0, return_counts=True
        )
        transitions = {f"{a}→{b}": int(n) for (a, b), n in zip(pairs, number, strict=True)}
    return {
        "cells": cells,
        "changed": int(moved.sum()),
        "changed_share": float(moved.sum() / cells) if cells else 0.0,
        "up": int((after > before).sum()),
        "down": int((after < before).sum()),
        "transitions": transitions,
        "before": before,
        "after": after,
    }

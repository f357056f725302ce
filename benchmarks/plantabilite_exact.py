"""Why the 0.5 m sub-grid disagreed with the Shapely reference, and what exact shares cost.

Until 3 December 2026 the engine counted covered 0.5 m sub-pixels (10 × 10 per 5 m cell,
GDAL); its classes matched the straightforward Shapely reference on 98.2 % of a 250 m square
of central Helsinki. The engine now computes exact shares (`engine.factor_shares`). This runs
the three side by side on the same square — the previous sub-grid method is kept here, as it
was, as the baseline — classifies every disagreement, and times both methods on the whole
Helsinki grid (72 080 cells, 23 factors) in the same run.

    python -m benchmarks.plantabilite_exact   # → benchmarks/results/plantabilite_exact.json
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
from affine import Affine
from rasterio.features import rasterize

RESULTS = Path(__file__).parent / "results" / "plantabilite_exact.json"
SUPERSAMPLE = 10


def subgrid_shares(grid, geometries_by_factor) -> dict[str, np.ndarray]:
    """The previous method: covered sub-pixel centres out of SUPERSAMPLE² per cell."""
    s = SUPERSAMPLE
    out = {}
    for key, geoms in geometries_by_factor.items():
        geoms = np.asarray(geoms)
        fine = np.zeros((grid.nrows * s, grid.ncols * s), dtype=np.uint8)
        if geoms.size:
            transform = Affine(grid.cell / s, 0.0, grid.xmin, 0.0, -grid.cell / s, grid.ymax)
            fine = rasterize(
                ((g, 1) for g in geoms), out_shape=fine.shape, transform=transform, dtype="uint8"
            )
        counts = fine.reshape(grid.nrows, s, grid.ncols, s).sum(axis=(1, 3))
        out[key] = (counts / (s * s)).astype(np.float32)
    return out


def main(argv: list[str]) -> int:
    from territoria.plantabilite import engine
    from territoria.plantabilite.evaluation import _bounds, helsinki_layers
    from territoria.plantabilite.factors import BLOCKING_WEIGHT, lyon_weights

    layers, _ = helsinki_layers()
    weights = lyon_weights()
    full = engine.Grid.from_bounds(*_bounds(layers))
    cx, cy = full.cell_center(full.nrows // 2, full.ncols // 2)
    grid = engine.Grid.from_bounds(cx - 125, cy - 125, cx + 125, cy + 125)

    reference = engine.result_from_shares(grid, engine.reference_shares(grid, layers), weights)
    exact = engine.result_from_shares(grid, engine.factor_shares(grid, layers), weights)
    subgrid = engine.result_from_shares(grid, subgrid_shares(grid, layers), weights)

    differ = subgrid.classes != reference.classes
    missed_block = reference.blocked & ~subgrid.blocked
    blocking = [k for k in layers if weights.get(k, 0) <= BLOCKING_WEIGHT]
    blocking_area = np.max(
        np.stack([engine.reference_shares(grid, {k: layers[k]})[k] for k in blocking]), axis=0
    ) * (grid.cell * grid.cell)
    rounding = differ & (subgrid.blocked == reference.blocked)
    limits = (
        engine.SCORE_LOW + (engine.SCORE_HIGH - engine.SCORE_LOW) * (np.arange(1, 10) - 0.5) / 9
    )
    distance = np.min(np.abs(reference.score[rounding][:, None] - limits[None, :]), axis=1)
    error = np.abs(subgrid.score[rounding] - reference.score[rounding])

    timings = {}
    for name, method in (
        ("subgrid_0_5_m", lambda: subgrid_shares(full, layers)),
        ("exact", lambda: engine.factor_shares(full, layers, workers=1)),
    ):
        started, cpu = time.perf_counter(), time.process_time()
        method()
        timings[name] = {
            "seconds": round(time.perf_counter() - started, 2),
            "cpu_seconds": round(time.process_time() - cpu, 2),
        }

    results = {
        "benchmark": "plantabilite_exact",
        "command": "python -m benchmarks.plantabilite_exact",
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_at_end": [round(v, 1) for v in os.getloadavg()],
        },
        "square": {"side_m": 250, "cells": grid.size, "factors": len(layers)},
        "class_agreement_with_reference": {
            "exact": float((exact.classes == reference.classes).mean()),
            "subgrid_0_5_m": float((~differ).mean()),
        },
        "exact_share_abs_error_max": float(
            max(np.abs(exact.shares[k] - reference.shares[k]).max() for k in layers)
        ),
        "subgrid_disagreements": {
            "cells": int(differ.sum()),
            "blocking_factor_missed": int(missed_block.sum()),
            "blocking_factor_missed_area_m2": {
                "min": round(float(blocking_area[missed_block].min()), 4),
                "max": round(float(blocking_area[missed_block].max()), 4),
            }
            if missed_block.any()
            else None,
            "score_across_a_class_limit": int(rounding.sum()),
            "their_score_error": {
                "median": round(float(np.median(error)), 4),
                "max": round(float(error.max()), 4),
            }
            if rounding.any()
            else None,
            "their_reference_score_distance_to_limit": {
                "median": round(float(np.median(distance)), 4),
                "max": round(float(distance.max()), 4),
            }
            if rounding.any()
            else None,
        },
        "whole_helsinki_grid": {"cells": full.size, **timings},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

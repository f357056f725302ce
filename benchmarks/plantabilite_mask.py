"""The cost of masking a computation to a planting zone (issue 18), on 1 million cells.

What a zone computation adds to a rectangle one: one rasterisation of the polygon at the cell
size (`engine.cells_inside`) and the masked scoring. Baseline in the same run: the unmasked
scoring of the same shares. The factor shares are synthetic (20 factors, random shares): the
masking cost does not depend on what they hold; the factor rasterisation itself (tens of
seconds, `benchmarks/plantabilite.py`) is the same with or without a zone.

    python -m benchmarks.plantabilite_mask   # → benchmarks/results/plantabilite_mask.json
"""

from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import shapely

RESULTS = Path(__file__).parent / "results" / "plantabilite_mask.json"
REPEATS = 5


def _best(function) -> tuple[float, object]:
    best, value = float("inf"), None
    for _ in range(REPEATS):
        started = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - started)
    return best, value


def main(argv: list[str]) -> int:
    from territoria.plantabilite import engine
    from territoria.plantabilite.factors import FACTORS

    grid = engine.Grid(xmin=0.0, ymax=5000.0, ncols=1000, nrows=1000)
    rng = np.random.default_rng(18)
    keys = [f.key for f in FACTORS][:20]
    counts = {k: rng.integers(0, 101, grid.shape).astype(np.float32) / 100 for k in keys}
    weights = {f.key: f.weight for f in FACTORS if f.key in counts}
    # A 64-gon of 2 km radius in the middle of the 5 km × 5 km grid (≈ half of its cells).
    angles = np.linspace(0, 2 * np.pi, 65)[:-1]
    zone = shapely.Polygon(
        np.column_stack([2500 + 2000 * np.cos(angles), 2500 + 2000 * np.sin(angles)])
    )
    mask_s, inside = _best(lambda: engine.cells_inside(grid, zone))
    plain_s, plain = _best(lambda: engine.result_from_shares(grid, counts, weights))
    masked_s, masked = _best(lambda: engine.result_from_shares(grid, counts, weights, inside))
    assert (masked.classes[inside] == plain.classes[inside]).all()
    results = {
        "benchmark": "plantabilite_mask",
        "command": "python -m benchmarks.plantabilite_mask",
        "python": platform.python_version(),
        "cells": grid.size,
        "factors": len(counts),
        "zone": "64-gone de 2 km de rayon",
        "zone_cells": int(inside.sum()),
        "repeats_best_of": REPEATS,
        "mask_rasterisation_seconds": round(mask_s, 4),
        "scoring_seconds_baseline_unmasked": round(plain_s, 4),
        "scoring_seconds_masked": round(masked_s, 4),
        "added_seconds": round(mask_s + masked_s - plain_s, 4),
        "note": "à comparer aux ~76 s du calcul complet de 1 M de mailles (benchmarks/plantabilite.py)",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

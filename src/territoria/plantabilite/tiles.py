"""Web-Mercator PNG tiles (z/x/y) of a computation's classes, served by the platform, and the
classes as GeoPackage polygons (rasterio + pyogrio)."""

from __future__ import annotations

import io
import math
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from territoria.plantabilite.palette import PALETTE

if TYPE_CHECKING:
    from territoria.plantabilite.models import Computation

HALF_WORLD = 20037508.342789244


@lru_cache(maxsize=8)
def _classes(path: str, mtime: float):
    import rasterio

    with rasterio.open(path) as dataset:
        return dataset.read(1).astype(np.uint8), dataset.transform, dataset.crs


def _source(computation: Computation):
    path = computation.folder / "plantabilite.tif"
    return _classes(str(path), path.stat().st_mtime)


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    size = 2 * HALF_WORLD / (2**z)
    xmin = -HALF_WORLD + x * size
    ymax = HALF_WORLD - y * size
    return xmin, ymax - size, xmin + size, ymax


def tile_png(computation: Computation, z: int, x: int, y: int, size: int = 256) -> bytes:
    classes, transform, crs = _source(computation)
    return render_tile(classes, transform, crs, z, x, y, size)


@lru_cache(maxsize=16)
def _to_source(crs_text: str):
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:3857", crs_text, always_xy=True)


KNOTS = 17


@lru_cache(maxsize=4)
def _weights(size: int) -> np.ndarray:
    """(size, KNOTS) linear-interpolation weights from KNOTS knots to the size pixel centres."""
    knots = np.linspace(0.5, size - 0.5, KNOTS)
    return np.stack(
        [np.interp(np.arange(size) + 0.5, knots, np.eye(KNOTS)[k]) for k in range(KNOTS)], axis=1
    )


def _spread(weights: np.ndarray, values: np.ndarray) -> np.ndarray:
    """weights @ values @ weights.T, in two small einsums."""
    half = np.einsum("kl,jl->kj", values, weights)
    return np.einsum("ik,kj->ij", weights, half)


@lru_cache(maxsize=1)
def _png_palette() -> bytes:
    colours = np.zeros((256, 3), dtype=np.uint8)
    colours[: len(PALETTE)] = PALETTE
    return colours.tobytes()


def render_tile(classes, transform, crs, z: int, x: int, y: int, size: int = 256) -> bytes:
    """The PNG tile z/x/y (Web Mercator) of a class raster, transparent outside it.

    Nearest neighbour: each tile pixel's centre, projected into the raster's CRS, takes the
    class of the cell it falls in. The projection is exact on a 17 × 17 lattice and bilinear in
    between (as GDAL's approximate transformer does; error ≪ 1 m at tile scale). The PNG is
    paletted (one byte per pixel), index 255 transparent."""
    from PIL import Image

    xmin, _, xmax, ymax = tile_bounds(z, x, y)
    step = (xmax - xmin) / size
    knots = np.linspace(0.5, size - 0.5, KNOTS)
    kx, ky = np.meshgrid(xmin + knots * step, ymax - knots * step)
    lx, ly = _to_source(str(crs)).transform(kx.ravel(), ky.ravel())
    weights = _weights(size)
    # einsum, not @: tiny products that a multi-threaded BLAS makes slow on a busy machine.
    sx = _spread(weights, np.asarray(lx).reshape(KNOTS, KNOTS))
    sy = _spread(weights, np.asarray(ly).reshape(KNOTS, KNOTS))
    inverse = ~transform
    cols = np.floor(inverse.a * sx + inverse.b * sy + inverse.c).astype(np.int64)
    rows = np.floor(inverse.d * sx + inverse.e * sy + inverse.f).astype(np.int64)
    height, width = classes.shape
    inside = (cols >= 0) & (cols < width) & (rows >= 0) & (rows < height)
    out = np.full((size, size), 255, dtype=np.uint8)
    out[inside] = classes[rows[inside], cols[inside]]
    image = Image.fromarray(out, "P")
    image.putpalette(_png_palette())
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1, transparency=255)
    return buffer.getvalue()


def write_geotiff(path: Path, result, crs: str, tags: dict[str, str] | None = None) -> None:
    import rasterio
    import rasterio.shutil

    profile = {
        "driver": "COG",
        "width": result.grid.ncols,
        "height": result.grid.nrows,
        "count": 2,
        "dtype": "float32",
        "crs": crs,
        "transform": result.grid.transform,
        "compress": "deflate",
        # Cells outside a computed zone: no class, no score.
        "nodata": 255.0,
    }
    tmp = path.with_suffix(".tmp.tif")
    with rasterio.MemoryFile() as memory:
        with memory.open(**{**profile, "driver": "GTiff"}) as dataset:
            outside = result.classes == 255
            dataset.write(result.classes.astype("float32"), 1)
            dataset.write(np.where(outside, np.float32(255), result.score).astype("float32"), 2)
            dataset.set_band_description(1, "classe de plantabilité (0 = bloqué, 1…10)")
            dataset.set_band_description(2, "score = somme des poids × parts de surface")
            if tags:
                dataset.update_tags(**tags)
        with memory.open() as source:
            rasterio.shutil.copy(source, tmp, driver="COG", compress="deflate")
    tmp.replace(path)


def lonlat_to_tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def classes_geopackage(computation: Computation) -> Path:
    """The classes as polygons (one per connected group of cells of one class), made once."""
    path = computation.folder / "plantabilite.gpkg"
    if path.exists():
        return path
    import geopandas as gpd
    import shapely
    from rasterio.features import shapes

    classes, transform, crs = _source(computation)
    geoms, values = [], []
    # Cells outside the computed zone (nodata 255) make no polygon.
    for geometry, value in shapes(classes, mask=classes != 255, transform=transform):
        geoms.append(shapely.geometry.shape(geometry))
        values.append(int(value))
    frame = gpd.GeoDataFrame({"classe": values}, geometry=geoms, crs=crs)
    tmp = path.with_suffix(".tmp.gpkg")
    frame.to_file(tmp, layer="plantabilite", driver="GPKG", engine="pyogrio")
    tmp.replace(path)
    return path

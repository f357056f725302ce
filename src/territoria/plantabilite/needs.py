"""Needs rasters: where planting matters most (heat islands from a surface-temperature raster,
population density), imported as GeoTIFF (or any raster GDAL reads), resampled onto a
computation's grid, and scaled to 0…1 for the ranking of the planting sites (sites.py).

Scaling: the values of the grid's cells between the 2nd and the 98th percentile are mapped
linearly onto 0…1 (clipped), so one hot roof or one tower block does not flatten the rest.
Higher is needier for both kinds. Cells the raster does not cover get 0 (no known need).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from territoria.plantabilite.engine import Grid
from territoria.plantabilite.errors import LayerError, parse_crs

if TYPE_CHECKING:  # the pure functions (resample, scaled) run without Django (benchmarks)
    from territoria.plantabilite.models import NeedLayer, Territory

LOW_PERCENTILE, HIGH_PERCENTILE = 2, 98


def read_raster(path: Path, territory: Territory, declared_crs: str = "") -> dict:
    """Checks a raster and describes it; refuses it with a message a person can act on."""
    import rasterio
    from rasterio.errors import RasterioIOError
    from rasterio.warp import transform_bounds

    from territoria.plantabilite.importing import MAX_BYTES

    path = Path(path)
    if path.stat().st_size > MAX_BYTES:
        raise LayerError(
            f"Raster de {path.stat().st_size / 2**20:.0f} Mo : plus que la limite de "
            f"{MAX_BYTES / 2**20:.0f} Mo (TERRITORIA_PLANTABILITE_MAX_MB) ; découpez-le."
        )
    try:
        dataset = rasterio.open(path)
    except RasterioIOError:
        raise LayerError(
            "Le fichier n'est pas un raster lisible : attendu un GeoTIFF (.tif) d'une bande, "
            "par exemple une température de surface ou une densité de population."
        ) from None
    with dataset:
        crs = parse_crs(declared_crs) if declared_crs else dataset.crs
        if crs is None:
            raise LayerError(
                "Le raster n'indique pas son système de coordonnées (CRS) : indiquez-le dans "
                "le formulaire (par exemple EPSG:2154 pour le Lambert-93)."
            )
        if dataset.transform.is_identity:
            raise LayerError("Le raster n'est pas géoréférencé (pas de transformation affine).")
        band = dataset.read(1, masked=True).astype("float64")
        if band.count() == 0:
            raise LayerError("Le raster ne contient aucune valeur (tout est « sans donnée »).")
        bounds = dataset.bounds
        work = parse_crs(territory.crs, "Territoire : ")
        crs_text = crs.to_string() if hasattr(crs, "to_string") else str(crs)
        if territory.extent is not None:
            x0, y0, x1, y1 = transform_bounds(crs, work, *bounds)
            ex0, ey0, ex1, ey1 = territory.extent
            if x1 < ex0 or x0 > ex1 or y1 < ey0 or y0 > ey1:
                raise LayerError(
                    f"Le raster est entièrement hors du territoire : son emprise "
                    f"({x0:.0f}, {y0:.0f}, {x1:.0f}, {y1:.0f}) ne croise pas celle du territoire "
                    f"({ex0:.0f}, {ey0:.0f}, {ex1:.0f}, {ey1:.0f}) en {territory.crs}. "
                    "Le CRS est-il le bon ?"
                )
        notes = []
        if dataset.count > 1:
            notes.append(f"{dataset.count} bandes : seule la première est lue.")
        return {
            "crs": crs_text,
            "width": dataset.width,
            "height": dataset.height,
            "resolution_m": float(abs(dataset.transform.a)),
            "minimum": float(band.min()),
            "maximum": float(band.max()),
            "notes": notes,
        }


def import_need(
    territory: Territory, path: Path, *, kind: str, name: str, owner: str, declared_crs="", **meta
) -> NeedLayer:
    """One needs raster, replacing the territory's previous one of the same kind; the record
    and the file are written together or not at all."""
    from django.db import transaction

    from territoria.plantabilite.models import NeedLayer

    if kind not in NeedLayer.Kind.values:
        raise LayerError(f"Besoin inconnu « {kind} » : attendu {', '.join(NeedLayer.Kind.values)}.")
    info = read_raster(path, territory, declared_crs)
    with transaction.atomic():
        for old in territory.needs.filter(kind=kind):
            old.path.unlink(missing_ok=True)
            old.delete()
        need = NeedLayer.objects.create(
            territory=territory,
            kind=kind,
            name=name,
            owner=owner,
            source_crs=info["crs"],
            width=info["width"],
            height=info["height"],
            resolution_m=info["resolution_m"],
            minimum=info["minimum"],
            maximum=info["maximum"],
            report="\n".join(info["notes"]),
            **meta,
        )
        need.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if declared_crs:
                _copy_with_crs(path, need.path, info["crs"])
            else:
                shutil.copyfile(path, need.path)
        except Exception:
            need.path.unlink(missing_ok=True)
            raise
    return need


def _copy_with_crs(source: Path, target: Path, crs: str) -> None:
    import rasterio

    with rasterio.open(source) as dataset:
        profile = {**dataset.profile, "driver": "GTiff", "crs": crs}
        with rasterio.open(target, "w", **profile) as out:
            out.write(dataset.read())


def on_grid(need: NeedLayer, grid: Grid, crs: str) -> np.ndarray:
    return resample(need.path, grid, crs)


def resample(path: Path, grid: Grid, crs: str) -> np.ndarray:
    """The raster resampled (bilinear) onto the grid's cells; NaN where it has no value."""
    import rasterio
    from rasterio.warp import Resampling, reproject

    out = np.full(grid.shape, np.nan, dtype=np.float32)
    with rasterio.open(path) as dataset:
        reproject(
            source=rasterio.band(dataset, 1),
            destination=out,
            dst_transform=grid.transform,
            dst_crs=crs,
            dst_nodata=np.nan,
            resampling=Resampling.bilinear,
        )
    return out


def scaled(values: np.ndarray) -> np.ndarray:
    """0…1 between the 2nd and 98th percentiles of the known values; 0 where unknown."""
    known = np.isfinite(values)
    out = np.zeros(values.shape, dtype=np.float32)
    if not known.any():
        return out
    low, high = np.percentile(values[known], [LOW_PERCENTILE, HIGH_PERCENTILE])
    if high <= low:
        return out
    out[known] = np.clip((values[known] - low) / (high - low), 0.0, 1.0)
    return out


def grid_needs(territory: Territory, grid: Grid) -> dict[str, np.ndarray]:
    """kind → the need of every cell of the grid, 0…1."""
    return {
        need.kind: scaled(on_grid(need, grid, territory.crs))
        for need in territory.needs.all()
        if need.path.exists()
    }

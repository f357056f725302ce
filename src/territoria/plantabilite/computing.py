"""Running a computation (the background job), its files, and what is read from them.

Files of a computation (DATA_DIR/plantabilite/calculs/<id>/): `parts.npz` (the share of each
cell each factor covers: the explanations, the sensitivity; computations made before the exact
shares kept `comptes.npz`, covered 0.5 m sub-pixels out of 100, still read), `plantabilite.tif` (a
Cloud-Optimised GeoTIFF: band 1 the class 0–10, band 2 the score; nodata 255 for the cells
outside a computed zone). Per-factor counts are cached
(DATA_DIR/plantabilite/cache/) under a key made of the factor's layers and the grid: when one
layer changes, only its factor is rasterised again (incremental).
"""

from __future__ import annotations

import hashlib
import io
import json
import time
from pathlib import Path

import numpy as np
from django.db.models import F
from django.utils import timezone

from territoria.plantabilite import engine
from territoria.plantabilite.engine import Grid
from territoria.plantabilite.factors import BY_KEY
from territoria.plantabilite.importing import geometries
from territoria.plantabilite.models import Computation, FactorLayer, results_dir
from territoria.plantabilite.palette import CLASS_LABELS, PALETTE  # noqa: F401  (re-exported)
from territoria.plantabilite.tiles import write_geotiff


def grid_of(computation: Computation) -> Grid:
    return Grid.from_bounds(computation.xmin, computation.ymin, computation.xmax, computation.ymax)


def inside_of(computation: Computation, grid: Grid) -> np.ndarray | None:
    """The cells of the computation's zone (centre inside), or None for a rectangle."""
    zone = computation.zone
    return engine.cells_inside(grid, zone) if zone is not None else None


def _cache_dir() -> Path:
    path = results_dir() / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


# Part of every cache key: shares cached by another method are never read back.
SHARES_METHOD = "parts-exactes-1"


def _factor_key(grid: Grid, layers: list[FactorLayer]) -> str:
    parts = [SHARES_METHOD, grid.signature(), *sorted(layer.digest for layer in layers)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def provenance_tags(computation: Computation, by_factor: dict) -> dict[str, str]:
    """What the GeoTIFF says about itself (it is public): the method, the profile, its version
    and weights, and the layers — names, owners and dates of the public ones; the operators'
    restricted layers are only counted, per factor."""
    public, restricted = [], {}
    for key, layers in sorted(by_factor.items()):
        for layer in layers:
            if layer.restricted:
                restricted[key] = restricted.get(key, 0) + 1
            else:
                public.append(
                    {
                        "nom": layer.name,
                        "facteur": key,
                        "detenteur": layer.owner,
                        "date": layer.source_date.isoformat() if layer.source_date else None,
                        "tampon_m": layer.buffer_m,
                    }
                )
    return {
        "TERRITORIA_METHODE": (
            "Calque de plantabilité, méthode de la Métropole de Lyon : mailles de 5 m, part de "
            "chaque facteur (surface exacte de l'intersection), score = somme des poids × parts, un facteur "
            "à -5 bloque la maille (classe 0), classes 1 à 10 : score borné à [-4 ; +3]."
        ),
        "TERRITORIA_TERRITOIRE": computation.territory.name,
        "TERRITORIA_PROFIL": computation.profile.name,
        "TERRITORIA_PROFIL_VERSION": str(computation.profile_version or ""),
        "TERRITORIA_POIDS": json.dumps(computation.weights, ensure_ascii=False, sort_keys=True),
        "TERRITORIA_COUCHES": json.dumps(public, ensure_ascii=False),
        "TERRITORIA_COUCHES_RESERVEES": json.dumps(restricted, ensure_ascii=False),
        "TERRITORIA_CALCUL": str(computation.pk),
    }


def run(computation: Computation) -> Computation:
    """Compute the layer: progress saved after each factor; the files, then the statistics."""
    started, started_cpu = time.perf_counter(), time.process_time()
    pk = computation.pk
    Computation.objects.filter(pk=pk).update(
        state=Computation.State.RUNNING, step="Lecture des couches", error=""
    )
    try:
        grid = grid_of(computation)
        by_factor: dict[str, list[FactorLayer]] = {}
        for layer in computation.territory.layers.all():
            by_factor.setdefault(layer.factor, []).append(layer)
        Computation.objects.filter(pk=pk).update(total=len(by_factor), done=0)
        shares: dict[str, np.ndarray] = {}
        missing: dict[str, np.ndarray] = {}
        cache_of = {}
        for key, layers in sorted(by_factor.items()):
            cached = _cache_dir() / f"{key}-{_factor_key(grid, layers)}.npy"
            if cached.exists():
                shares[key] = np.load(cached)
                Computation.objects.filter(pk=pk).update(done=F("done") + 1)
                continue
            Computation.objects.filter(pk=pk).update(step=f"Lecture : {BY_KEY[key].label}")
            missing[key] = np.concatenate(
                [engine.prepare(geometries(layer), layer.buffer_m) for layer in layers]
            )
            cache_of[key] = cached
        reused = len(shares)

        def progress(done: int, total: int) -> None:
            Computation.objects.filter(pk=pk).update(
                done=reused + done, step=f"Facteurs calculés : {done} sur {total}"
            )

        # Only the factors whose layers changed are computed again (incremental).
        for key, share in engine.factor_shares(grid, missing, progress).items():
            shares[key] = share
            np.save(cache_of[key], share)
        Computation.objects.filter(pk=pk).update(step="Score, classes et fichiers")
        result = engine.result_from_shares(
            grid, shares, computation.weights, inside_of(computation, grid)
        )
        folder = computation.folder
        folder.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(folder / "parts.npz", **shares)
        write_geotiff(
            folder / "plantabilite.tif",
            result,
            computation.territory.crs,
            tags=provenance_tags(computation, by_factor),
        )
        histogram = result.histogram()
        stats = {
            "cells": result.cells,
            "grid_cells": grid.size,
            "shape": list(grid.shape),
            "classes": histogram,
            "seconds": round(time.perf_counter() - started, 3),
            "cpu_seconds": round(time.process_time() - started_cpu, 3),
            "factors_reused": reused,
            "factors_computed": len(by_factor) - reused,
        }
        Computation.objects.filter(pk=pk).update(
            state=Computation.State.DONE,
            step="Terminé",
            stats=stats,
            layers=[
                {"id": str(layer.pk), "name": layer.name, "factor": layer.factor}
                for layers in by_factor.values()
                for layer in layers
            ],
            finished_at=timezone.now(),
        )
    except Exception as error:
        Computation.objects.filter(pk=pk).update(
            state=Computation.State.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        raise
    computation.refresh_from_db()
    # A real save, so that the open dataset (apps.PlantabiliteConfig.datasets) is refreshed.
    computation.save(update_fields=["updated_at"])
    return computation


def load(computation: Computation) -> engine.Result:
    grid = grid_of(computation)
    path = computation.folder / "parts.npz"
    if path.exists():
        with np.load(path) as data:
            shares = {key: data[key] for key in data.files}
    else:  # computed before the exact shares: covered sub-pixels out of 10 × 10
        with np.load(computation.folder / "comptes.npz") as data:
            shares = {key: data[key].astype(np.float32) / 100 for key in data.files}
    return engine.result_from_shares(
        grid, shares, computation.weights, inside_of(computation, grid)
    )


def png(classes: np.ndarray, changed: np.ndarray | None = None) -> bytes:
    """The classes as an image, one pixel per cell (cells that changed in magenta), cells
    without a class (outside the zone) transparent."""
    from PIL import Image

    inside = classes <= 10
    rgba = np.zeros((*classes.shape, 4), dtype=np.uint8)
    rgba[inside, :3] = PALETTE[classes[inside]]
    rgba[inside, 3] = 255
    if changed is not None:
        rgba[changed & inside, :3] = (200, 0, 200)
    out = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(out, format="PNG", optimize=False)
    return out.getvalue()


def restricted_factors(computation: Computation) -> set[str]:
    return set(
        FactorLayer.objects.filter(territory=computation.territory, restricted=True).values_list(
            "factor", flat=True
        )
    )


def explain(computation: Computation, result: engine.Result, x: float, y: float, insider: bool):
    """The cell at (x, y): its factors (share, weight, contribution), score, class. Factors fed
    by restricted layers are summed into one line for readers without the right."""
    cell = result.grid.cell_at(x, y)
    if cell is None or not result.in_zone(*cell):
        return None
    row, col = cell
    hidden = set() if insider else restricted_factors(computation)
    lines, hidden_part = [], 0.0
    for key, share in sorted(result.shares_at(row, col).items()):
        weight = computation.weights.get(key, 0)
        if key in hidden:
            hidden_part += weight * share
            continue
        lines.append(
            {
                "factor": BY_KEY[key].label,
                "share": share,
                "weight": weight,
                "contribution": weight * share,
                "blocking": weight <= -5,
            }
        )
    cx, cy = result.grid.cell_center(row, col)
    return {
        "row": row,
        "col": col,
        "x": cx,
        "y": cy,
        "lines": lines,
        "hidden": hidden_part if hidden and hidden_part else None,
        "score": float(result.score[row, col]),
        "classe": int(result.classes[row, col]),
        "blocked": bool(result.blocked[row, col]),
    }


def stats_json(computation: Computation) -> str:
    return json.dumps(computation.stats, ensure_ascii=False)
